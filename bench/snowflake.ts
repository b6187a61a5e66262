/**
 * Snowflake writer throughput against the local emulator (fakesnow + the test shim): ticket rows
 * (every column of the catalog's `tickets` collection) upserted in pages of 1,000, one `upsert` call
 * per page as a sync writes them (staging INSERT + BEGIN/MERGE/COMMIT). Two passes: a first load
 * (every row new: MERGE inserts) and a re-load of the same ids with changed values (MERGE updates).
 *
 * The figure measures the writer and the emulator together, not Snowflake: fakesnow executes an
 * array-bound INSERT row by row in DuckDB, so real Snowflake is expected to be faster per row.
 *
 * Per pass it reports whole `upsert` calls (the writer's clock) and, from the shim's per-statement
 * timings, the MERGEs alone and the staging INSERTs alone.
 *
 *   bash scripts/fakesnow.sh && npx tsx bench/snowflake.ts [rows]     (default 2000)
 *   npm run bench -- --only snowflake                                  (the same, into results.json)
 */
import { openSnowflakeDestination } from '../destinations/snowflake/destination';
import type { ObservedStatement } from '../harness/snowflake/driver-shim';
import { startSnowflakeEmulator } from '../harness/snowflake/emulator';
import { ticketRows, ticketTable } from './sampleTickets';

/** One pass over every row: whole `upsert` calls, and the two statement kinds inside them alone. */
export interface SnowflakePassFigures {
  name: 'first load (insert)' | 're-load (update)';
  rows: number;
  /** Whole `upsert` calls (staging load + BEGIN/MERGE/COMMIT + drop), timed in the writer. */
  upsertRowsPerSec: number;
  /** The MERGE statements alone, as long as fakesnow took to answer them (timed by the shim). */
  mergeRowsPerSec: number;
  /** The array-bound staging INSERTs alone (fakesnow runs these row by row; timed by the shim). */
  stagingRowsPerSec: number;
  seconds: number;
}

export interface SnowflakeBenchResult {
  /** Whole `upsert` calls over both passes. */
  rowsPerSec: number;
  /** MERGE alone over both passes. */
  mergeRowsPerSec: number;
  /** Staging INSERTs alone over both passes. */
  stagingRowsPerSec: number;
  passes: SnowflakePassFigures[];
  rows: number;
  pageRows: number;
  pages: number;
  seconds: number;
}

const PAGE_ROWS = 1_000;

const round2 = (n: number) => Math.round(n * 100) / 100;

export async function benchSnowflake(opts: { rows: number }): Promise<SnowflakeBenchResult> {
  const rows = Math.max(PAGE_ROWS, Math.floor(opts.rows));
  const emulator = await startSnowflakeEmulator();
  const destination = await openSnowflakeDestination(emulator.settings());
  try {
    const table = ticketTable();
    const schema = 'bench_snowflake';
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, table);
    const secondsOf = (statements: ObservedStatement[], verb: string) =>
      statements.filter((s) => s.sqlText.startsWith(verb)).reduce((sum, s) => sum + s.durationMs, 0) / 1000;
    /** Seconds spent per pass: whole upserts (writer's clock), MERGEs and staging INSERTs (shim's clock). */
    const timings: Array<{ upsert: number; merge: number; staging: number }> = [];
    const pass = async (passNumber: number, name: SnowflakePassFigures['name']): Promise<SnowflakePassFigures> => {
      const firstStatement = emulator.shim.statements.length;
      let upsert = 0;
      for (let from = 1; from <= rows; from += PAGE_ROWS) {
        const page = ticketRows(table, from, Math.min(PAGE_ROWS, rows - from + 1), passNumber);
        const started = process.hrtime.bigint();
        await destination.upsert(schema, [{ table, rows: page }]);
        upsert += Number(process.hrtime.bigint() - started) / 1e9;
      }
      const sent = emulator.shim.statements.slice(firstStatement);
      const timing = { upsert, merge: secondsOf(sent, 'MERGE'), staging: secondsOf(sent, 'INSERT') };
      timings.push(timing);
      return {
        name,
        rows,
        upsertRowsPerSec: Math.round(rows / timing.upsert),
        mergeRowsPerSec: Math.round(rows / timing.merge),
        stagingRowsPerSec: Math.round(rows / timing.staging),
        seconds: round2(timing.upsert),
      };
    };
    const passes = [await pass(1, 'first load (insert)'), await pass(2, 're-load (update)')];
    const landed = await destination.countRows(schema, 'tickets');
    if (landed !== rows) throw new Error(`benchmark wrote ${rows} rows but the table holds ${landed}`);
    const total = (part: 'upsert' | 'merge' | 'staging') => timings.reduce((sum, t) => sum + t[part], 0);
    const seconds = total('upsert');
    return {
      rowsPerSec: Math.round((2 * rows) / seconds),
      mergeRowsPerSec: Math.round((2 * rows) / total('merge')),
      stagingRowsPerSec: Math.round((2 * rows) / total('staging')),
      passes,
      rows,
      pageRows: PAGE_ROWS,
      pages: 2 * Math.ceil(rows / PAGE_ROWS),
      seconds: round2(seconds),
    };
  } finally {
    await destination.close();
    await emulator.stop();
  }
}

/** Rows of the benchmark's table: one per pass, then both passes together. */
export function snowflakeRows(result: SnowflakeBenchResult): string[][] {
  const perSec = (n: number) => String(n);
  return [
    ...result.passes.map((p) => [
      p.name,
      String(p.rows),
      perSec(p.upsertRowsPerSec),
      perSec(p.mergeRowsPerSec),
      perSec(p.stagingRowsPerSec),
      `${p.seconds} s`,
    ]),
    [
      'both passes',
      String(2 * result.rows),
      perSec(result.rowsPerSec),
      perSec(result.mergeRowsPerSec),
      perSec(result.stagingRowsPerSec),
      `${result.seconds} s`,
    ],
  ];
}

export const SNOWFLAKE_TABLE_HEADERS = [
  'pass',
  'rows',
  'whole upsert rows/s',
  'MERGE alone rows/s',
  'staging INSERT alone rows/s',
  'upsert time',
];

if (require.main === module) {
  const rows = Number(process.argv[2] ?? 2_000);
  benchSnowflake({ rows })
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
