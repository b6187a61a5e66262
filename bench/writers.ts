/**
 * Warehouse writer throughput beside the bare driver, measured in the same run on the same machine.
 *
 * Rows are realistic tickets: every column of the catalog's `tickets` collection plus six custom
 * fields, upserted in pages of 1,000 rows (one `upsert` call = one transaction per page, as a sync
 * writes them). Two passes per writer: a first load (every row new: inserts) and a re-load of the
 * same ids with changed status/updated_at/tags (every row a conflict: updates).
 *
 * The baseline is the plain driver doing the least a working insert needs, into an identical, empty
 * table (same types, same primary key), one transaction per 1,000 rows:
 *   SQLite:   a prepared bare INSERT reused inside a transaction on better-sqlite3 (booleans as 0/1,
 *             JSON stringified), same file settings (WAL, synchronous=FULL);
 *   Postgres: a bare `INSERT … SELECT * FROM unnest(…)` through pg, JSON stringified, no ON CONFLICT.
 * Raw and writer pages alternate and are timed separately (see `paired`), and both passes are
 * compared with raw inserts. Each figure is the best of `repeats` runs (default 2).
 *
 *   npx tsx bench/writers.ts [rows] [pgUrl]     (pgUrl defaults to $ZS_PG_URL; skipped if absent)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { collections } from '../catalog/collections';
import { openPostgresDestination } from '../destinations/postgres/destination';
import { openSqliteDestination } from '../destinations/sqlite/destination';
import type { Destination, Row, WarehouseTable } from '../destinations/types';

export interface WriterBenchResult {
  name: string;
  rowsPerSec: number;
  rawRowsPerSec: number;
  ratio: number;
}

const PAGE_ROWS = 1_000;

export function benchTicketTable(): WarehouseTable {
  const tickets = collections.find((c) => c.name === 'tickets');
  if (!tickets) throw new Error('the catalog has no tickets collection');
  return {
    name: 'tickets',
    primaryKey: tickets.primaryKey,
    columns: [
      ...tickets.columns.map((c) => ({ name: c.name, type: c.type })),
      { name: 'plan', type: 'text' },
      { name: 'seats', type: 'bigint' },
      { name: 'region', type: 'text' },
      { name: 'priority_score', type: 'double' },
      { name: 'vip', type: 'boolean' },
      { name: 'products', type: 'json' },
    ],
  };
}

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const WORDS = 'printer login invoice refund shipping password account billing error upgrade export api'.split(' ');

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A ticket row as the mapper produces it (already typed, JSON as JS values). */
export function benchTicketRow(id: number, version: number): Row {
  const created = Date.UTC(2023, 0, 1) + id * 37_000;
  const word = (n: number) => WORDS[(id * 7 + n) % WORDS.length]!;
  const subject = `Problem with ${word(1)} and ${word(2)} after the ${word(3)} (#${id})`;
  return {
    id,
    url: `https://acme.zendesk.com/api/v2/tickets/${id}.json`,
    external_id: id % 5 === 0 ? `ext-${id}` : null,
    type: id % 3 === 0 ? 'incident' : 'question',
    subject,
    raw_subject: subject,
    description: `Hello team,\n\nSince this morning the ${word(4)} page shows an error when I try to ${word(5)}. `.repeat(4),
    priority: ['low', 'normal', 'high', 'urgent'][id % 4],
    status: STATUSES[(id + version) % STATUSES.length],
    recipient: 'support@acme.example',
    requester_id: 360_000_000_000 + (id % 50_000),
    submitter_id: 360_000_000_000 + (id % 50_000),
    assignee_id: id % 7 === 0 ? null : 361_000_000_000 + (id % 40),
    organization_id: 362_000_000_000 + (id % 900),
    group_id: 363_000_000_000 + (id % 12),
    collaborator_ids: id % 4 === 0 ? [361_000_000_001, 361_000_000_002] : [],
    forum_topic_id: null,
    problem_id: id % 11 === 0 ? id - 1 : null,
    has_incidents: id % 13 === 0,
    due_at: id % 3 === 0 ? iso(created + 86_400_000 * 3) : null,
    tags: [word(1), word(6), `tier_${id % 3}`, ...(version > 1 ? ['reopened'] : [])],
    sharing_agreement_ids: [],
    ticket_form_id: 364_000_000_000 + (id % 3),
    created_at: iso(created),
    updated_at: iso(created + version * 3_600_000),
    received_at: iso(created + version * 3_600_000 + 5_000),
    plan: ['free', 'team', 'pro', 'enterprise'][id % 4],
    seats: (id % 500) + 1,
    region: ['emea', 'amer', 'apac'][id % 3],
    priority_score: (id % 1000) / 7,
    vip: id % 17 === 0,
    products: id % 2 === 0 ? ['widgets', 'gadgets'] : ['widgets'],
  };
}

