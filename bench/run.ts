/**
 * `npm run bench [-- --quick] [-- --only limits,memory]`: prints the benchmark tables and writes the
 * same figures to bench/results.json (results-quick.json with --quick). Speed targets live here,
 * never in timed tests (machines are shared and noisy).
 * Postgres figures need ZS_PG_URL (npm run bench starts no server; `bash scripts/postgres.sh start` prints one).
 *
 * Parts: writers, pipeline (needs writers: runs them too; its request table lists every collection of
 * the catalog, all enabled), limits (default collections), limits-all (every collection enabled, 30k
 * tickets; 5k quick), memory, temporal, snowflake (the
 * Snowflake writer on fakesnow; skipped with a note when `bash scripts/fakesnow.sh` has not installed
 * it; ZS_BENCH_SNOWFLAKE_ROWS rows, default 2000 (1000 quick), ~95 s on 2 cores), bigquery (the
 * BigQuery writer on local-bigquery; skipped with a note when `bash scripts/bigquery-emulator.sh` has
 * not installed it; ZS_BENCH_BIGQUERY_ROWS rows, default 5000 (1000 quick)), fleet (many sources on 1
 * then 3 worker processes, one killed mid-cycle; options in bench/fleet.ts: --sources N --large N
 * --shared N --tickets N --large-tickets N --workers 1,3 --no-kill --minute-ms MS --interval S
 * --heartbeat-timeout S --deadline-min M), unchanged-cycle (requests of
 * a cycle where nothing changed, between reconciliations and on one, default collections, on 30k and
 * 300k tickets; 3k and 30k quick; ZS_BENCH_UNCHANGED_SIZES=3000,30000 picks the sizes). With --only, the
 * parts that ran replace theirs in the existing results file and the other figures are kept.
 * ZS_BENCH_MEMORY_DEADLINE_MIN bounds each memory load (default 15 min full, 10 min quick);
 * ZS_BENCH_MEMORY_SIZES=1000000 loads only some sizes and keeps the earlier figures of the others.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchWriters, formatWriterResults, type WriterBenchResult } from './writers';
import { benchPipeline, type RequestFigures } from './pipeline';
import { benchLimits, type LimitsFigures } from './limits';
import { benchMemory, memoryRows, MEMORY_ACCOUNT, type MemoryFigure } from './memory';
import { benchTemporalOverhead, temporalRows } from './temporalOverhead';
import { benchSnowflake, SNOWFLAKE_TABLE_HEADERS, snowflakeRows } from './snowflake';
import { formatTable } from '../cli/table';
import { fakesnowInstalled } from '../harness/snowflake/fakesnow-process';
import { benchBigQuery, BIGQUERY_TABLE_HEADERS, bigQueryRows } from './bigquery';
import { bigQueryEmulatorInstalled } from '../harness/bigquery/emulator';
import { benchFleet, fleetOptions, fleetTables, type FleetFigures } from './fleet';
import { benchUnchangedCycle, unchangedCycleRows } from './unchangedCycle';

const PARTS = [
  'writers',
  'pipeline',
  'limits',
  'limits-all',
  'memory',
  'temporal',
  'snowflake',
  'bigquery',
  'unchanged-cycle',
  'fleet',
] as const;
type Part = (typeof PARTS)[number];

function partsToRun(): Set<Part> {
  const index = process.argv.indexOf('--only');
  if (index < 0) return new Set(PARTS);
  const wanted = (process.argv[index + 1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !PARTS.includes(w as Part));
  if (unknown.length || wanted.length === 0) throw new Error(`--only takes a comma-separated list of ${PARTS.join(', ')}`);
  const parts = new Set(wanted as Part[]);
  if (parts.has('pipeline')) parts.add('writers'); // the pipeline's raw limit uses the writers' bare insert speed
  return parts;
}

const minutes = (m: number) => m.toFixed(2);

/** Every collection of the catalog: initial load and unchanged cycle, each beside its minimum. */
function requestRows(requests: RequestFigures[]): string[][] {
  return requests.map((r) =>
    r.ridesOn
      ? [r.collection, String(r.records), `0 (with ${r.ridesOn})`, '0', '', '', '0', '0']
      : [
          r.collection,
          String(r.records),
          String(r.requests),
          String(r.minimum),
          r.per1000.toFixed(2),
          r.ratio.toFixed(2),
          String(r.unchangedRequests),
          String(r.unchangedMinimum),
        ],
  );
}

