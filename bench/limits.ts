/**
 * Time under real limits: an initial load of a rate-limited account, emulator in its own process
 * with its plan's default limits on a compressed clock (`--minute-ms`), the client told the same
 * window (`rate.windowMs`) and otherwise on its defaults (200 core, 10 export requests per minute).
 * Every enabled stream runs the way a cycle runs them: a credential check, then the streams of
 * `enabledStreams` in catalog order over `parallelStreams` (3) lanes, each through runSyncStream.
 *
 * The floor is what the limits allow: per bucket, the requests the load needed over the per-minute
 * limit in force (the lower of the client's cap and the account's), with the first window's budget
 * available at once: max(0, requests / limit - 1) minutes. The slower bucket bounds the floor.
 * Wall time is reported in the same (scaled) minutes; target wall / floor <= 1.1 and no 429.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collections as allCollections } from '../catalog/collections';
import { saveCredential } from '../credentials/store';
import { WorkerResources } from '../activities/resources';
import { runSyncStream } from '../activities/syncStream';
import { DEFAULT_PARALLEL_STREAMS } from '../workflows/syncDefaults';
import { enabledStreams } from '../workflows/collectionSelection';
import type { SourceConfig, StreamResult } from '../workflows/types';
import { DEFAULT_RATE_SETTINGS } from '../zendesk/rateBudget';
import { startEmulatorProcess } from './emulatorProcess';

export interface LimitsBucket {
  bucket: 'core' | 'export';
  /** The account's limit (the emulator's plan default). */
  accountLimit: number;
  /** The client's configured cap (its default). */
  clientCap: number;
  /** The limit in force: the lower of the two. */
  limit: number;
  /** Requests the load needed in this bucket (answered requests; 429s not counted). */
  requests: number;
  /** max(0, requests / limit - 1), minutes. */
  floorMinutes: number;
  /** Busiest emulator window (fixed, aligned to the emulator's start) for this bucket. */
  busiestWindow: number;
}

export interface LimitsFigures {
  tickets: number;
  collections: 'default' | 'all';
  plan: string;
  minuteMs: number;
  streams: string[];
  buckets: LimitsBucket[];
  wallMs: number;
  wallMinutes: number;
  floorMinutes: number;
  /** The floor a scheduler that sends a full window's budget per window can reach: ceil(requests / limit) - 1. */
  windowFloorMinutes: number;
  ratio: number;
  rateLimited: number;
  /** 429 responses by endpoint. */
  rateLimitedByEndpoint: Record<string, number>;
  countByStatus: Record<string, number>;
  perStream: Array<Pick<StreamResult, 'stream' | 'pages' | 'rows' | 'requests' | 'durationMs'>>;
}

interface LogEntry {
  endpoint: string;
  status: number;
  window: number;
}

