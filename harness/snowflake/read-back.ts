/**
 * Reads landed rows back through the destination's own session (SELECT answers reach the driver
 * via the shim's Arrow decoding), normalised to the shape rows are written in: lowercase column
 * names, timestamps as ISO-8601 UTC (whole seconds without `.000`), dates as YYYY-MM-DD, JSON parsed.
 * Used by the Snowflake backend of the Destination contract (test/destinations/backends.ts) and by
 * harness/warehouseReader.ts. It shares the shim's Arrow decoder with everything else the Node
 * side reads, so it is not the authority on landed rows: test/destinations/snowflake/python-reader.ts is (test/destinations/snowflake/FAKESNOW_GAPS.md).
 */
import { quoteIdentifier } from '../../destinations/shared/identifiers';
import type { SnowflakeDestination } from '../../destinations/snowflake/destination';
import type { WarehouseTable } from '../../destinations/types';

export async function readRows(
  destination: SnowflakeDestination,
  schema: string,
  table: WarehouseTable,
): Promise<Array<Record<string, unknown>>> {
  const q = (name: string) => quoteIdentifier(name, 'snowflake');
  const rows = await destination.query(
    `SELECT ${table.columns.map((c) => q(c.name)).join(', ')} FROM ${q(schema)}.${q(table.name)} ORDER BY ${q(table.primaryKey)}`,
  );
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of table.columns) {
      const value = row[column.name.toUpperCase()];
      out[column.name] = normalise(value, column.type);
    }
    return out;
  });
}

function normalise(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'timestamp' && value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
  }
  if (type === 'date' && value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

export async function tablesIn(destination: SnowflakeDestination, schema: string): Promise<string[]> {
  const rows = await destination.query(
    'SELECT "TABLE_NAME" FROM INFORMATION_SCHEMA.TABLES WHERE "TABLE_SCHEMA" = ? ORDER BY "TABLE_NAME"',
    [schema.toUpperCase()],
  );
  return rows.map((r) => String(r.TABLE_NAME).toLowerCase());
}
