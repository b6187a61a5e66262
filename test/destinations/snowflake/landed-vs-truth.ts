/**
 * The Snowflake counterpart of harness/stack.ts's `assertWarehouseMatches`, with the Python
 * connector (python-reader.ts) as the only reader: the sync state (custom columns) and every synced
 * table are read straight from fakesnow, every column's declared type and every value's type are
 * checked, and each table must hold exactly the emulator's ground truth: none missing, none extra,
 * none stale.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { collections } from '../../../catalog/collections';
import { customColumnsKey } from '../../../activities/tablePlans';
import { METADATA_SCHEMA } from '../../../destinations/shared/identifiers';
import type { WarehouseTable } from '../../../destinations/types';
import type { GroundTruth } from '../../../emulator';
import type { CustomColumn } from '../../../sync/customFields';
import { DECLARED_TYPE, readLandedRows, type LandedTable } from './python-reader';
import { compareCustomFields, rowsAtLookbackEdge } from '../../../harness/truthComparison';

/** Where the Python connector finds the landed data: fakesnow's own port (not the shim's) and database. */
export interface FakesnowTarget {
  port: number;
  database: string;
}

const STATE_TABLE: WarehouseTable = {
  name: 'state',
  primaryKey: 'key',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'key', type: 'text' },
    { name: 'value', type: 'text' },
  ],
};

/** Sync state of one source, read with the Python connector (key → value). */
export async function readStateWithPython(target: FakesnowTarget, source: string): Promise<Map<string, string>> {
  const [state] = await readLandedRows(target.port, target.database, [{ schema: METADATA_SCHEMA, table: STATE_TABLE }]);
  assert.ok(state!.exists, 'the ZENDESK_SYNC.STATE table does not exist');
  return new Map(state!.rows.filter((r) => r.source === source).map((r) => [String(r.key), String(r.value)]));
}

/** The warehouse table a synced collection lands in: its catalog columns plus its custom-field columns. */
function syncedTable(collection: string, custom: CustomColumn[]): WarehouseTable {
  const spec = collections.find((c) => c.name === collection);
  if (!spec) throw new Error(`no collection named ${collection}`);
  return {
    name: spec.name,
    primaryKey: spec.primaryKey,
    columns: [...spec.columns.map((c) => ({ name: c.name, type: c.type })), ...custom.map((c) => ({ name: c.column, type: c.type }))],
  };
}

export interface LandedComparison {
  rowsCompared: number;
  /** What the Python connector read, by table name, for further assertions. */
  landed: Map<string, LandedTable>;
}

export async function assertSnowflakeMatchesTruth(target: FakesnowTarget, schema: string, truth: GroundTruth): Promise<LandedComparison> {
  const state = await readStateWithPython(target, schema);
  const customByTable = new Map<string, CustomColumn[]>(
    Object.keys(truth).map((table) => [table, JSON.parse(state.get(customColumnsKey(table)) ?? '[]') as CustomColumn[]]),
  );
  const tables = Object.keys(truth).map((name) => syncedTable(name, customByTable.get(name)!));
  const read = await readLandedRows(
    target.port,
    target.database,
    tables.map((table) => ({ schema, table })),
  );
  const landed = new Map(tables.map((t, i) => [t.name, read[i]!]));

  let rowsCompared = 0;
  for (const table of tables) {
    const expectedRows = truth[table.name]!;
    const actual = landed.get(table.name)!;
    const problems: string[] = [];
    if (!actual.exists) {
      // A collection with nothing to sync may never have created its table.
      assert.deepEqual(expectedRows, [], `${table.name}: table missing, but the truth has ${expectedRows.length} rows`);
      continue;
    }
    for (const column of table.columns) {
      const declared = actual.declaredTypes[column.name];
      if (declared !== DECLARED_TYPE[column.type]) {
        problems.push(`${table.name}.${column.name}: declared ${declared}, want ${DECLARED_TYPE[column.type]} for ${column.type}`);
      }
    }
    const custom = customByTable.get(table.name)!;
    const reported = new Set<string>();
    const byKey = new Map(actual.rows.map((r) => [String(r[table.primaryKey]), r]));
    for (const expected of expectedRows) {
      const key = String(expected[table.primaryKey]);
      const row = byKey.get(key);
      if (!row) {
        if (!rowsAtLookbackEdge.has(expected)) problems.push(`${table.name} ${key}: missing`);
        continue;
      }
      byKey.delete(key);
      for (const [column, value] of Object.entries(expected)) {
        if (column === 'custom_fields') continue;
        if (!(column in row)) problems.push(`${table.name} ${key}.${column}: no such column landed`);
        else if (!isDeepStrictEqual(row[column], value)) {
          problems.push(`${table.name} ${key}.${column}: landed ${JSON.stringify(row[column])} != truth ${JSON.stringify(value)}`);
        }
      }
      if (expected.custom_fields) {
        compareCustomFields(table.name, key, row, expected.custom_fields as Record<string, unknown>, custom, problems, reported);
      }
      // The truth leaves received_at out (it is the sync's clock); it must still be a real instant.
      if ('received_at' in row && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(String(row.received_at))) {
        problems.push(`${table.name} ${key}.received_at: ${JSON.stringify(row.received_at)} is not a timestamp`);
      }
      rowsCompared++;
    }
    for (const extra of byKey.keys()) problems.push(`${table.name} ${extra}: extra row`);
    assert.deepEqual(problems.slice(0, 20), [], `${table.name}: ${problems.length} mismatches`);
  }
  return { rowsCompared, landed };
}
