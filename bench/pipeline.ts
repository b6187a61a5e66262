/**
 * Pipeline figures from the real activity code (client → catalog mapper → writer), without Temporal:
 *  - records/s per stream into SQLite and Postgres with no rate limits, beside the raw limit measured
 *    in the same run (fetch + JSON.parse of the same pages, plus the driver's bare insert time);
 *    the emulator runs in a process of its own (real Zendesk is another machine, so rendering its
 *    responses must not share the worker's thread), with every export record rendered before the
 *    first request (`--prewarm`), so the pipeline's first walk and the raw walk after it are served
 *    alike and the comparison times our side only;
 *  - requests per 1000 records per collection in an initial load, beside the minimum possible, and
 *    requests in a cycle where nothing changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { collections, streamByName } from '../catalog/collections';
import { mainTableOf, minimumRequests, perParentOf } from '../catalog/describe';
import { saveCredential } from '../credentials/store';
import { WorkerResources } from '../activities/resources';
import { runSyncStream } from '../activities/syncStream';
import { enabledStreams } from '../workflows/collectionSelection';
import type { SourceConfig, StreamCursor, StreamResult } from '../workflows/types';
import { startEmulatorProcess } from './emulatorProcess';

export interface PipelineSpeed {
  stream: string;
  destination: string;
  records: number;
  recordsPerSec: number;
  rawRecordsPerSec: number;
  ratio: number;
}

export interface RequestFigures {
  collection: string;
  stream: string;
  /** The table whose requests carry this one (a sideload or nested records); its own requests are 0. */
  ridesOn: string | null;
  records: number;
  /** Initial load. */
  requests: number;
  minimum: number;
  per1000: number;
  ratio: number;
  /** A cycle where nothing changed, beside its minimum. */
  unchangedRequests: number;
  unchangedMinimum: number;
}

const noLimits = { corePerMinute: 1e9, exportPerMinute: 1e9 };

async function runStream(
  resources: WorkerResources,
  config: SourceConfig,
  stream: string,
  cursor: StreamCursor | null = null,
): Promise<StreamResult> {
  return runSyncStream(
    { config, stream, cursor, mode: 'incremental', runTag: 'bench' },
    {
      destination: await resources.destination(config.destination),
      session: await resources.session(config),
      heartbeat: () => {},
      signal: new AbortController().signal,
      log: () => {},
    },
  );
}

/** Fetch + parse every page of an export with no mapping or writing: the floor of reading it. */
async function rawFetchSeconds(
  baseUrl: string,
  pathAndQuery: string,
  key: string,
  auth: string,
): Promise<{ seconds: number; records: number }> {
  const started = performance.now();
  let records = 0;
  let next: string | null = `${baseUrl}${pathAndQuery}`;
  const seen = new Set<string>();
  while (next && !seen.has(next)) {
    seen.add(next);
    const res = await request(next, { headers: { authorization: auth, 'accept-encoding': 'identity' } });
    const body = JSON.parse(await res.body.text()) as Record<string, unknown>;
    records += (body[key] as unknown[]).length;
    if (body.end_of_stream) break;
    const link = (body.after_url ?? body.next_page) as string | undefined;
    next = link ? `${baseUrl}${new URL(link).pathname}${new URL(link).search}` : null;
  }
  return { seconds: (performance.now() - started) / 1000, records };
}

/** Removes a bench source's schema and sync state from Postgres. */
async function dropPostgresSource(url: string, source: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${source}" CASCADE`);
    await client.query(`DELETE FROM zendesk_sync.state WHERE source = $1`, [source]);
  } finally {
    await client.end();
  }
}