function printRequests(requests: RequestFigures[], tickets: number): void {
  console.log(
    `\nRequests per collection, every collection of the catalog enabled (${tickets} tickets, no limits; target: initial load <= 1.05 x minimum, ` +
      'unchanged cycle = its minimum; minimum = full pages (1000 per export page, 100 per list page), at least 1, plus one field-definition list where a table has custom fields)',
  );
  console.log(
    formatTable(
      ['collection', 'records', 'initial-load requests', 'minimum', 'per 1000 records', 'ratio', 'unchanged cycle', 'minimum'],
      requestRows(requests),
    ),
  );
  const total = (pick: (r: RequestFigures) => number) => requests.reduce((sum, r) => sum + pick(r), 0);
  console.log(
    `  total: initial load ${total((r) => r.requests)} (minimum ${total((r) => r.minimum)}), unchanged cycle ${total((r) => r.unchangedRequests)} (minimum ${total((r) => r.unchangedMinimum)})`,
  );
}

function printLimits(limits: LimitsFigures): void {
  console.log(
    `\nTime under real limits: initial load of ${limits.tickets} tickets, ${limits.collections === 'all' ? 'every collection enabled' : 'default collections'} (plan ${limits.plan} defaults, client defaults; ` +
      `1 rate-limit minute = ${limits.minuteMs} ms), ${limits.streams.length} streams over 3 lanes`,
  );
  console.log(
    formatTable(
      ['bucket', 'account limit/min', 'client cap/min', 'limit in force', 'requests', 'floor (requests/limit - 1)', 'busiest window'],
      limits.buckets.map((b) => [
        b.bucket,
        String(b.accountLimit),
        String(b.clientCap),
        String(b.limit),
        String(b.requests),
        `${minutes(b.floorMinutes)} min`,
        String(b.busiestWindow),
      ]),
    ),
  );
  const ratio = Number.isFinite(limits.ratio) ? limits.ratio.toFixed(2) : 'n/a';
  console.log(
    formatTable(
      ['wall', 'floor', 'ratio (target <= 1.1)', 'window floor (ceil - 1)', 'ratio to it', '429s (target 0)'],
      [
        [
          `${minutes(limits.wallMinutes)} min (${(limits.wallMs / 1000).toFixed(1)} s real)`,
          `${minutes(limits.floorMinutes)} min`,
          ratio,
          `${limits.windowFloorMinutes} min`,
          limits.windowFloorMinutes > 0 ? (limits.wallMinutes / limits.windowFloorMinutes).toFixed(2) : 'n/a',
          `${limits.rateLimited}${
            limits.rateLimited
              ? ` (${Object.entries(limits.rateLimitedByEndpoint)
                  .map(([e, n]) => `${e} ${n}`)
                  .join(', ')})`
              : ''
          }`,
        ],
      ],
    ),
  );
  console.log(
    "  window floor: a client that cannot know where the server's windows start can send at most one window's budget per window,\n" +
      '  so its last request leaves ceil(requests/limit) - 1 minutes after the first; the floor above counts the last window as partial.',
  );
}

