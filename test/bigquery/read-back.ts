/**
 * Reads landed rows back from the BigQuery emulator over plain REST (emulator.ts `restQuery`), not
 * through the writer or the Google client: every value is rendered as text by BigQuery itself
 * (CAST, FORMAT_TIMESTAMP, TO_JSON_STRING) and normalised here to the contract's one shape (booleans
 * as booleans, JSON parsed, timestamps as ISO UTC, integers beyond 2^53 as decimal text).
 */
import type { WarehouseTable } from '../../destinations/types';
import { EMULATOR_PROJECT, restQuery } from './emulator';

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
  const rows = await restQuery(endpoint, `SELECT ${select.join(', ')} FROM ${tableSql(dataset, table.name)} AS t ORDER BY t.${q(table.primaryKey)}`);
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
      return Number(text);
    case 'boolean':
      return text.toLowerCase() === 'true';
    case 'json':
      return text === 'null' ? null : JSON.parse(text);
    case 'timestamp': {
      const iso = new Date(text).toISOString();
      return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
    }
    default:
      return text;
  }
}