function pages(rows: Row[]): Row[][] {
  const out: Row[][] = [];
  for (let i = 0; i < rows.length; i += PAGE_ROWS) out.push(rows.slice(i, i + PAGE_ROWS));
  return out;
}

/** Writes one page of rows; a raw baseline or a writer. */
type PageWriter = (page: Row[]) => Promise<void> | void;

/**
 * Times the writer and the raw driver page by page, alternating (raw page, writer page, ...), so a
 * burst of load from other processes on a shared machine slows both alike. Returns rows/s of each.
 */
async function paired(
  count: number,
  rawPages: Row[][],
  raw: PageWriter,
  writerPages: Row[][],
  writer: PageWriter,
): Promise<{ writer: number; raw: number }> {
  let rawNs = 0n;
  let writerNs = 0n;
  for (let i = 0; i < writerPages.length; i++) {
    let start = process.hrtime.bigint();
    await raw(rawPages[i]!);
    rawNs += process.hrtime.bigint() - start;
    start = process.hrtime.bigint();
    await writer(writerPages[i]!);
    writerNs += process.hrtime.bigint() - start;
  }
  const perSecond = (ns: bigint) => Math.round(count / (Number(ns) / 1e9));
  return { writer: perSecond(writerNs), raw: perSecond(rawNs) };
}

interface PassRates {
  insert: { writer: number; raw: number };
  update: { writer: number; raw: number };
}

/**
 * First load then re-load through the writer, each paired with raw inserts of the same rows into a
 * fresh raw table (`openRaw(pass)` gives a page writer on an empty table).
 */
async function passes(
  destination: Destination,
  schema: string,
  table: WarehouseTable,
  count: number,
  openRaw: (pass: 'insert' | 'update') => Promise<{ write: PageWriter; close: () => Promise<void> | void }>,
): Promise<PassRates> {
  await destination.ensureSchema(schema);
  await destination.ensureTable(schema, table);
  const first = pages(Array.from({ length: count }, (_, i) => benchTicketRow(i + 1, 1)));
  const again = pages(Array.from({ length: count }, (_, i) => benchTicketRow(i + 1, 2)));
  const upsert: PageWriter = async (page) => {
    await destination.upsert(schema, [{ table, rows: page }]);
  };
  const rates: Partial<PassRates> = {};
  for (const [pass, writerPages] of [
    ['insert', first],
    ['update', again],
  ] as const) {
    const raw = await openRaw(pass);
    try {
      rates[pass] = await paired(count, first, raw.write, writerPages, upsert);
    } finally {
      await raw.close();
    }
  }
  if ((await destination.countRows(schema, table.name)) !== count) throw new Error('writer lost rows');
  return rates as PassRates;
}

function keepBest(best: PassRates | undefined, next: PassRates): PassRates {
  if (!best) return next;
  const max = (a: { writer: number; raw: number }, b: { writer: number; raw: number }) => ({
    writer: Math.max(a.writer, b.writer),
    raw: Math.max(a.raw, b.raw),
  });
  return { insert: max(best.insert, next.insert), update: max(best.update, next.update) };
}

/** The minimal conversion a bare driver insert needs (each driver refuses raw JS arrays/objects). */
function bareValue(row: Row, column: WarehouseTable['columns'][number], booleansAsIntegers: boolean): unknown {
  const value = row[column.name] ?? null;
  if (value === null) return null;
  if (column.type === 'json') return JSON.stringify(value);
  if (column.type === 'boolean' && booleansAsIntegers) return value ? 1 : 0;
  return value;
}

// ---- SQLite -------------------------------------------------------------------------------------

const SQLITE_TYPES = { bigint: 'INTEGER', double: 'REAL', boolean: 'INTEGER', text: 'TEXT', timestamp: 'TEXT', date: 'TEXT', json: 'TEXT' };

/** A bare prepared INSERT reused in one transaction per page, same file settings as the writer. */
function openRawSqlite(file: string, table: WarehouseTable): { write: PageWriter; close: () => void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const columns = table.columns.map(
    (c) => `"${c.name}" ${SQLITE_TYPES[c.type]}${c.name === table.primaryKey ? ' PRIMARY KEY NOT NULL' : ''}`,
  );
  db.exec(`CREATE TABLE t (${columns.join(', ')})`);
  const insert = db.prepare(`INSERT INTO t VALUES (${table.columns.map(() => '?').join(', ')})`);
  const writePage = db.transaction((page: Row[]) => {
    for (const row of page) insert.run(table.columns.map((c) => bareValue(row, c, true)));
  });
  return { write: (page) => writePage(page), close: () => db.close() };
}