export async function benchPipeline(opts: {
  tickets: number;
  pgUrl?: string;
  rawInsertRowsPerSec: Record<string, number>;
}): Promise<{ speed: PipelineSpeed[]; requests: RequestFigures[]; unchangedCycleRequests: Record<string, number> }> {
  const emulator = await startEmulatorProcess([
    '--seed',
    '3',
    '--tickets',
    String(opts.tickets),
    '--users',
    String(Math.max(50, Math.floor(opts.tickets / 10))),
    '--organizations',
    String(Math.max(10, Math.floor(opts.tickets / 100))),
    '--no-rate-limits',
    '--prewarm',
  ]);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-'));
  const credentialRef = `file:${path.join(tmp, 'c.json')}`;
  await saveCredential(credentialRef, { type: 'api_token', email: emulator.admin.email, token: emulator.admin.apiToken });
  const auth = emulator.authorization;
  const resources = new WorkerResources();
  const speed: PipelineSpeed[] = [];
  const requests: RequestFigures[] = [];
  const unchangedCycleRequests: Record<string, number> = {};
  // A fresh source name per run: Postgres outlives the run, and a stored cursor would turn the next
  // run's "initial load" into an empty incremental one.
  const runTag = `${process.pid}_${Date.now().toString(36)}`;
  try {
    const destinations: Array<[string, string]> = [['sqlite', `sqlite://${path.join(tmp, 'wh')}`]];
    if (opts.pgUrl) destinations.push(['postgres', opts.pgUrl]);
    for (const [kind, url] of destinations) {
      const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
      const config: SourceConfig = {
        name: `bench_${kind}_${runTag}`,
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination: url,
        collections: allOn,
        lookbackDays: 3650,
        rate: noLimits,
      };
      await emulator.adminApi('DELETE', 'requests');
      const results: Record<string, StreamResult> = {};
      for (const stream of enabledStreams(config)) {
        const started = performance.now();
        results[stream] = await runStream(resources, config, stream);
        const seconds = (performance.now() - started) / 1000;
        const spec = streamByName(stream);
        if (['tickets', 'users', 'ticket_events'].includes(stream)) {
          const include = (spec.includes ?? []).map((i) => i.value).join(',');
          const query = `?start_time=${stream === 'users' ? 0 : Math.floor(Date.now() / 1000) - 3650 * 86400}&per_page=1000${include ? `&include=${include}` : ''}`;
          const raw = await rawFetchSeconds(emulator.baseUrl, `${spec.path}${query}`, spec.recordsKey, auth);
          const rows = results[stream]!.rows;
          const rawSeconds = raw.seconds + rows / (opts.rawInsertRowsPerSec[kind] ?? Infinity);
          speed.push({
            stream,
            destination: kind,
            records: raw.records,
            recordsPerSec: Math.round(raw.records / seconds),
            rawRecordsPerSec: Math.round(raw.records / rawSeconds),
            ratio: rawSeconds / seconds,
          });
        }
      }
      if (kind === 'sqlite') {
        await emulator.adminApi('POST', 'clock/advance', { seconds: 120 });
        for (const stream of enabledStreams(config)) {
          const again = await runStream(resources, config, stream, results[stream]!.cursor);
          unchangedCycleRequests[stream] = again.requests;
        }
        // One row per collection of the catalog: a stream's requests are counted once, against its
        // main table (the one named like it); the tables riding on it show 0.
        for (const c of collections) {
          const spec = streamByName(c.stream);
          const result = results[c.stream]!;
          const main = mainTableOf(c.stream)!;
          const records = result.rowsByTable[c.name] ?? 0;
          if (main.name !== c.name) {
            requests.push({
              collection: c.name,
              stream: c.stream,
              ridesOn: main.name,
              records,
              requests: 0,
              minimum: 0,
              per1000: 0,
              ratio: 1,
              unchangedRequests: 0,
              unchangedMinimum: 0,
            });
            continue;
          }
          const parentStream = perParentOf(spec)?.stream;
          const parents = parentStream ? (results[parentStream]?.rowsByTable[mainTableOf(parentStream)?.name ?? parentStream] ?? 0) : 0;
          const minimum = minimumRequests(spec, c, records, 'initial', parents);
          requests.push({
            collection: c.name,
            stream: c.stream,
            ridesOn: null,
            records,
            requests: result.requests,
            minimum,
            per1000: records ? (result.requests * 1000) / records : result.requests,
            ratio: result.requests / minimum,
            unchangedRequests: unchangedCycleRequests[c.stream] ?? 0,
            unchangedMinimum: minimumRequests(spec, c, records, 'unchanged', parents),
          });
        }
      }
    }
  } finally {
    if (opts.pgUrl) await dropPostgresSource(opts.pgUrl, `bench_postgres_${runTag}`).catch(() => {});
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return { speed, requests, unchangedCycleRequests };
}
