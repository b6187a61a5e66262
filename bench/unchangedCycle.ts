/**
 * Requests of a cycle where nothing changed, per stream, on accounts of different sizes (default
 * collections): between reconciliations (time-filtered lists read only what changed) and on a
 * reconciliation cycle (those lists read in full, settling deletions). The goal: between
 * reconciliations, the same number whatever the account's size. Lists Zendesk offers no time filter
 * for (skips, memberships, groups, ticket fields) are read in full every cycle and grow with the account.
 *
 * Runs the activity code (client → mapper → SQLite) without Temporal, the emulator in a process of
 * its own, no rate limits: a request count does not depend on pacing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamByName } from '../catalog/collections';
import { saveCredential } from '../credentials/store';
import { WorkerResources } from '../activities/resources';
import { runSyncStream } from '../activities/syncStream';
import { enabledStreams } from '../workflows/collectionSelection';
import type { SourceConfig, StreamCursor, StreamResult } from '../workflows/types';
import { startEmulatorProcess } from './emulatorProcess';

export interface UnchangedCycleFigure {
  tickets: number;
  /** Requests per stream. */
  initialLoad: Record<string, number>;
  betweenReconciliations: Record<string, number>;
  reconciliation: Record<string, number>;
}

const noLimits = { corePerMinute: 1e9, exportPerMinute: 1e9 };

async function cycle(
  resources: WorkerResources,
  config: SourceConfig,
  cursors: Record<string, StreamCursor | null>,
): Promise<Record<string, StreamResult>> {
  const results: Record<string, StreamResult> = {};
  for (const stream of enabledStreams(config)) {
    results[stream] = await runSyncStream(
      { config, stream, cursor: cursors[stream] ?? null, mode: 'incremental', runTag: 'bench' },
      {
        destination: await resources.destination(config.destination),
        session: await resources.session(config),
        heartbeat: () => {},
        signal: new AbortController().signal,
        log: () => {},
      },
    );
    cursors[stream] = results[stream]!.cursor;
  }
  return results;
}

const requestsOf = (results: Record<string, StreamResult>) => Object.fromEntries(Object.entries(results).map(([s, r]) => [s, r.requests]));

/** One account: an initial load, an unchanged cycle between reconciliations, then a reconciliation cycle. */
async function measure(tickets: number, log: (line: string) => void): Promise<UnchangedCycleFigure> {
  const emulator = await startEmulatorProcess(
    [
      '--seed',
      '3',
      '--tickets',
      String(tickets),
      '--users',
      String(Math.max(50, Math.floor(tickets / 10))),
      '--organizations',
      String(Math.max(10, Math.floor(tickets / 100))),
      '--no-rate-limits',
    ],
    { maxOldSpaceMb: 6144 },
  );
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-unchanged-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = `file:${path.join(tmp, 'c.json')}`;
    await saveCredential(credentialRef, { type: 'api_token', email: emulator.admin.email, token: emulator.admin.apiToken });
    const config: SourceConfig = {
      name: 'bench_unchanged',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
      lookbackDays: 3650,
      rate: noLimits,
    };
    const cursors: Record<string, StreamCursor | null> = {};
    log(`  ${tickets} tickets: initial load`);
    const initial = await cycle(resources, config, cursors);
    // Past Zendesk's last-minute rule, so the exports' unchanged reads are complete.
    await emulator.adminApi('POST', 'clock/advance', { seconds: 120 });
    log(`  ${tickets} tickets: unchanged cycle between reconciliations`);
    const between = await cycle(resources, config, cursors);
    await emulator.adminApi('POST', 'clock/advance', { seconds: 120 });
    log(`  ${tickets} tickets: unchanged reconciliation cycle`);
    const reconciliation = await cycle(resources, { ...config, reconcileEveryHours: 0 }, cursors);
    return {
      tickets,
      initialLoad: requestsOf(initial),
      betweenReconciliations: requestsOf(between),
      reconciliation: requestsOf(reconciliation),
    };
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchUnchangedCycle(opts: { sizes: number[]; log: (line: string) => void }): Promise<UnchangedCycleFigure[]> {
  const figures: UnchangedCycleFigure[] = [];
  for (const tickets of opts.sizes) figures.push(await measure(tickets, opts.log));
  return figures;
}

/** Rows: one per stream, then the totals; columns per account size (between reconciliations, reconciliation). */
export function unchangedCycleRows(figures: UnchangedCycleFigure[]): { headers: string[]; rows: string[][] } {
  const headers = ['stream', 'how read', ...figures.flatMap((f) => [`${f.tickets}: between`, `${f.tickets}: reconciliation`])];
  const streams = [...new Set(figures.flatMap((f) => Object.keys(f.betweenReconciliations)))];
  const how = (stream: string) => {
    const spec = streamByName(stream);
    if (!spec.fullRefresh) return 'export';
    return spec.incrementalFilter ? `list, changes by ${spec.incrementalFilter.param.replace(/\[\]$/, '')}` : 'list, in full';
  };
  const rows = streams.map((s) => [
    s,
    how(s),
    ...figures.flatMap((f) => [String(f.betweenReconciliations[s] ?? ''), String(f.reconciliation[s] ?? '')]),
  ]);
  const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  rows.push(['total', '', ...figures.flatMap((f) => [String(sum(f.betweenReconciliations)), String(sum(f.reconciliation))])]);
  return { headers, rows };
}