// ---- Postgres -----------------------------------------------------------------------------------

const PG_TYPES = {
  bigint: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  text: 'text',
  timestamp: 'timestamptz',
  date: 'date',
  json: 'jsonb',
};

/**
 * A bare `INSERT … SELECT * FROM unnest(…)` (no ON CONFLICT) per page in its own transaction, on
 * one pg client, into a table of the same types and key. (unnest measured faster than multi-row
 * VALUES on this machine, engineering notes §4.1, so it is the stricter baseline.)
 */
async function openRawPostgres(url: string, table: WarehouseTable): Promise<{ write: PageWriter; close: () => Promise<void> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const schema = `zs_bench_raw_${randomBytes(4).toString('hex')}`;
  await client.query(`CREATE SCHEMA "${schema}"`);
  const columns = table.columns.map((c) => `"${c.name}" ${PG_TYPES[c.type]}${c.name === table.primaryKey ? ' PRIMARY KEY' : ''}`);
  await client.query(`CREATE TABLE "${schema}".t (${columns.join(', ')})`);
  const names = table.columns.map((c) => `"${c.name}"`).join(', ');
  const arrays = table.columns.map((c, i) => `$${i + 1}::${PG_TYPES[c.type]}[]`).join(', ');
  const sql = `INSERT INTO "${schema}".t (${names}) SELECT * FROM unnest(${arrays})`;
  return {
    write: async (page) => {
      await client.query('BEGIN');
      await client.query(
        sql,
        table.columns.map((c) => page.map((row) => bareValue(row, c, false))),
      );
      await client.query('COMMIT');
    },
    close: async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

// ---- both ---------------------------------------------------------------------------------------

export async function benchWriters(opts: { rows: number; pgUrl?: string; repeats?: number }): Promise<WriterBenchResult[]> {
  const table = benchTicketTable();
  const repeats = opts.repeats ?? 2;
  const results: WriterBenchResult[] = [];
  const report = (name: string, rates: { writer: number; raw: number }) =>
    results.push({ name, rowsPerSec: rates.writer, rawRowsPerSec: rates.raw, ratio: Math.round((rates.writer / rates.raw) * 100) / 100 });

  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-bench-'));
  try {
    let best: PassRates | undefined;
    for (let i = 0; i < repeats; i++) {
      const destination = await openSqliteDestination(path.join(directory, `writer${i}`));
      try {
        const rates = await passes(destination, 'zendesk_bench', table, opts.rows, async (pass) =>
          openRawSqlite(path.join(directory, `raw${i}-${pass}.sqlite`), table),
        );
        best = keepBest(best, rates);
      } finally {
        await destination.close();
      }
    }
    report('sqlite first load (insert)', best!.insert);
    report('sqlite re-load (update)', best!.update);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }

  if (opts.pgUrl) {
    const url = opts.pgUrl;
    const destination = await openPostgresDestination(url);
    try {
      let best: PassRates | undefined;
      for (let i = 0; i < repeats; i++) {
        const schema = `zs_bench_${randomBytes(4).toString('hex')}`;
        try {
          best = keepBest(best, await passes(destination, schema, table, opts.rows, () => openRawPostgres(url, table)));
        } finally {
          await destination.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        }
      }
      report('postgres first load (insert)', best!.insert);
      report('postgres re-load (update)', best!.update);
    } finally {
      await destination.close();
    }
  }
  return results;
}

export function formatWriterResults(results: WriterBenchResult[]): string {
  const header = ['writer pass', 'writer rows/s', 'raw insert rows/s', 'ratio'];
  const lines = results.map((r) => [
    r.name,
    r.rowsPerSec.toLocaleString('en-US'),
    r.rawRowsPerSec.toLocaleString('en-US'),
    `${Math.round(r.ratio * 100)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

if (require.main === module) {
  const rows = Number(process.argv[2] ?? 50_000);
  const pgUrl = process.argv[3] ?? process.env.ZS_PG_URL;
  benchWriters({ rows, pgUrl })
    .then((results) => {
      console.log(`${rows.toLocaleString('en-US')} ticket rows (${benchTicketTable().columns.length} columns), pages of ${PAGE_ROWS}`);
      console.log(formatWriterResults(results));
      if (!pgUrl) console.log('(Postgres skipped: pass a URL or set ZS_PG_URL)');
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