function printMemory(memory: MemoryFigure[], sizes: number[]): void {
  console.log(
    `\nWorker peak memory loading tickets + ticket_events at once into SQLite (worker and emulator in separate processes; ` +
      `${MEMORY_ACCOUNT.eventsPerTicket} events and ${MEMORY_ACCOUNT.commentsPerTicket} comment per ticket; target flat, <= 300 MB)`,
  );
  console.log(
    formatTable(['tickets', 'peak RSS', 'RSS before load', 'peak heap used', 'peak external', 'load', 'verdict'], memoryRows(memory)),
  );
  const measured = memory.filter((m) => m.worker);
  const missing = memory.filter((m) => !m.worker);
  if (missing.length) {
    const largest = measured.at(-1);
    console.log(
      `  not measured: ${missing.map((m) => `${m.tickets} tickets (${m.notMeasured})`).join('; ')}.` +
        `\n  Largest size measured: ${largest ? `${largest.tickets} tickets, peak RSS ${largest.worker!.maxRssMb} MB` : 'none'} (asked for ${sizes.join(', ')}).`,
    );
  }
}

function printFleet(fleet: FleetFigures): void {
  const o = fleet.options;
  console.log(
    `\nFleet: ${o.smallAccounts} small accounts (${o.smallTickets} tickets, one source each) and ${o.largeAccounts} large (${o.largeTickets} tickets; ` +
      `the first served by ${o.sharedSources} sources) into ${fleet.destination}; emulator limits ${fleet.accountLimits.corePerMinute} core / ` +
      `${fleet.accountLimits.exportPerMinute} export per minute, client caps ${fleet.clientCaps.corePerMinute} / ${fleet.clientCaps.exportPerMinute}, ` +
      `1 rate-limit minute = ${o.minuteMs} ms; interval ${o.intervalSeconds} s; heartbeat timeout ${o.heartbeatTimeoutSeconds} s`,
  );
  console.log(
    '  history events per day = events of a first run (cycle, wait, continue-as-new) x 86400 / interval; worker RSS: VmRSS sampled every second\n' +
      '  from when the workers poll (idle) until every first cycle ended (peak); RSS per source = summed peaks / sources (added: minus the idle RSS);\n' +
      '  repeated requests: requests answered twice with the same path and query, on accounts with one source (a cycle repeats some by design)',
  );
  for (const table of fleetTables(fleet)) console.log(`\n${formatTable(table.headers, table.rows)}`);
  for (const run of fleet.runs) {
    if (run.rows.examples.length) console.log(`  ${run.workers} workers, mismatches: ${run.rows.examples.join('; ')}`);
    if (run.failedStreams.length) console.log(`  ${run.workers} workers, failed streams: ${run.failedStreams.slice(0, 10).join(', ')}`);
  }
}

