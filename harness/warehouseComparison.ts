/**
 * The differential check of a source's warehouse schema against the emulator's ground truth, as
 * counts: rows missing, extra, duplicated (one primary key on several rows) and stale (a column
 * differing from the truth). The e2e tests assert that every count is 0 (`assertWarehouseMatches`
 * in stack.ts); the fleet benchmark prints them.
 */
import { isDeepStrictEqual } from 'node:util';
import { collections } from '../catalog/collections';
import { openDestination } from '../destinations/open';
import { customColumnsKey } from '../activities/tablePlans';
import type { CustomColumn } from '../sync/customFields';
import type { GroundTruth } from '../emulator';
import { readTable, type Columns } from './warehouseReader';
import { compareCustomFields, rowsAtLookbackEdge } from './truthComparison';

export interface WarehouseComparison {
  rowsCompared: number;
  /** Truth rows with no warehouse row (rows at the lookback's uncertain edge excepted). */
  missing: number;
  /** Warehouse rows the truth does not have. */
  extra: number;
  /** Warehouse rows beyond the first with the same primary key. */
  duplicated: number;
  /** Rows present on both sides with at least one column (or custom field) differing. */
  stale: number;
  /** One line per problem, by table, e.g. `tickets 12: missing`. */
  problemsByTable: Map<string, string[]>;
}

export async function compareWarehouse(destinationUrl: string, schema: string, truth: GroundTruth): Promise<WarehouseComparison> {
  const destination = await openDestination(destinationUrl);
  const result: WarehouseComparison = { rowsCompared: 0, missing: 0, extra: 0, duplicated: 0, stale: 0, problemsByTable: new Map() };
  try {
    for (const [table, expectedTableRows] of Object.entries(truth)) {
      const collection = collections.find((c) => c.name === table)!;
      // Only to find each field's column; which fields must have one comes from the truth.
      const custom: CustomColumn[] = JSON.parse((await destination.readState(schema, customColumnsKey(table))) ?? '[]');
      const columns: Columns = Object.fromEntries(collection.columns.map((c) => [c.name, c.type]));
      for (const c of custom) columns[c.column] = c.type;
      const actual =
        expectedTableRows.length === 0 && (await destination.countRows(schema, table).catch(() => 0)) === 0
          ? []
          : await readTable(destinationUrl, schema, table, columns);
      const problems: string[] = [];
      const byId = new Map<string, Record<string, unknown>>();
      for (const row of actual) {
        const id = String(row[collection.primaryKey]);
        if (byId.has(id)) {
          result.duplicated++;
          problems.push(`${table} ${id}: duplicated`);
        } else byId.set(id, row);
      }
      const reported = new Set<string>();
      for (const expected of expectedTableRows) {
        const id = String(expected[collection.primaryKey]);
        const row = byId.get(id);
        if (!row) {
          if (!rowsAtLookbackEdge.has(expected)) {
            result.missing++;
            problems.push(`${table} ${id}: missing`);
          }
          continue;
        }
        byId.delete(id);
        const before = problems.length;
        for (const [column, value] of Object.entries(expected)) {
          if (column === 'custom_fields') continue;
          if (!isDeepStrictEqual(row[column], value)) {
            problems.push(`${table} ${id}.${column}: warehouse ${JSON.stringify(row[column])} != truth ${JSON.stringify(value)}`);
          }
        }
        if (expected.custom_fields) {
          compareCustomFields(table, id, row, expected.custom_fields as Record<string, unknown>, custom, problems, reported);
        }
        if (problems.length > before) result.stale++;
        result.rowsCompared++;
      }
      for (const extra of byId.keys()) {
        result.extra++;
        problems.push(`${table} ${extra}: extra row`);
      }
      if (problems.length) result.problemsByTable.set(table, problems);
    }
  } finally {
    await destination.close();
  }
  return result;
}
