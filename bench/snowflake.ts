/**
 * Snowflake writer throughput against the local emulator (fakesnow + the test shim): ticket rows
 * (every column of the catalog's `tickets` collection) upserted in pages of 1,000, one `upsert` call
 * per page as a sync writes them (staging INSERT + BEGIN/MERGE/COMMIT). Two passes: a first load
 * (every row new: MERGE inserts) and a re-load of the same ids with changed values (MERGE updates).
 *
 * The figure measures the writer and the emulator together, not Snowflake: fakesnow executes an
 * array-bound INSERT row by row in DuckDB, so real Snowflake is expected to be faster per row.
 *
 *   bash scripts/fakesnow.sh && npx tsx bench/snowflake.ts [rows]     (default 2000)
 */
import { collections } from '../catalog/collections';
import type { ColumnType } from '../catalog/types';
import { openSnowflakeDestination } from '../destinations/snowflake';
import type { Row, WarehouseTable } from '../destinations/types';
import { startSnowflakeEmulator } from '../test/snowflake/emulator';

export interface SnowflakeBenchResult {
  /** Whole `upsert` calls (staging load + MERGE + transaction), both passes. */
  rowsPerSec: number;
  insertRowsPerSec: number;
  updateRowsPerSec: number;
  /** The MERGE statements alone, as fakesnow timed them (both passes). */
  mergeRowsPerSec: number;
  /** The array-bound staging INSERTs alone (fakesnow runs these row by row). */
  stagingRowsPerSec: number;
  rows: number;
  pageRows: number;
  pages: number;
  seconds: number;
}

const PAGE_ROWS = 1_000;

function ticketTable(): WarehouseTable {
  const tickets = collections.find((c) => c.name === 'tickets');
  if (!tickets) throw new Error('the catalog has no tickets collection');
  return { name: 'tickets', primaryKey: tickets.primaryKey, columns: tickets.columns.map((c) => ({ name: c.name, type: c.type })) };
}

const WORDS = 'printer login invoice refund shipping password account billing error upgrade export api'.split(' ');

/** A value of the column's type that varies with the row and the pass. */
function sampleValue(type: ColumnType, id: number, column: number, pass: number): unknown {
  const n = id * 31 + column * 7 + pass;
  switch (type) {
    case 'bigint':
      return 1_000_000 + n;
    case 'double':
      return n / 8;
    case 'boolean':
      return n % 2 === 0;
    case 'text':
      return `${WORDS[n % WORDS.length]} ${WORDS[(n >> 3) % WORDS.length]} #${id}.${pass}`;
    case 'timestamp':
      return new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString().replace('.000Z', 'Z');
    case 'date':
      return new Date(Date.UTC(2024, 0, 1) + (n % 365) * 86_400_000).toISOString().slice(0, 10);
    case 'json':
      return { tags: [WORDS[n % WORDS.length], `p${pass}`], via: { channel: 'email', id } };
  }
}

function ticketRows(table: WarehouseTable, fromId: number, count: number, pass: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const id = fromId + i;
    const row: Row = {};
    table.columns.forEach((c, column) => {
      row[c.name] = c.name === table.primaryKey ? id : sampleValue(c.type, id, column, pass);
    });
    return row;
  });
}

export async function benchSnowflake(opts: { rows: number }): Promise<SnowflakeBenchResult> {
  const rows = Math.max(PAGE_ROWS, Math.floor(opts.rows));
  const emulator = await startSnowflakeEmulator();
  const destination = await openSnowflakeDestination(emulator.settings());
  try {
    const table = ticketTable();
    const schema = 'bench_snowflake';
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, table);
    const pass = async (passNumber: number): Promise<number> => {
      let elapsed = 0;
      for (let from = 1; from <= rows; from += PAGE_ROWS) {
        const page = ticketRows(table, from, Math.min(PAGE_ROWS, rows - from + 1), passNumber);
        const started = process.hrtime.bigint();
        await destination.upsert(schema, [{ table, rows: page }]);
        elapsed += Number(process.hrtime.bigint() - started) / 1e9;
      }
      return elapsed;
    };
    const firstStatement = emulator.shim.statements.length;
    const insertSeconds = await pass(1);
    const updateSeconds = await pass(2);
    const timed = emulator.shim.statements.slice(firstStatement);
    const secondsOf = (verb: string) =>
      timed.filter((s) => s.sqlText.startsWith(verb)).reduce((sum, s) => sum + s.durationMs, 0) / 1000;
    const landed = await destination.countRows(schema, 'tickets');
    if (landed !== rows) throw new Error(`benchmark wrote ${rows} rows but the table holds ${landed}`);
    const seconds = insertSeconds + updateSeconds;
    return {
      rowsPerSec: Math.round((2 * rows) / seconds),
      insertRowsPerSec: Math.round(rows / insertSeconds),
      updateRowsPerSec: Math.round(rows / updateSeconds),
      mergeRowsPerSec: Math.round((2 * rows) / secondsOf('MERGE')),
      stagingRowsPerSec: Math.round((2 * rows) / secondsOf('INSERT')),
      rows,
      pageRows: PAGE_ROWS,
      pages: 2 * Math.ceil(rows / PAGE_ROWS),
      seconds: Math.round(seconds * 100) / 100,
    };
  } finally {
    await destination.close();
    await emulator.stop();
  }
}

if (require.main === module) {
  const rows = Number(process.argv[2] ?? 2_000);
  benchSnowflake({ rows })
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
