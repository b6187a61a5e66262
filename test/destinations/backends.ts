/**
 * The three SQL writers behind one test interface, so the contract suite runs unchanged against all
 * of them: each `open()` gives a destination on a fresh, uniquely named schema (Postgres: a random
 * suffix on the shared server, dropped afterwards; SQLite: a temp directory, deleted afterwards;
 * Snowflake: fakesnow behind the driver shim, stopped afterwards; BigQuery: local-bigquery on a fresh
 * data directory, stopped and deleted afterwards, read back over plain REST), plus a way to read rows back
 * normalised to one shape (booleans as booleans, JSON parsed, timestamps as ISO UTC).
 *
 * Where a backend cannot do what the others do, it says so with an explicit capability below
 * (`concurrentPageRows`, `statementsDuring`), never by loosening a contract test for everyone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ColumnType } from '../../catalog/types';
import { openPostgresDestination, PostgresDestination, type PostgresOptions } from '../../destinations/postgres/destination';
import type { SnowflakeDestination } from '../../destinations/snowflake/destination';
import type { BigQueryDestination } from '../../destinations/bigquery/destination';
import { openSqliteDestination, SqliteDestination } from '../../destinations/sqlite/destination';
import { METADATA_SCHEMA, quoteIdentifier } from '../../destinations/shared/identifiers';
import type { WarehouseTable } from '../../destinations/types';
import type { ObservedStatement } from '../../harness/snowflake/driver-shim';

export const PG_URL = process.env.ZS_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface OpenedBackend {
  destination: SqliteDestination | PostgresDestination | SnowflakeDestination | BigQueryDestination;
  /** A fresh schema name, not yet created. */
  schema: string;
  /** Creates another unique schema name that cleanup() also removes. */
  anotherSchema(): string;
  /** Every row of a table, ordered by primary key, values normalised by column type. */
  readRows(schema: string, table: WarehouseTable): Promise<Array<Record<string, unknown>>>;
  /** Names of the tables in a schema. */
  tablesIn(schema: string): Promise<string[]>;
  /**
   * One value as the warehouse itself renders it as text (exact where a JS number would not be, e.g.
   * a bigint beyond 2^53), picked by primary key.
   */
  readText(schema: string, table: WarehouseTable, column: string, id: number): Promise<string | null>;
  /**
   * Capability: the statements sent to the server while `work` ran, for backends whose wire the test
   * can see (Snowflake, through the driver shim). Absent elsewhere; the contract then skips only the
   * "no SQL was sent" assertions.
   */
  statementsDuring?(work: () => Promise<unknown>): Promise<ObservedStatement[]>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres' | 'snowflake' | 'bigquery';
  /**
   * Capability: rows per page in the concurrency test (three pages of tickets, two of users, to two
   * schemas at once). fakesnow stages an array bind row by row (~35 rows/s, FAKESNOW_GAPS.md gap 11),
   * so Snowflake writes a smaller page; the assertions are the same.
   */
  concurrentPageRows: number;
  open(options?: { postgres?: PostgresOptions }): Promise<OpenedBackend>;
}

export const backends: Backend[] = [
  {
    name: 'sqlite',
    concurrentPageRows: 1000,
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
            schema === METADATA_SCHEMA ? [] : [schema], // the metadata file is attached at connect
          );
          return rows.map((r) => r.name);
        },
        async readText(schema, table, column, id) {
          const [row] = await destination.query<{ v: string | null }>(
            `SELECT CAST("${column}" AS TEXT) AS v FROM "${schema}"."${table.name}" WHERE "${table.primaryKey}" = ?`,
            [id],
            [schema],
          );
          return row?.v ?? null;
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
    concurrentPageRows: 1000,
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
        async readText(schema, table, column, id) {
          const [row] = await destination.query<{ v: string | null }>(
            `SELECT "${column}"::text AS v FROM "${schema}"."${table.name}" WHERE "${table.primaryKey}" = ?`,
            [id],
          );
          return row?.v ?? null;
        },
        async cleanup() {
          for (const schema of schemas) await destination.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          for (const table of ['state', 'full_reads', 'full_read_keys']) {
            await destination.query(`DELETE FROM zendesk_sync.${table} WHERE source = ANY(?)`, [schemas]).catch(() => undefined);
          }
          await destination.close();
        },
      };
    },
  },
  {
    name: 'snowflake',
    concurrentPageRows: 20,
    async open() {
      // Loaded here, so files that only want uniqueName or PG_URL do not load the Snowflake driver.
      const { openSnowflakeDestination } = await import('../../destinations/snowflake/destination');
      const { startSnowflakeEmulator } = await import('../../harness/snowflake/emulator');
      const { readRows, tablesIn } = await import('../../harness/snowflake/read-back');
      const { statementsDuring } = await import('./snowflake/sent-statements');
      // fakesnow is in memory: stopping the emulator removes every schema the tests created.
      const emulator = await startSnowflakeEmulator();
      let destination: SnowflakeDestination;
      try {
        destination = await openSnowflakeDestination(emulator.settings());
      } catch (err) {
        await emulator.stop();
        throw err;
      }
      const q = (name: string) => quoteIdentifier(name, 'snowflake');
      return {
        destination,
        schema: uniqueName('src'),
        anotherSchema: () => uniqueName('src'),
        readRows: (schema, table) => readRows(destination, schema, table),
        tablesIn: (schema) => tablesIn(destination, schema),
        async readText(schema, table, column, id) {
          const [row] = await destination.query(
            `SELECT TO_VARCHAR(${q(column)}) AS "V" FROM ${q(schema)}.${q(table.name)} WHERE ${q(table.primaryKey)} = ?`,
            [id],
          );
          return row?.V === null || row?.V === undefined ? null : String(row.V);
        },
        statementsDuring: (work) => statementsDuring(emulator.shim, work),
        async cleanup() {
          await destination.close();
          await emulator.stop();
        },
      };
    },
  },
  {
    name: 'bigquery',
    concurrentPageRows: 200,
    async open() {
      const { openBigQueryDestination } = await import('../../destinations/bigquery/destination');
      const { startBigQueryEmulator, restQuery, restTables } = await import('../../harness/bigquery/emulator');
      const { readRowsOverRest, tableSql } = await import('./bigquery/read-back');
      const emulator = await startBigQueryEmulator();
      let destination: BigQueryDestination;
      try {
        destination = await openBigQueryDestination(emulator.settings(), { bigquery: { configureClient: emulator.configureClient } });
      } catch (err) {
        await emulator.stop();
        throw err;
      }
      return {
        destination,
        schema: uniqueName('src'),
        anotherSchema: () => uniqueName('src'),
        readRows: (schema, table) => readRowsOverRest(emulator.endpoint, destination.datasetFor(schema), table),
        tablesIn: (schema) => restTables(emulator.endpoint, destination.datasetFor(schema)),
        async readText(schema, table, column, id) {
          const [row] = await restQuery(
            emulator.endpoint,
            `SELECT CAST(\`${column}\` AS STRING) AS v FROM ${tableSql(destination.datasetFor(schema), table.name)} WHERE \`${table.primaryKey}\` = ${Number(id)}`,
          );
          return row?.v ?? null;
        },
        async cleanup() {
          await destination.close();
          await emulator.stop();
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
