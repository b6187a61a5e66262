/**
 * Staging a page for BigQuery: the rows of one table, one per key and encoded by the shared coercion
 * rules, as newline-delimited JSON for a load job, and the load job itself.
 *
 * Each upsert loads every table's rows into a staging table of its own (a fresh name per call, in the
 * staging dataset, whose default table expiration removes any table a crash left behind): load jobs
 * are free, are not subject to the streaming buffer (rows streamed with insertAll cannot be merged or
 * deleted for up to 90 minutes), and a load is all-or-nothing: one bad row fails the whole job.
 */
import { randomBytes } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import type { DriverValue } from '../shared/driverValues';
import type { WarehouseTable } from '../types';
import { stagingType } from './sql';

/** A load job's schema for the staging table of `table`. */
export function stagingSchema(table: WarehouseTable): { fields: Array<{ name: string; type: string; mode: string }> } {
  return {
    fields: table.columns.map((c) => ({
      name: c.name,
      type: stagingType(c.type),
      mode: c.name === table.primaryKey ? 'REQUIRED' : 'NULLABLE',
    })),
  };
}

/**
 * One NDJSON line. Integers beyond 2^53 arrive as decimal text (or bigint) and are sent as JSON
 * strings, which a load job reads exactly into INT64; JSON columns arrive as JSON text and are sent as
 * that text (staged as STRING). NULLs are left out of the line (a missing field loads as NULL).
 */
export function ndjsonLine(columnNames: readonly string[], values: readonly DriverValue[]): string {
  const record: Record<string, string | number | boolean> = {};
  for (let i = 0; i < columnNames.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    record[columnNames[i]!] = typeof value === 'bigint' ? value.toString() : value;
  }
  return JSON.stringify(record);
}

/** A staging table name unique to this call: target dataset and table, and a random suffix. */
export function stagingTableName(dataset: string, table: string): string {
  return `${dataset}__${table}__${randomBytes(6).toString('hex')}`;
}

/** Runs one load job of `lines` into `dataset.table` (created, or replaced, with `schema`); resolves when it is done. */
export async function loadNdjson(
  client: BigQuery,
  dataset: string,
  table: string,
  schema: ReturnType<typeof stagingSchema>,
  lines: string[],
  location: string,
): Promise<void> {
  const stream = client.dataset(dataset, { location }).table(table).createWriteStream({
    sourceFormat: 'NEWLINE_DELIMITED_JSON',
    writeDisposition: 'WRITE_TRUNCATE',
    createDisposition: 'CREATE_IF_NEEDED',
    schema,
    // Unknown fields are a bug here, never data to drop silently.
    ignoreUnknownValues: false,
    maxBadRecords: 0,
  });
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('job', (job) => {
      if (!job) {
        reject(new Error(`Load job into ${dataset}.${table} was not created`));
        return;
      }
      job.promise().then(() => resolve(), reject);
    });
    stream.end(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  });
}