export async function benchLimits(opts: {
  tickets: number;
  minuteMs: number;
  /** 'default' (the default collections) or 'all' (every collection of the catalog enabled). */
  collections?: 'default' | 'all';
  log?: (line: string) => void;
}): Promise<LimitsFigures> {
  const log = opts.log ?? (() => {});
  const { tickets, minuteMs } = opts;
  // Same account shape as the pipeline benchmark. --prewarm: records are rendered before the clock
  // matters, so the emulator (Zendesk's stand-in) is not the bottleneck of a time-scaled run.
  const emulator = await startEmulatorProcess([
    '--seed',
    '4',
    '--tickets',
    String(tickets),
    '--users',
    String(Math.max(50, tickets / 10)),
    '--organizations',
    String(Math.max(10, tickets / 100)),
    '--minute-ms',
    String(minuteMs),
    '--prewarm',
  ]);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-limits-'));
  const resources = new WorkerResources();
  try {
    const state = (await emulator.adminApi('GET', 'state')) as {
      plan: string;
      rateLimits: { effectiveCorePerMinute: number; exportPerMinute: number };
    };
    const credentialRef = `file:${path.join(tmp, 'credential.json')}`;
    await saveCredential(credentialRef, { type: 'api_token', email: emulator.admin.email, token: emulator.admin.apiToken });
    const config: SourceConfig = {
      name: 'bench_limits',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'warehouse')}`,
      // Default caps and lookback: only the length of a minute is changed, and with 'all' the collections.
      rate: { windowMs: minuteMs },
      ...(opts.collections === 'all' && { collections: Object.fromEntries(allCollections.map((c) => [c.name, true])) }),
    };
    const streams = enabledStreams(config);
    await emulator.adminApi('DELETE', 'requests');
    log(
      `  ${tickets} tickets, plan ${state.plan}, 1 minute = ${minuteMs} ms: loading ${streams.length} streams over ${DEFAULT_PARALLEL_STREAMS} lanes...`,
    );

    const destination = await resources.destination(config.destination);
    const started = performance.now();
    // As a cycle: checkSource, then the streams over parallel lanes.
    await (await resources.session(config)).checkCredentials();
    const queue = [...streams];
    const results: StreamResult[] = [];
    const lanes = Array.from({ length: DEFAULT_PARALLEL_STREAMS }, async () => {
      for (let stream = queue.shift(); stream; stream = queue.shift()) {
        results.push(
          await runSyncStream(
            { config, stream, cursor: null, mode: 'incremental', runTag: 'bench-limits' },
            {
              destination,
              session: await resources.session(config),
              heartbeat: () => {},
              signal: new AbortController().signal,
              log: () => {},
            },
          ),
        );
      }
    });
    await Promise.all(lanes);
    const wallMs = performance.now() - started;

    const summary = (await emulator.adminApi('GET', 'requests/summary')) as {
      countByStatus: Record<string, number>;
      maxPerWindow: Record<string, number>;
    };
    const { entries } = (await emulator.adminApi('GET', 'requests')) as { entries: LogEntry[] };
    const answered = entries.filter((e) => e.status !== 429);
    const isExport = (e: LogEntry) => e.endpoint.startsWith('GET /api/v2/incremental/');
    const busiest = (list: LogEntry[]) => {
      const perWindow = new Map<number, number>();
      for (const e of list) perWindow.set(e.window, (perWindow.get(e.window) ?? 0) + 1);
      return Math.max(0, ...perWindow.values());
    };
    const bucket = (name: 'core' | 'export', list: LogEntry[], accountLimit: number, clientCap: number): LimitsBucket => {
      const limit = Math.min(accountLimit, clientCap);
      return {
        bucket: name,
        accountLimit,
        clientCap,
        limit,
        requests: list.length,
        floorMinutes: Math.max(0, list.length / limit - 1),
        busiestWindow: busiest(list),
      };
    };
    const buckets = [
      bucket('core', answered, state.rateLimits.effectiveCorePerMinute, DEFAULT_RATE_SETTINGS.corePerMinute),
      bucket('export', answered.filter(isExport), state.rateLimits.exportPerMinute, DEFAULT_RATE_SETTINGS.exportPerMinute),
    ];
    const rateLimitedByEndpoint: Record<string, number> = {};
    for (const e of entries) if (e.status === 429) rateLimitedByEndpoint[e.endpoint] = (rateLimitedByEndpoint[e.endpoint] ?? 0) + 1;
    const floorMinutes = Math.max(...buckets.map((b) => b.floorMinutes));
    const windowFloorMinutes = Math.max(...buckets.map((b) => Math.max(0, Math.ceil(b.requests / b.limit) - 1)));
    const wallMinutes = wallMs / minuteMs;
    return {
      tickets,
      collections: opts.collections ?? 'default',
      plan: state.plan,
      minuteMs,
      streams,
      buckets,
      wallMs: Math.round(wallMs),
      wallMinutes,
      floorMinutes,
      windowFloorMinutes,
      ratio: floorMinutes > 0 ? wallMinutes / floorMinutes : Number.NaN,
      rateLimited: summary.countByStatus['429'] ?? 0,
      rateLimitedByEndpoint,
      countByStatus: summary.countByStatus,
      perStream: results.map((r) => ({ stream: r.stream, pages: r.pages, rows: r.rows, requests: r.requests, durationMs: r.durationMs })),
    };
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
