/**
 * The BigQuery counterpart of harness/stack.ts's `assertWarehouseMatches`, with plain REST
 * queries against the emulator as the only reader (read-back.ts: no writer code, no Google client):
 * the sync state (custom columns) and every synced table are read straight from local-bigquery,
 * every column's declared type is checked, and each table must hold exactly the emulator's ground
 * truth: none missing, none extra, none stale.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { collections } from '../../../catalog/collections';
import { customColumnsKey } from '../../../activities/tablePlans';
import type { WarehouseTable } from '../../../destinations/types';
import type { GroundTruth } from '../../../emulator';
import type { CustomColumn } from '../../../sync/customFields';
import { restQuery } from '../../../harness/bigquery/emulator';
import { DECLARED_TYPES, readRowsOverRest, restTableMetadata, tableSql } from './read-back';

export interface BigQueryTarget {
  endpoint: string;
  /** Dataset of a source schema (URL prefix + schema). */
  datasetFor(schema: string): string;
  metadataDataset: string;
}

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
  landed: Map<string, Array<Record<string, unknown>>>;
}

export async function assertBigQueryMatchesTruth(target: BigQueryTarget, schema: string, truth: GroundTruth): Promise<LandedComparison> {
  const stateRows = await restQuery(
    target.endpoint,
    `SELECT \`key\`, \`value\` FROM ${tableSql(target.metadataDataset, 'state')} WHERE \`source\` = '${schema.replace(/'/g, '')}'`,
  );
  const state = new Map(stateRows.map((r) => [String(r.key), String(r.value)]));
  const landed = new Map<string, Array<Record<string, unknown>>>();
  let rowsCompared = 0;
  for (const [name, expectedRows] of Object.entries(truth)) {
    const custom = JSON.parse(state.get(customColumnsKey(name)) ?? '[]') as CustomColumn[];
    const table = syncedTable(name, custom);
    const dataset = target.datasetFor(schema);
    const metadata = await restTableMetadata(target.endpoint, dataset, name);
    if (!metadata.exists) {
      assert.deepEqual(expectedRows, [], `${name}: table missing, but the truth has ${expectedRows.length} rows`);
      continue;
    }
    const problems: string[] = [];
    for (const column of table.columns) {
      const declared = metadata.types[column.name];
      if (!DECLARED_TYPES[column.type].includes(String(declared))) {
        problems.push(`${name}.${column.name}: declared ${declared}, want ${DECLARED_TYPES[column.type].join('/')} for ${column.type}`);
      }
    }
    const rows = await readRowsOverRest(target.endpoint, dataset, table);
    landed.set(name, rows);
    const byKey = new Map(rows.map((r) => [String(r[table.primaryKey]), r]));
    for (const expected of expectedRows) {
      const key = String(expected[table.primaryKey]);
      const row = byKey.get(key);
      if (!row) {
        problems.push(`${name} ${key}: missing`);
        continue;
      }
      byKey.delete(key);
      for (const [column, value] of Object.entries(expected)) {
        if (column === 'custom_fields') continue;
        if (!(column in row)) problems.push(`${name} ${key}.${column}: no such column landed`);
        else if (!isDeepStrictEqual(row[column], value)) {
          problems.push(`${name} ${key}.${column}: landed ${JSON.stringify(row[column])} != truth ${JSON.stringify(value)}`);
        }
      }
      const customExpected = (expected.custom_fields ?? {}) as Record<string, unknown>;
      for (const c of custom) {
        const want = customExpected[c.fieldRef] ?? null;
        if (!isDeepStrictEqual(row[c.column], want)) {
          problems.push(`${name} ${key}.${c.column}: landed ${JSON.stringify(row[c.column])} != truth ${JSON.stringify(want)}`);
        }
      }
      if ('received_at' in row && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(String(row.received_at))) {
        problems.push(`${name} ${key}.received_at: ${JSON.stringify(row.received_at)} is not a timestamp`);
      }
      rowsCompared++;
    }
    for (const extra of byKey.keys()) problems.push(`${name} ${extra}: extra row`);
    assert.deepEqual(problems.slice(0, 20), [], `${name}: ${problems.length} mismatches`);
  }
  return { rowsCompared, landed };
}
