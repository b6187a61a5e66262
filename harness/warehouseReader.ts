/**
 * Reads a synced table back for differential tests, normalising each value by its column type so
 * rows from SQLite and Postgres compare equal to the emulator's ground truth. Test-only: the product
 * never reads rows on its write path.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import knexFactory from 'knex';
import type { ColumnType } from '../catalog/types';
import { isoSeconds } from '../sync/coercion';
import { urlScheme } from '../destinations/reference';
import { sqliteDirectory } from '../destinations/sqlite/settings';

export type Columns = Record<string, ColumnType>;

export function normalizeValue(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
    case 'double':
      return typeof value === 'string' ? Number(value) : value;
    case 'boolean':
      return value === 1 || value === true || value === '1' || value === 't';
    case 'timestamp':
      return isoSeconds(value instanceof Date ? value.getTime() : Date.parse(String(value)));
    case 'date':
      if (value instanceof Date) {
        const y = value.getFullYear();
        const m = String(value.getMonth() + 1).padStart(2, '0');
        const d = String(value.getDate()).padStart(2, '0');
        return `${y}-${m}-${d}`;
      }
      return String(value).slice(0, 10);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'text':
      return String(value);
  }
}

export async function readTable(
  destinationUrl: string,
  schema: string,
  table: string,
  columns: Columns,
): Promise<Array<Record<string, unknown>>> {
  let raw: Array<Record<string, unknown>>;
  if (urlScheme(destinationUrl) === 'snowflake') {
    // fakesnow answers SELECTs in Arrow; the test shim decodes them (test/destinations/snowflake/FAKESNOW_GAPS.md).
    const { openSnowflakeDestination } = await import('../destinations/snowflake/destination');
    const { readRows } = await import('./snowflake/read-back');
    const destination = await openSnowflakeDestination(destinationUrl);
    try {
      const tableSpec = { name: table, primaryKey: 'id', columns: Object.entries(columns).map(([name, type]) => ({ name, type })) };
      raw = await readRows(destination, schema, tableSpec);
    } finally {
      await destination.close();
    }
  } else if (urlScheme(destinationUrl) === 'sqlite') {
    const file = path.join(sqliteDirectory(destinationUrl), `${schema}.sqlite`);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      raw = db.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  } else {
    const knex = knexFactory({ client: 'pg', connection: destinationUrl, pool: { min: 0, max: 1 } });
    try {
      raw = await knex.withSchema(schema).select('*').from(table);
    } finally {
      await knex.destroy();
    }
  }
  return raw.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(row)) {
      out[name] = columns[name] ? normalizeValue(value, columns[name]!) : value;
    }
    return out;
  });
}
