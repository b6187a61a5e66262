/**
 * Reads landed rows back from the BigQuery emulator over plain REST (emulator.ts `restQuery`), not
 * through the writer or the Google client: every value is rendered as text by BigQuery itself
 * (CAST, FORMAT_TIMESTAMP, TO_JSON_STRING) and normalised here to the contract's one shape (booleans
 * as booleans, JSON parsed, timestamps as ISO UTC, integers beyond 2^53 as decimal text).
 */
import type { WarehouseTable } from '../../../destinations/types';
import { EMULATOR_PROJECT, restQuery } from '../../../harness/bigquery/emulator';

const q = (name: string) => `\`${name}\``;

export function tableSql(dataset: string, table: string): string {
  return `${q(EMULATOR_PROJECT)}.${q(dataset)}.${q(table)}`;
}

export async function readRowsOverRest(endpoint: string, dataset: string, table: WarehouseTable): Promise<Array<Record<string, unknown>>> {
  // ORDER BY names the table's column through the alias `t`: a bare name would be the select list's
  // text rendering of the key (BigQuery resolves output aliases first) and sort 7 after 360….
  const select = table.columns.map((c) => {
    switch (c.type) {
      case 'timestamp':
        return `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', ${q(c.name)}, 'UTC') AS ${q(c.name)}`;
      case 'json':
        return `IF(${q(c.name)} IS NULL, NULL, TO_JSON_STRING(${q(c.name)})) AS ${q(c.name)}`;
      default:
        return `CAST(${q(c.name)} AS STRING) AS ${q(c.name)}`;
    }
  });
  const rows = await restQuery(
    endpoint,
    `SELECT ${select.join(', ')} FROM ${tableSql(dataset, table.name)} AS t ORDER BY t.${q(table.primaryKey)}`,
  );
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of table.columns) out[column.name] = normalise(row[column.name] ?? null, column.type);
    return out;
  });
}

function normalise(text: string | null, type: WarehouseTable['columns'][number]['type']): unknown {
  if (text === null) return null;
  switch (type) {
    case 'bigint':
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case 'double':
      return text === 'nan' || text === 'NaN'
        ? 'NaN'
        : /^[+-]?inf/i.test(text)
          ? text.startsWith('-')
            ? '-Infinity'
            : 'Infinity'
          : Number(text);
    case 'boolean':
      return text.toLowerCase() === 'true';
    case 'json':
      return text === 'null' ? null : JSON.parse(text);
    case 'timestamp': {
      // FORMAT_TIMESTAMP gave YYYY-MM-DDTHH:MM:SS.ffffffZ: whole seconds without a fraction,
      // milliseconds as three digits, anything finer kept whole (so a stray microsecond shows).
      const m = /^(.{19})\.(\d{6})Z$/.exec(text);
      if (!m) return text;
      const [, seconds, micros] = m;
      if (micros === '000000') return `${seconds}Z`;
      return micros!.endsWith('000') ? `${seconds}.${micros!.slice(0, 3)}Z` : `${seconds}.${micros}Z`;
    }
    default:
      return text;
  }
}

/** BigQuery's REST names of each column type (the API still answers with the legacy ones). */
export const DECLARED_TYPES: Record<WarehouseTable['columns'][number]['type'], string[]> = {
  bigint: ['INTEGER', 'INT64'],
  double: ['FLOAT', 'FLOAT64'],
  boolean: ['BOOLEAN', 'BOOL'],
  text: ['STRING'],
  timestamp: ['TIMESTAMP'],
  date: ['DATE'],
  json: ['JSON'],
};

export interface TableMetadata {
  exists: boolean;
  types: Record<string, string>;
  timePartitioning?: { type?: string; field?: string };
  clustering?: { fields?: string[] };
}

/** A table's metadata over plain REST (tables.get). */
export async function restTableMetadata(endpoint: string, dataset: string, table: string): Promise<TableMetadata> {
  const response = await fetch(`${endpoint}/bigquery/v2/projects/${EMULATOR_PROJECT}/datasets/${dataset}/tables/${table}`);
  if (response.status === 404) return { exists: false, types: {} };
  const body = (await response.json()) as {
    schema?: { fields?: Array<{ name: string; type: string }> };
    timePartitioning?: { type?: string; field?: string };
    clustering?: { fields?: string[] };
  };
  if (!response.ok) throw new Error(`tables.get ${dataset}.${table}: ${response.status} ${JSON.stringify(body)}`);
  return {
    exists: true,
    types: Object.fromEntries((body.schema?.fields ?? []).map((f) => [f.name, f.type])),
    ...(body.timePartitioning ? { timePartitioning: body.timePartitioning } : {}),
    ...(body.clustering ? { clustering: body.clustering } : {}),
  };
}
