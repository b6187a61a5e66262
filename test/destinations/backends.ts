/**
 * The two SQL writers behind one test interface, so the contract suite runs unchanged against both:
 * each `open()` gives a destination on a fresh, uniquely named schema (Postgres: a random suffix on
 * the shared server, dropped afterwards; SQLite: a temp directory, deleted afterwards), plus a way to
 * read rows back normalised to one shape (booleans as booleans, JSON parsed, timestamps as ISO UTC).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ColumnType } from '../../catalog/types';
import { openPostgresDestination, PostgresDestination, type PostgresOptions } from '../../destinations/postgres';
import { openSqliteDestination, SqliteDestination } from '../../destinations/sqlite';
import type { WarehouseTable } from '../../destinations/types';

export const PG_URL = process.env.ZS_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface OpenedBackend {
  destination: SqliteDestination | PostgresDestination;
  /** A fresh schema name, not yet created. */
  schema: string;
  /** Creates another unique schema name that cleanup() also removes. */
  anotherSchema(): string;
  /** Every row of a table, ordered by primary key, values normalised by column type. */
  readRows(schema: string, table: WarehouseTable): Promise<Array<Record<string, unknown>>>;
  /** Names of the tables in a schema. */
  tablesIn(schema: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  open(options?: { postgres?: PostgresOptions }): Promise<OpenedBackend>;
}

export const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-sqlite-'));
      const destination = await openSqliteDestination(directory);
      return {
        destination,
        schema: uniqueName('src'),
        anotherSchema: () => uniqueName('src'),
        async readRows(schema, table) {
          const rows = await destination.query(`SELECT * FROM "${schema}"."${table.name}" ORDER BY "${table.primaryKey}"`, [], [schema]);
          return rows.map((row) => normaliseRow(row, table, 'text'));
        },
        async tablesIn(schema) {
          const rows = await destination.query<{ name: string }>(
            `SELECT name FROM "${schema}".sqlite_master WHERE type = 'table' ORDER BY name`,
            [],
            [schema],
          );
          return rows.map((r) => r.name);
        },
        async cleanup() {
          await destination.close();
          fs.rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open(options) {
      const destination = await openPostgresDestination(PG_URL, options?.postgres);
      const schemas: string[] = [];
      const track = () => {
        const schema = uniqueName('src');
        schemas.push(schema);
        return schema;
      };
      return {
        destination,
        schema: track(),
        anotherSchema: track,
        async readRows(schema, table) {
          // Dates and timestamps as text so no local time zone interferes.
          const columns = table.columns.map((c) => {
            if (c.type === 'timestamp') return `to_json("${c.name}") #>> '{}' AS "${c.name}"`;
            if (c.type === 'date') return `"${c.name}"::text AS "${c.name}"`;
            return `"${c.name}"`;
          });
          const rows = await destination.query(
            `SELECT ${columns.join(', ')} FROM "${schema}"."${table.name}" ORDER BY "${table.primaryKey}"`,
          );
          return rows.map((row) => normaliseRow(row, table, 'parsed'));
        },
        async tablesIn(schema) {
          const rows = await destination.query<{ table_name: string }>(
            'SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
            [schema],
          );
          return rows.map((r) => r.table_name);
        },
        async cleanup() {
          for (const schema of schemas) await destination.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await destination.query('DELETE FROM zendesk_sync.state WHERE source = ANY(?)', [schemas]).catch(() => undefined);
          await destination.close();
        },
      };
    },
  },
];

/** SQLite returns json columns as their text; pg parses jsonb itself. */
type JsonDelivery = 'text' | 'parsed';

function normaliseRow(row: Record<string, unknown>, table: WarehouseTable, json: JsonDelivery): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    const type = table.columns.find((c) => c.name === name)?.type;
    out[name] = type ? normaliseValue(value, type, json) : value;
  }
  return out;
}

function normaliseValue(value: unknown, type: ColumnType, json: JsonDelivery): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
      return typeof value === 'string' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case 'double':
      return Number(value);
    case 'boolean':
      return value === true || value === 1;
    case 'json':
      return json === 'text' ? JSON.parse(String(value)) : value;
    case 'timestamp': {
      const iso = new Date(String(value)).toISOString();
      return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
    }
    default:
      return value;
  }
}
