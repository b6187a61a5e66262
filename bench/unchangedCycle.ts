/**
 * Requests of a cycle where nothing changed, per stream, on accounts of different sizes (default
 * collections), cycles one interval (3 hours) apart: the first after the load (the time-filtered lists
 * read back the overlap hour before the load began), another between reconciliations (those lists read
 * only what changed), and a reconciliation cycle (those lists read in full, settling deletions). The goal: between
 * reconciliations, the same number whatever the account's size. Lists Zendesk offers no time filter
 * or order for (memberships, groups, ticket fields, forms) are read in full every cycle and grow with
 * the account, unless the source names them in `reconciliationOnly`: the last cycle measures that.
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
  /**
   * The first cycle after the load, nothing changed since: the time-filtered lists read back the
   * records of the overlap hour before the load began (the generated account's newest changes).
   */
  firstUnchanged: Record<string, number>;
  /** Another unchanged cycle: nothing changed in the hour before the previous cycle either. */
  betweenReconciliations: Record<string, number>;
  reconciliation: Record<string, number>;
  /**
   * An unchanged cycle between reconciliations with the lists Zendesk serves only in full named in
   * `reconciliationOnly` (after a reconciliation that read them with the setting on).
   */
  betweenWithReconciliationOnly: Record<string, number>;
}

/** The lists of the default collections that Zendesk serves only in full (no filter, no order to stop on). */
const FULL_ONLY_DEFAULT_LISTS = ['groups', 'ticket_fields', 'ticket_forms', 'organization_memberships', 'group_memberships'];

const noLimits = { corePerMinute: 1e9, exportPerMinute: 1e9 };

/** Hours between cycles: the default interval (3 hours). */
const INTERVAL_SECONDS = 3 * 3600;

async function cycle(
  resources: WorkerResources,
  config: SourceConfig,
  cursors: Record<string, StreamCursor | null>,
  nowMs: () => number,
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
        nowMs,
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
    // The worker's clock agrees with Zendesk's: the emulator's runs ahead of real time by what the
    // bench advanced it (one interval between cycles), and so does the one the activities are given.
    let offsetMs = 0;
    const nowMs = () => Date.now() + offsetMs;
    const nextInterval = async () => {
      await emulator.adminApi('POST', 'clock/advance', { seconds: INTERVAL_SECONDS });
      offsetMs += INTERVAL_SECONDS * 1000;
    };
    log(`  ${tickets} tickets: initial load`);
    const initial = await cycle(resources, config, cursors, nowMs);
    await nextInterval();
    log(`  ${tickets} tickets: first unchanged cycle`);
    const first = await cycle(resources, config, cursors, nowMs);
    await nextInterval();
    log(`  ${tickets} tickets: unchanged cycle between reconciliations`);
    const between = await cycle(resources, config, cursors, nowMs);
    await nextInterval();
    log(`  ${tickets} tickets: unchanged reconciliation cycle`);
    const reconciliationOnly = { ...config, reconciliationOnly: FULL_ONLY_DEFAULT_LISTS };
    const reconciliation = await cycle(resources, { ...reconciliationOnly, reconcileEveryHours: 0 }, cursors, nowMs);
    await nextInterval();
    log(`  ${tickets} tickets: unchanged cycle between reconciliations, reconciliationOnly: ${FULL_ONLY_DEFAULT_LISTS.join(', ')}`);
    const betweenWithReconciliationOnly = await cycle(resources, reconciliationOnly, cursors, nowMs);
    return {
      tickets,
      initialLoad: requestsOf(initial),
      firstUnchanged: requestsOf(first),
      betweenReconciliations: requestsOf(between),
      reconciliation: requestsOf(reconciliation),
      betweenWithReconciliationOnly: requestsOf(betweenWithReconciliationOnly),
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

const phases = (f: UnchangedCycleFigure) => [
  f.initialLoad,
  f.firstUnchanged,
  f.betweenReconciliations,
  f.reconciliation,
  f.betweenWithReconciliationOnly,
];

/** Rows: one per stream, then the totals; columns per account size (between reconciliations, reconciliation). */
export function unchangedCycleRows(figures: UnchangedCycleFigure[]): { headers: string[]; rows: string[][] } {
  const headers = [
    'stream',
    'how read',
    ...figures.flatMap((f) => [
      `${f.tickets}: load`,
      `${f.tickets}: first unchanged`,
      `${f.tickets}: between`,
      `${f.tickets}: reconciliation`,
      `${f.tickets}: between, reconciliationOnly`,
    ]),
  ];
  const streams = [...new Set(figures.flatMap((f) => Object.keys(f.betweenReconciliations)))];
  const how = (stream: string) => {
    const spec = streamByName(stream);
    if (!spec.fullRefresh) return 'export';
    if (spec.incrementalFilter?.shape === 'newest_first') return `list, newest first to the last read`;
    return spec.incrementalFilter ? `list, changes by ${spec.incrementalFilter.param.replace(/\[\]$/, '')}` : 'list, in full';
  };
  const rows = streams.map((s) => [s, how(s), ...figures.flatMap((f) => phases(f).map((m) => String(m[s] ?? '')))]);
  const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  rows.push(['total', '', ...figures.flatMap((f) => phases(f).map((m) => String(sum(m))))]);
  return { headers, rows };
}
