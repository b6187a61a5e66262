/**
 * BigQuery writer throughput against the local emulator (local-bigquery, harness/bigquery/emulator.ts):
 * ticket rows (every column of the catalog's `tickets` collection) upserted in pages of 1,000, one
 * `upsert` call per page as a sync writes them (load job into a staging table + one MERGE transaction
 * + staging cleanup). Two passes: a first load (every row new: MERGE inserts) and a re-load of the
 * same ids with changed values (MERGE updates).
 *
 * Per pass it reports whole `upsert` calls (the writer's clock) and, separately, the writer's two
 * building blocks on the same pages: the NDJSON load job alone (`loadNdjson`) and the MERGE alone (the
 * writer's `mergeSql` from an already loaded staging table). The figures measure the writer and the
 * emulator (DuckDB on this machine), not BigQuery, whose per-job latency (a second or more) dominates
 * small pages: on real BigQuery expect a page to take 2–5 s whatever its size up to tens of thousands of rows.
 *
 *   bash scripts/bigquery-emulator.sh && npx tsx bench/bigquery.ts [rows]     (default 2000)
 *   npm run bench -- --only bigquery                                           (the same, into results.json)
 */
import { openBigQueryDestination } from '../destinations/bigquery/destination';
import { mergeSql, tableRef } from '../destinations/bigquery/sql';
import { loadNdjson, ndjsonLine, stagingSchema } from '../destinations/bigquery/staging';
import { rowEncoder } from '../destinations/shared/batchRows';
import type { DriverValue } from '../destinations/shared/driverValues';
import type { Row, WarehouseTable } from '../destinations/types';
import { startBigQueryEmulator } from '../harness/bigquery/emulator';
import { ticketRows, ticketTable } from './sampleTickets';

export interface BigQueryPassFigures {
  name: 'first load (insert)' | 're-load (update)';
  rows: number;
  upsertRowsPerSec: number;
  loadRowsPerSec: number;
  mergeRowsPerSec: number;
  seconds: number;
}

export interface BigQueryBenchResult {
  rowsPerSec: number;
  loadRowsPerSec: number;
  mergeRowsPerSec: number;
  passes: BigQueryPassFigures[];
  rows: number;
  pageRows: number;
  pages: number;
  seconds: number;
}

const PAGE_ROWS = 1_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

function ndjson(table: WarehouseTable, rows: Row[]): string[] {
  const encoder = rowEncoder(table, 'postgres');
  const values: DriverValue[] = new Array(table.columns.length);
  return rows.map((row) => {
    encoder.encodeRow(row, values);
    return ndjsonLine(encoder.columnNames, values);
  });
}

export async function benchBigQuery(opts: { rows: number }): Promise<BigQueryBenchResult> {
  const rows = Math.max(PAGE_ROWS, Math.floor(opts.rows));
  const emulator = await startBigQueryEmulator();
  const destination = await openBigQueryDestination(emulator.settings(), { bigquery: { configureClient: emulator.configureClient } });
  try {
    const table = ticketTable();
    const { projectId, location } = destination.settings;
    await destination.ensureSchema('bench_bigquery');
    await destination.ensureTable('bench_bigquery', table);
    // The components are measured on a second table of the same shape, so each pass starts alike.
    await destination.ensureSchema('bench_bigquery_parts');
    await destination.ensureTable('bench_bigquery_parts', table);
    const timings: Array<{ upsert: number; load: number; merge: number }> = [];
    const pass = async (passNumber: number, name: BigQueryPassFigures['name']): Promise<BigQueryPassFigures> => {
      const timing = { upsert: 0, load: 0, merge: 0 };
      for (let from = 1; from <= rows; from += PAGE_ROWS) {
        const page = ticketRows(table, from, Math.min(PAGE_ROWS, rows - from + 1), passNumber);
        let started = process.hrtime.bigint();
        await destination.upsert('bench_bigquery', [{ table, rows: page }]);
        timing.upsert += since(started);

        const staging = `bench_stage_${passNumber}_${from}`;
        started = process.hrtime.bigint();
        await loadNdjson(destination.client, 'zendesk_sync_staging', staging, stagingSchema(table), ndjson(table, page), location);
        timing.load += since(started);
        started = process.hrtime.bigint();
        await destination.query(
          mergeSql(projectId, destination.datasetFor('bench_bigquery_parts'), table, tableRef(projectId, 'zendesk_sync_staging', staging)),
        );
        timing.merge += since(started);
        await destination.client.dataset('zendesk_sync_staging').table(staging).delete({ ignoreNotFound: true });
      }
      timings.push(timing);
      return {
        name,
        rows,
        upsertRowsPerSec: Math.round(rows / timing.upsert),
        loadRowsPerSec: Math.round(rows / timing.load),
        mergeRowsPerSec: Math.round(rows / timing.merge),
        seconds: round2(timing.upsert),
      };
    };
    const passes = [await pass(1, 'first load (insert)'), await pass(2, 're-load (update)')];
    for (const schema of ['bench_bigquery', 'bench_bigquery_parts']) {
      const landed = await destination.countRows(schema, 'tickets');
      if (landed !== rows) throw new Error(`benchmark wrote ${rows} rows but ${schema}.tickets holds ${landed}`);
    }
    const total = (part: 'upsert' | 'load' | 'merge') => timings.reduce((sum, t) => sum + t[part], 0);
    return {
      rowsPerSec: Math.round((2 * rows) / total('upsert')),
      loadRowsPerSec: Math.round((2 * rows) / total('load')),
      mergeRowsPerSec: Math.round((2 * rows) / total('merge')),
      passes,
      rows,
      pageRows: PAGE_ROWS,
      pages: 2 * Math.ceil(rows / PAGE_ROWS),
      seconds: round2(total('upsert')),
    };
  } finally {
    await destination.close();
    await emulator.stop();
  }
}

export function bigQueryRows(result: BigQueryBenchResult): string[][] {
  return [
    ...result.passes.map((p) => [
      p.name,
      String(p.rows),
      String(p.upsertRowsPerSec),
      String(p.loadRowsPerSec),
      String(p.mergeRowsPerSec),
      `${p.seconds} s`,
    ]),
    [
      'both passes',
      String(2 * result.rows),
      String(result.rowsPerSec),
      String(result.loadRowsPerSec),
      String(result.mergeRowsPerSec),
      `${result.seconds} s`,
    ],
  ];
}

export const BIGQUERY_TABLE_HEADERS = ['pass', 'rows', 'whole upsert rows/s', 'load job alone rows/s', 'MERGE alone rows/s', 'upsert time'];

if (require.main === module) {
  const rows = Number(process.argv[2] ?? 2_000);
  benchBigQuery({ rows })
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
