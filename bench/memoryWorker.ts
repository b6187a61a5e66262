/**
 * The worker side of the memory benchmark, in a process of its own (started by bench/memory.ts):
 * runs the given streams through the real activity code (runSyncStream: client → mapper → writer)
 * into a SQLite warehouse, concurrently as a cycle's lanes would, and prints one JSON line with its
 * peak memory. Nothing else lives in this process, so its RSS is the worker's.
 *
 *   node --import tsx bench/memoryWorker.ts '{"baseUrl":…,"email":…,"apiToken":…,"dir":…,"streams":["tickets"]}'
 */
import path from 'node:path';
import { saveCredential } from '../credentials/store';
import { WorkerResources } from '../activities/resources';
import { runSyncStream } from '../activities/syncStream';
import type { SourceConfig, StreamResult } from '../workflows/types';

export interface MemoryWorkerInput {
  baseUrl: string;
  email: string;
  apiToken: string;
  /** A temp dir of the caller's: the credential file and the SQLite warehouse go here. */
  dir: string;
  streams: string[];
  /** Days of history to load (large = every ticket of the account). */
  lookbackDays: number;
}

export interface MemoryWorkerOutput {
  /** RSS after imports and before the first request, MB. */
  baselineRssMb: number;
  /** process.resourceUsage().maxRSS at the end, MB (the kernel's high-water mark, includes start-up). */
  maxRssMb: number;
  /** Highest RSS seen by sampling every 50 ms, MB. */
  sampledPeakRssMb: number;
  /** Highest V8 heap used seen by sampling, MB. */
  peakHeapUsedMb: number;
  /** Highest memory outside the V8 heap (`external`, which includes every Buffer) seen by sampling, MB. */
  peakExternalMb: number;
  seconds: number;
  streams: Array<Pick<StreamResult, 'stream' | 'pages' | 'rows' | 'requests' | 'durationMs'> & { rowsByTable: Record<string, number> }>;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as MemoryWorkerInput;
  const credentialRef = `file:${path.join(input.dir, 'credential.json')}`;
  await saveCredential(credentialRef, { type: 'api_token', email: input.email, token: input.apiToken });
  const config: SourceConfig = {
    name: 'bench_memory',
    baseUrl: input.baseUrl,
    credentialRef,
    destination: `sqlite://${path.join(input.dir, 'warehouse')}`,
    lookbackDays: input.lookbackDays,
    // The emulator runs without limits: memory, not waiting, is what this measures.
    rate: { corePerMinute: 1e9, exportPerMinute: 1e9 },
  };

  let peakRss = 0;
  let peakHeap = 0;
  let peakExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external); // includes arrayBuffers (every Buffer)
  };
  const resources = new WorkerResources();
  // Open the destination and the client before the baseline, so it holds the fixed costs only.
  const destination = await resources.destination(config.destination);
  await resources.session(config);
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  sample();
  const sampler = setInterval(sample, 50);

  const started = performance.now();
  // Progress every 10 s, so a caller that gives up on a slow account can still say how far it got.
  const progress: Record<string, { pages: number; rows: number }> = {};
  const reporter = setInterval(() => {
    const rows = Object.values(progress).reduce((n, p) => n + p.rows, 0);
    const pages = Object.values(progress).reduce((n, p) => n + p.pages, 0);
    process.stdout.write(
      `MEMORY_PROGRESS ${JSON.stringify({ seconds: Math.round((performance.now() - started) / 1000), pages, rows, peakRssMb: mb(peakRss), progress })}\n`,
    );
  }, 10_000);
  const results = await Promise.all(
    input.streams.map(async (stream) =>
      runSyncStream(
        { config, stream, cursor: null, mode: 'incremental', runTag: 'bench-memory' },
        {
          destination,
          session: await resources.session(config),
          heartbeat: (h) => {
            progress[stream] = { pages: h.pages, rows: h.rows };
          },
          signal: new AbortController().signal,
          log: () => {},
        },
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(reporter);
  sample();
  await resources.close();

  const output: MemoryWorkerOutput = {
    baselineRssMb: mb(baseline),
    // maxRSS is in kilobytes.
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    sampledPeakRssMb: mb(peakRss),
    peakHeapUsedMb: mb(peakHeap),
    peakExternalMb: mb(peakExternal),
    seconds: Math.round(seconds * 10) / 10,
    streams: results.map((r) => ({
      stream: r.stream,
      pages: r.pages,
      rows: r.rows,
      requests: r.requests,
      durationMs: r.durationMs,
      rowsByTable: r.rowsByTable,
    })),
  };
  process.stdout.write(`MEMORY_RESULT ${JSON.stringify(output)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