/** ZS_BENCH_MEMORY_SIZES=1000000 (comma-separated) loads only those sizes; each must be one of the run's sizes. */
function memorySizesToRun(allSizes: number[]): number[] {
  const raw = process.env.ZS_BENCH_MEMORY_SIZES;
  if (!raw) return allSizes;
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  const unknown = sizes.filter((n) => !allSizes.includes(n));
  if (unknown.length > 0)
    throw new Error(`ZS_BENCH_MEMORY_SIZES: ${unknown.join(', ')} is not a size of this run (${allSizes.join(', ')})`);
  return sizes;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const parts = partsToRun();
  const pgUrl = process.env.ZS_PG_URL;
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(
    `zendesk-sync benchmarks (${quick ? 'quick' : 'full'}; ${[...parts].join(', ')}) on ${machine}${pgUrl ? '' : '; Postgres skipped (set ZS_PG_URL)'}\n`,
  );
  const file = path.join(__dirname, quick ? 'results-quick.json' : 'results.json');
  const previous: Record<string, unknown> = parts.size < PARTS.length && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const results: Record<string, unknown> = { ...previous, at: new Date().toISOString(), machine, quick };
  // When each part's figures were measured (with --only, parts of one file come from different runs).
  const measuredAt: Record<string, string> = { ...(previous.measuredAt as Record<string, string> | undefined) };
  results.measuredAt = measuredAt;
  const save = (...done: Part[]) => {
    for (const part of done) measuredAt[part] = new Date().toISOString();
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  };

  if (parts.has('writers')) {
    const writerRows = quick ? 20_000 : 100_000;
    const writers: WriterBenchResult[] = await benchWriters({ rows: writerRows, pgUrl });
    results.writers = writers;
    console.log(`Writers: upserting pages of 1000 ticket rows (${writerRows} rows), beside the bare driver insert (target >= 70 %)`);
    console.log(formatWriterResults(writers));

    if (parts.has('pipeline')) {
      const rawInsert: Record<string, number> = {};
      for (const w of writers) if (w.name.includes('first load')) rawInsert[w.name.split(' ')[0]!] = w.rawRowsPerSec;
      const tickets = quick ? 5_000 : 30_000;
      const pipeline = await benchPipeline({ tickets, pgUrl, rawInsertRowsPerSec: rawInsert });
      results.pipeline = pipeline;
      console.log(`\nPipeline, no rate limits (${tickets} tickets), beside fetch + parse + bare insert of the same data (target >= 50 %)`);
      console.log(
        formatTable(
          ['stream', 'into', 'records', 'records/s', 'raw limit/s', 'ratio'],
          pipeline.speed.map((s) => [
            s.stream,
            s.destination,
            String(s.records),
            String(s.recordsPerSec),
            String(s.rawRecordsPerSec),
            `${Math.round(s.ratio * 100)} %`,
          ]),
        ),
      );
      printRequests(pipeline.requests, tickets);
    }
    save(...(['writers', 'pipeline'] as const).filter((p) => parts.has(p)));
  }

  if (parts.has('limits')) {
    // A 10 s "minute" (6x faster than Zendesk) keeps mapping and writing a window's pages well inside
    // the window on 2 shared cores, so the limits, not the CPU, set the pace.
    const limits = await benchLimits({ tickets: quick ? 10_000 : 50_000, minuteMs: 10_000, log: console.log });
    results.limits = limits;
    printLimits(limits);
    save('limits');
  }

  if (parts.has('limits-all')) {
    // Every collection of the catalog on the 30k-ticket account, default rate budget: no 429 expected.
    const limits = await benchLimits({ tickets: quick ? 5_000 : 30_000, minuteMs: 10_000, collections: 'all', log: console.log });
    results.limitsAll = limits;
    printLimits(limits);
    save('limits-all');
  }

  if (parts.has('memory')) {
    // 1M tickets make the emulator GC-bound (~28 min): measure it alone, with a longer deadline
    // (ZS_BENCH_MEMORY_SIZES=1000000 ZS_BENCH_MEMORY_DEADLINE_MIN=80); the default deadline gives up on it.
    const allSizes = quick ? [20_000, 100_000] : [100_000, 300_000, 1_000_000];
    const sizes = memorySizesToRun(allSizes);
    const deadlineMs = Number(process.env.ZS_BENCH_MEMORY_DEADLINE_MIN ?? (quick ? 10 : 15)) * 60_000;
    console.log('\nWorker memory:');
    const measured = await benchMemory({ sizes, deadlineMs, log: console.log });
    // ZS_BENCH_MEMORY_SIZES re-measures some sizes; the others keep their earlier figures.
    const earlier = ((previous.memory as MemoryFigure[] | undefined) ?? []).filter(
      (m) => !sizes.includes(m.tickets) && allSizes.includes(m.tickets),
    );
    const memory = [...earlier, ...measured].sort((a, b) => a.tickets - b.tickets);
    results.memory = memory;
    printMemory(memory, allSizes);
    save('memory');
  }

  if (parts.has('temporal')) {
    const tickets = quick ? 3_000 : 20_000;
    console.log('\nTemporal overhead:');
    const temporal = await benchTemporalOverhead({ tickets, log: console.log });
    results.temporal = temporal;
    console.log(
      `\nTemporal overhead: a source workflow on a dev server (${tickets} tickets, in-process worker and emulator); events of each run's history`,
    );
    console.log(
      formatTable(
        [
          'cycle',
          'history events',
          'by kind',
          'pages',
          'events / 1000 pages',
          'cycle wall',
          'in activities (union)',
          'outside',
          'share outside',
          'activity dispatch (mean)',
          'workflow task (mean)',
        ],
        temporalRows(temporal),
      ),
    );
    save('temporal');
  }

  if (parts.has('snowflake')) {
    if (!fakesnowInstalled()) {
      // Not an error: fakesnow is an optional, Python-based emulator; the earlier figures are kept.
      console.log(
        '\nSnowflake writer: skipped, fakesnow is not installed (run `bash scripts/fakesnow.sh`, then `npm run bench -- --only snowflake`)',
      );
    } else {
      const rows = Number(process.env.ZS_BENCH_SNOWFLAKE_ROWS ?? (quick ? 1_000 : 2_000));
      const snowflake = await benchSnowflake({ rows });
      results.snowflake = snowflake;
      console.log(
        `\nSnowflake writer on fakesnow (${snowflake.rows} ticket rows, pages of ${snowflake.pageRows}, every catalog column; ` +
          'measures the writer and the emulator together: fakesnow runs an array-bound INSERT row by row)',
      );
      console.log(formatTable(SNOWFLAKE_TABLE_HEADERS, snowflakeRows(snowflake)));
      save('snowflake');
    }
  }

  if (parts.has('bigquery')) {
    if (!bigQueryEmulatorInstalled()) {
      console.log(
        '\nBigQuery writer: skipped, local-bigquery is not installed (run `bash scripts/bigquery-emulator.sh`, then `npm run bench -- --only bigquery`)',
      );
    } else {
      const rows = Number(process.env.ZS_BENCH_BIGQUERY_ROWS ?? (quick ? 1_000 : 5_000));
      const bigquery = await benchBigQuery({ rows });
      results.bigquery = bigquery;
      console.log(
        `\nBigQuery writer on local-bigquery (${bigquery.rows} ticket rows, pages of ${bigquery.pageRows}, every catalog column; ` +
          'measures the writer and the emulator (DuckDB) together, not BigQuery, whose per-job latency dominates small pages)',
      );
      console.log(formatTable(BIGQUERY_TABLE_HEADERS, bigQueryRows(bigquery)));
      save('bigquery');
    }
  }

  if (parts.has('unchanged-cycle')) {
    const sizes = process.env.ZS_BENCH_UNCHANGED_SIZES
      ? process.env.ZS_BENCH_UNCHANGED_SIZES.split(',').map((s) => Number(s.trim()))
      : quick
        ? [3_000, 30_000]
        : [30_000, 300_000];
    if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('ZS_BENCH_UNCHANGED_SIZES: ticket counts, e.g. 3000,30000');
    console.log('\nUnchanged cycle:');
    const unchanged = await benchUnchangedCycle({ sizes, log: console.log });
    results.unchangedCycle = unchanged;
    console.log(
      '\nRequests per cycle, default collections, per account size in tickets (no limits; cycles 3 hours apart; load = initial load; ' +
        'first unchanged = the cycle after it, time-filtered lists reading back the overlap hour before the load; between = another ' +
        'unchanged cycle between reconciliations; reconciliation = those lists read in full, settling deletions)',
    );
    const table = unchangedCycleRows(unchanged);
    console.log(formatTable(table.headers, table.rows));
    save('unchanged-cycle');
  }
  if (parts.has('fleet')) {
    const options = fleetOptions(process.argv, quick);
    console.log('\nFleet:');
    const fleet = await benchFleet(options, console.log);
    results.fleet = fleet;
    printFleet(fleet);
    save('fleet');
  }

  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
