/**
 * `npm run bench [-- --quick]`: prints the benchmark tables and writes the same figures to
 * bench/results.json. Speed targets live here, never in timed tests (machines are shared and noisy).
 * Postgres figures need ZS_PG_URL (npm run bench starts no server; `bash scripts/postgres.sh start` prints one).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchWriters, formatWriterResults } from './writers';
import { benchPipeline } from './pipeline';
import { formatTable } from '../orchestration/table';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const pgUrl = process.env.ZS_PG_URL;
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`zendesk-sync benchmarks (${quick ? 'quick' : 'full'}) on ${machine}${pgUrl ? '' : '; Postgres skipped (set ZS_PG_URL)'}\n`);

  const writerRows = quick ? 20_000 : 100_000;
  const writers = await benchWriters({ rows: writerRows, pgUrl });
  console.log(`Writers: upserting pages of 1000 ticket rows (${writerRows} rows), beside the bare driver insert (target >= 70 %)`);
  console.log(formatWriterResults(writers));

  const rawInsert: Record<string, number> = {};
  for (const w of writers) if (w.name.includes('first load')) rawInsert[w.name.split(' ')[0]!] = w.rawRowsPerSec;
  const tickets = quick ? 5_000 : 30_000;
  const pipeline = await benchPipeline({ tickets, pgUrl, rawInsertRowsPerSec: rawInsert });
  console.log(`\nPipeline, no rate limits (${tickets} tickets), beside fetch + parse + bare insert of the same data (target >= 50 %)`);
  console.log(formatTable(['stream', 'into', 'records', 'records/s', 'raw limit/s', 'ratio'], pipeline.speed.map((s) => [s.stream, s.destination, String(s.records), String(s.recordsPerSec), String(s.rawRecordsPerSec), `${Math.round(s.ratio * 100)} %`])));
  console.log('\nRequests in an initial load (target <= 1.05 x minimum; minimum = full pages plus one field-definition list where a table has custom fields)');
  console.log(formatTable(['collection', 'records', 'requests', 'minimum', 'per 1000 records', 'ratio'], pipeline.requests.map((r) => [r.collection, String(r.records), String(r.requests), String(r.minimum), r.per1000.toFixed(2), r.ratio.toFixed(2)])));
  console.log('\nRequests per stream in a cycle where nothing changed (target <= 1 per collection)');
  console.log(formatTable(['stream', 'requests'], Object.entries(pipeline.unchangedCycleRequests).map(([s, n]) => [s, String(n)])));

  const file = path.join(__dirname, quick ? 'results-quick.json' : 'results.json');
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, quick, writers, pipeline }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
