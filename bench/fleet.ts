/**
 * The fleet benchmark (`npm run bench -- --only fleet [options]`): many sources on many worker
 * processes against one Temporal dev server.
 *
 * Accounts: `--sources N` small accounts with one source each, and `--large N` large accounts, the
 * first of which is served by `--shared N` sources (several sources of one account share its limits,
 * whichever workers run them). Each account is its own emulator on its own port, in this process,
 * with Zendesk's real limits on (plan enterprise: 700 core requests and 10 incremental-export
 * requests per minute; the client keeps its defaults, 200 core and 10 export) on a compressed clock:
 * one rate-limit minute lasts `--minute-ms` (10 s) on the emulator and in the client (`rate.windowMs`).
 * Every source writes its own schema of one warehouse: Postgres at ZS_PG_URL when set, else SQLite.
 *
 * For each worker count of `--workers` (1,3) a fresh set of sources runs its first cycle on that many
 * `worker.ts` processes (real pids: memory from /proc, SIGKILL for the kill test). Printed per run:
 *  - sources per worker: sources with at least one activity on the worker in their first run;
 *  - first cycle: seconds from the first source's start until every source finished its first cycle
 *    (the cycle's finishedAt, workflow time), and the median source;
 *  - requests per account: the busiest rate-limit window (answered requests, all against the core
 *    limit; incremental exports also against the export limit) beside the limit, and 429s;
 *  - history events per source per day = events of a source's first run (its cycle, the wait, and
 *    the continue-as-new a sync-now ends it with) × 86400 / intervalSeconds;
 *  - worker peak RSS (VmHWM) and RSS per source = the workers' summed peaks / sources;
 *  - warehouse vs ground truth after the first cycle: rows missing, extra, duplicated, stale.
 * With `--kill` (default) the run with the most workers (at least 2) SIGKILLs one worker once it is
 * running a stream that has committed a page (a large account's when there are any; with
 * `--kill-in-spent-window`, once that account's rate window has answered its export limit), and measures,
 * from Temporal's pending-activity view, the time until each activity in flight on it was started
 * again on another worker; the truth comparison then shows what the kill lost or duplicated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { tsToMs } from '@temporalio/common';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startDevServer, type DevServer } from '../runtime/devServer';
import { startSource, querySourceStatus } from '../cli/sources';
import { syncNowSignal } from '../workflows/messages';
import { SYNC_STATE } from '../workflows/searchAttributes';
import { enabledCollections } from '../workflows/collectionSelection';
import { workflowIdForAccount, workflowIdForSource } from '../workflows/ids';
import { accountHostStatusQuery } from '../workflows/accountHostMessages';
import { WorkerResources } from '../activities/resources';
import { TIMING_DEFAULTS } from '../config/settingBounds';
import { DEFAULT_RATE_SETTINGS } from '../zendesk/rateBudget';
import type { SourceConfig } from '../workflows/types';
import type { EmulatorOptions } from '../emulator';
import { SMALL_ACCOUNT, expectedRowsFor } from '../harness/stack';
import { compareWarehouse } from '../harness/warehouseComparison';
import { closeAccounts, startAccounts, type EmulatedAccount } from '../harness/accountFleet';
import { MemorySampler, spawnWorkerProcesses, stopWorkerProcesses, waitForPollers, type WorkerProcess } from '../harness/workerProcesses';
import { accountLoad, historyEventsPerDay, quantile, workerPidOfIdentity, type AccountLoad, isExportRequest } from './fleetFigures';

export interface FleetOptions {
  /** Small accounts, one source each. */
  smallAccounts: number;
  largeAccounts: number;
  /** Sources on the first large account (or on the first small one without large accounts). */
  sharedSources: number;
  smallTickets: number;
  largeTickets: number;
  workerCounts: number[];
  kill: boolean;
  /**
   * Kill only once the watched account's current rate window has answered its whole export limit: the
   * takeover then meets a window the dead host spent (when it comes within the window).
   */
  killInSpentWindow: boolean;
  minuteMs: number;
  intervalSeconds: number;
  heartbeatTimeoutSeconds: number;
  /** Give up waiting for the first cycles after this long. */
  deadlineMinutes: number;
}

export function fleetOptions(argv: string[], quick: boolean): FleetOptions {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
  };
  const number = (flag: string, fallback: number, min = 0) => {
    const raw = value(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag} takes a number >= ${min} (got "${raw}")`);
    return n;
  };
  const workerCounts = (value('--workers') ?? '1,3').split(',').map((s) => Number(s.trim()));
  if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--workers takes worker counts, e.g. 1,3');
  return {
    smallAccounts: number('--sources', quick ? 20 : 100),
    largeAccounts: number('--large', 3),
    sharedSources: number('--shared', 3, 1),
    smallTickets: number('--tickets', quick ? 60 : 120, 1),
    largeTickets: number('--large-tickets', quick ? 3_000 : 20_000, 1),
    workerCounts,
    kill: !argv.includes('--no-kill'),
    killInSpentWindow: argv.includes('--kill-in-spent-window'),
    minuteMs: number('--minute-ms', 10_000, 1_000),
    intervalSeconds: number('--interval', 10_800, 1),
    heartbeatTimeoutSeconds: number('--heartbeat-timeout', TIMING_DEFAULTS.heartbeatTimeoutSeconds, 1),
    deadlineMinutes: number('--deadline-min', 60, 1),
  };
}

export interface AccountGroupLoad {
  /** `small (100 accounts)` or a large account's name. */
  group: string;
  accounts: number;
  sources: number;
  /** Summed over the group. */
  requests: number;
  rateLimited: number;
  /** The busiest window of any account of the group. */
  busiestCoreWindow: number;
  busiestExportWindow: number;
  /** Mean answered requests per window, per account (the group's mean). */
  meanPerWindow: number;
}

export interface KillFigures {
  /** Why no worker was killed, when none was. */
  notKilled?: string;
  victimPid?: number;
  /** Seconds from the run's start to the kill. */
  killedAfterSeconds?: number;
  /** What held when the kill came: the stream and pages committed by the activity that qualified. */
  condition?: string;
  /** Activities in flight on the victim at the kill, and their sources. */
  activities?: Array<{ source: string; activity: string; pagesAtKill?: number; continuedAfterSeconds?: number; continuedOn?: number }>;
  sources?: number;
  continuedSeconds?: { min: number; median: number; max: number };
}

export interface FleetRunFigures {
  workers: number;
  pids: number[];
  sources: number;
  /** Sources with an activity on each worker (same order as pids). */
  sourcesPerWorker: number[];
  activitiesPerWorker: number[];
  firstCycleAllSeconds: number;
  firstCycleMedianSeconds: number;
  failedStreams: string[];
  eventsPerCycle: { min: number; median: number; max: number };
  eventsPerDay: number;
  /** VmRSS of each worker once it polls, before any source starts. */
  idleRssMb: number[];
  /** Highest VmRSS sampled (every second) from then until every first cycle ended. */
  peakRssMb: number[];
  /** Summed peaks / sources. */
  rssPerSourceMb: number;
  /** (Summed peaks − summed idle) / sources: what the sources added. */
  addedRssPerSourceMb: number;
  rows: { compared: number; missing: number; extra: number; duplicated: number; stale: number; examples: string[] };
  load: AccountGroupLoad[];
  /** Page requests sent more than once with the same query to accounts with one source. */
  repeatedRequests: number;
  kill?: KillFigures;
}

export interface FleetFigures {
  options: FleetOptions;
  destination: 'postgres' | 'sqlite';
  accountLimits: { corePerMinute: number; exportPerMinute: number };
  clientCaps: { corePerMinute: number; exportPerMinute: number };
  runs: FleetRunFigures[];
}

interface PlannedSource {
  name: string;
  account: EmulatedAccount;
  config: SourceConfig;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATES_IN_CYCLE = new Set(['starting', 'checking', 'syncing']);

function accountSpecs(options: FleetOptions): Array<{ name: string; options: EmulatorOptions; sources: number }> {
  const limits = { rateLimits: { minuteMs: options.minuteMs } };
  const specs: Array<{ name: string; options: EmulatorOptions; sources: number }> = [];
  for (let i = 1; i <= options.largeAccounts; i++) {
    const tickets = options.largeTickets;
    specs.push({
      name: `l${i}`,
      sources: i === 1 ? options.sharedSources : 1,
      // The pipeline benchmark's account shape; every record inside the one-year lookback.
      options: {
        seed: 100 + i,
        tickets,
        users: Math.max(50, Math.round(tickets / 10)),
        organizations: Math.max(10, Math.round(tickets / 100)),
        historyDays: 300,
        ...limits,
      },
    });
  }
  for (let i = 1; i <= options.smallAccounts; i++) {
    specs.push({
      name: `s${String(i).padStart(3, '0')}`,
      sources: i === 1 && options.largeAccounts === 0 ? options.sharedSources : 1,
      options: { ...SMALL_ACCOUNT, seed: 1000 + i, tickets: options.smallTickets, historyDays: 300, ...limits },
    });
  }
  return specs;
}

export async function benchFleet(options: FleetOptions, log: (line: string) => void = () => {}): Promise<FleetFigures> {
  const pgUrl = process.env.ZS_PG_URL;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-fleet-'));
  const specs = accountSpecs(options);
  let server: DevServer | undefined;
  let accounts: EmulatedAccount[] = [];
  let connection: Connection | undefined;
  try {
    log(`  starting ${specs.length} emulated accounts and a Temporal dev server...`);
    [server, accounts] = await Promise.all([
      startDevServer({ uiPort: null }),
      startAccounts(
        specs.map(({ name, options }) => ({ name, options })),
        tmp,
      ),
    ]);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const limits = accounts[0]!.emulator.rateLimits();
    const runs: FleetRunFigures[] = [];
    const most = Math.max(...options.workerCounts);
    for (const workers of options.workerCounts) {
      const kill = options.kill && workers === most && workers >= 2;
      const destination = pgUrl ?? `sqlite://${path.join(tmp, `warehouse-w${workers}`)}`;
      const sources: PlannedSource[] = accounts.flatMap((account, i) =>
        Array.from({ length: specs[i]!.sources }, (_, k) => {
          const name = `fleet_w${workers}_${account.name}${specs[i]!.sources > 1 ? `_${String.fromCharCode(97 + k)}` : ''}`;
          const config: SourceConfig = {
            name,
            baseUrl: account.emulator.baseUrl,
            credentialRef: account.credentialRef,
            destination,
            intervalSeconds: options.intervalSeconds,
            rate: { windowMs: options.minuteMs },
            timing: { heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds },
          };
          return { name, account, config };
        }),
      );
      log(
        `  ${workers} worker${workers > 1 ? 's' : ''}: ${sources.length} sources on ${accounts.length} accounts${kill ? ', one worker killed mid-cycle' : ''}...`,
      );
      try {
        runs.push(await runFleet(client, server.address, accounts, sources, workers, kill, options, log));
      } finally {
        if (pgUrl)
          await dropPostgresSchemas(
            pgUrl,
            sources.map((s) => s.name),
          ).catch((err) => log(`  (cleanup: ${err})`));
      }
    }
    return {
      options,
      destination: pgUrl ? 'postgres' : 'sqlite',
      accountLimits: { corePerMinute: limits.effectiveCorePerMinute, exportPerMinute: limits.exportPerMinute },
      clientCaps: { corePerMinute: DEFAULT_RATE_SETTINGS.corePerMinute, exportPerMinute: DEFAULT_RATE_SETTINGS.exportPerMinute },
      runs,
    };
  } finally {
    await connection?.close().catch(() => {});
    await closeAccounts(accounts);
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function runFleet(
  client: Client,
  address: string,
  accounts: EmulatedAccount[],
  sources: PlannedSource[],
  workerCount: number,
  kill: boolean,
  options: FleetOptions,
  log: (line: string) => void,
): Promise<FleetRunFigures> {
  const taskQueue = `zs-fleet-w${workerCount}`;
  for (const a of accounts) a.emulator.requestLog.reset();
  const workers = spawnWorkerProcesses(workerCount, {
    TEMPORAL_ADDRESS: address,
    ZS_TASK_QUEUE: taskQueue,
    ZS_SHUTDOWN_GRACE_SECONDS: '5',
  });
  const pids = workers.map((w) => w.pid);
  let memory: MemorySampler | undefined;
  const handles = new Map<string, WorkflowHandle>();
  const firstRunIds = new Map<string, string>();
  try {
    await waitForPollers(client, taskQueue, workers);
    memory = new MemorySampler(pids); // from here: a polling worker's memory before and during the work
    const runStart = Date.now();
    const startedAt = new Map<string, number>();
    for (const s of sources) {
      startedAt.set(s.name, Date.now());
      const handle = await startSource(client, taskQueue, s.config);
      handles.set(s.name, handle);
      firstRunIds.set(s.name, (await handle.describe()).runId);
    }
    const finished = new Map<string, FirstCycle>();
    const killed = kill ? killOneWorker(client, sources, workers, finished, runStart, options, log) : undefined;
    await waitForFirstCycles(client, taskQueue, sources, workers, finished, kill, options, log);
    const killFigures = await killed;
    memory.sample();
    const idleRssMb = pids.map((pid) => memory!.first(pid) ?? 0);
    const peakRssMb = pids.map((pid) => memory!.peak(pid) ?? 0);

    // Warehouse against each account's ground truth.
    const rows = { compared: 0, missing: 0, extra: 0, duplicated: 0, stale: 0, examples: [] as string[] };
    for (const s of sources) {
      const truth = expectedRowsFor(
        s.account.emulator,
        { firstSyncAfterMs: startedAt.get(s.name)!, firstSyncBeforeMs: finished.get(s.name)!.finishedAtMs },
        enabledCollections(s.config),
      );
      const result = await compareWarehouse(s.config.destination, s.name, truth);
      rows.compared += result.rowsCompared;
      rows.missing += result.missing;
      rows.extra += result.extra;
      rows.duplicated += result.duplicated;
      rows.stale += result.stale;
      for (const problems of result.problemsByTable.values())
        rows.examples.push(...problems.slice(0, 3 - rows.examples.length).map((p) => `${s.name}: ${p}`));
    }

    const load = loadByGroup(accounts, sources);
    logRefusals(accounts, runStart, killFigures, log);
    await logHostClaims(client, taskQueue, accounts, sources, log);
    const repeatedRequests = accounts
      .filter((a) => sources.filter((s) => s.account === a).length === 1)
      .reduce((n, a) => n + a.emulator.requestLog.duplicates().reduce((m, d) => m + d.count - 1, 0), 0);

    // History: a sync-now ends each source's first run (continue-as-new), whose events are then final.
    log('    counting history events (a sync-now closes each first run)...');
    const histories = await firstRunHistories(client, sources, handles, firstRunIds);
    const events = histories.map((h) => h.events);
    const sourcesPerWorker = pids.map(
      (pid) => histories.filter((h) => h.identities.some((i) => workerPidOfIdentity(i, pids) === pid)).length,
    );
    const activitiesPerWorker = pids.map((pid) =>
      histories.reduce((n, h) => n + h.identities.filter((i) => workerPidOfIdentity(i, pids) === pid).length, 0),
    );
    const eventsPerCycle = { min: Math.min(...events), median: quantile(events, 0.5)!, max: Math.max(...events) };
    const durations = [...finished.values()].map((f) => (f.finishedAtMs - runStart) / 1000);
    return {
      workers: workerCount,
      pids,
      sources: sources.length,
      sourcesPerWorker,
      activitiesPerWorker,
      firstCycleAllSeconds: Math.max(...durations),
      firstCycleMedianSeconds: quantile(durations, 0.5)!,
      failedStreams: [...finished.entries()].flatMap(([name, f]) => f.failedStreams.map((st) => `${name}.${st}`)),
      eventsPerCycle,
      eventsPerDay: historyEventsPerDay(eventsPerCycle.median, options.intervalSeconds),
      idleRssMb,
      peakRssMb,
      rssPerSourceMb: sum(peakRssMb) / sources.length,
      addedRssPerSourceMb: (sum(peakRssMb) - sum(idleRssMb)) / sources.length,
      rows,
      load,
      repeatedRequests,
      ...(killFigures && { kill: killFigures }),
    };
  } finally {
    memory?.stop();
    await Promise.all(
      [...handles.values()].map((h) =>
        client.workflow
          .getHandle(h.workflowId)
          .terminate('fleet benchmark run over')
          .catch(() => {}),
      ),
    );
    await stopWorkerProcesses(workers);
  }
}

interface FirstCycle {
  finishedAtMs: number;
  failedStreams: string[];
}

/** Waits until every source has finished its first cycle, recording its finish time and failed streams in `finished`. */
async function waitForFirstCycles(
  client: Client,
  taskQueue: string,
  sources: PlannedSource[],
  workers: WorkerProcess[],
  finished: Map<string, FirstCycle>,
  killExpected: boolean,
  options: FleetOptions,
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + options.deadlineMinutes * 60_000;
  const names = new Set(sources.map((s) => s.name));
  let lastReport = Date.now();
  while (finished.size < sources.length) {
    // Visibility, not queries: a query per source per poll would be a workflow task per source.
    const done: string[] = [];
    for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      const name = execution.workflowId.replace(/^zendesk-source-/, '');
      if (!names.has(name) || finished.has(name)) continue;
      const state = execution.typedSearchAttributes.get(SYNC_STATE);
      if (state && !STATES_IN_CYCLE.has(state)) done.push(name);
    }
    for (const name of done) {
      const status = await querySourceStatus(client, name);
      if (!status.lastCycle) continue;
      finished.set(name, { finishedAtMs: Date.parse(status.lastCycle.finishedAt), failedStreams: status.lastCycle.failedStreams });
    }
    const dead = workers.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead.length > (killExpected ? 1 : 0)) throw new Error(`worker ${dead[0]!.pid} died: ${dead[0]!.stderrTail()}`);
    if (Date.now() > deadline) {
      const waiting = sources.filter((s) => !finished.has(s.name)).map((s) => s.name);
      throw new Error(
        `${waiting.length} sources did not finish their first cycle in ${options.deadlineMinutes} min: ${waiting.slice(0, 10).join(', ')}`,
      );
    }
    if (Date.now() - lastReport > 30_000) {
      log(`    ${finished.size}/${sources.length} sources finished their first cycle`);
      lastReport = Date.now();
    }
    if (finished.size < sources.length) await sleep(1000);
  }
}

type PendingActivity = {
  activityId?: string | null;
  state?: number | null;
  attempt?: number | null;
  lastWorkerIdentity?: string | null;
  lastStartedTime?: Parameters<typeof tsToMs>[0] | null;
  heartbeatDetails?: { payloads?: unknown[] | null } | null;
};

const STARTED = 2; // temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED

async function pendingActivities(client: Client, source: string): Promise<PendingActivity[]> {
  const description = await client.workflow.getHandle(workflowIdForSource(source)).describe();
  return (description.raw.pendingActivities ?? []) as PendingActivity[];
}

function heartbeatOf(client: Client, pending: PendingActivity): { stream?: string; pages?: number } | undefined {
  const payload = pending.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  return client.options.loadedDataConverter.payloadConverter.fromPayload(payload as never) as { stream?: string; pages?: number };
}

/**
 * Kills one worker once it runs a stream that has committed a page (a large account's, when there
 * are large accounts: those are surely mid-export), then measures, per activity that was in flight
 * on it, how long until Temporal shows it started again on another worker.
 */
async function killOneWorker(
  client: Client,
  sources: PlannedSource[],
  workers: WorkerProcess[],
  finished: Map<string, FirstCycle>,
  runStart: number,
  options: FleetOptions,
  log: (line: string) => void,
): Promise<KillFigures> {
  const pids = workers.map((w) => w.pid);
  const large = sources.filter((s) => s.account.name.startsWith('l'));
  const watched = large.length ? large : sources;
  let victim: WorkerProcess | undefined;
  let condition = '';
  const watchDeadline = Date.now() + options.deadlineMinutes * 60_000;
  while (!victim) {
    for (const s of watched.filter((w) => !finished.has(w.name))) {
      const pending = await pendingActivities(client, s.name).catch(() => []);
      for (const p of pending) {
        const pid = workerPidOfIdentity(p.lastWorkerIdentity, pids);
        const beat = heartbeatOf(client, p);
        const spent = options.killInSpentWindow ? exportsInCurrentWindow(s.account) : undefined;
        if (spent !== undefined && spent < s.account.emulator.rateLimits().exportPerMinute) continue;
        if (p.state === STARTED && pid !== undefined && (beat?.pages ?? 0) >= 1) {
          victim = workers.find((w) => w.pid === pid);
          condition = `${s.name} ${beat!.stream} had committed ${beat!.pages} page${beat!.pages === 1 ? '' : 's'} on it${
            spent !== undefined ? `, its rate window had answered ${spent} exports` : ''
          }`;
          break;
        }
      }
      if (victim) break;
    }
    if (!victim && watched.every((w) => finished.has(w.name)))
      return { notKilled: 'every watched source finished before a worker qualified' };
    if (!victim && Date.now() > watchDeadline) return { notKilled: 'no worker ran a stream with a committed page in time' };
    if (!victim) await sleep(500);
  }
  victim.child.kill('SIGKILL');
  const killedAt = Date.now();
  log(`    killed worker ${victim.pid} ${((killedAt - runStart) / 1000).toFixed(1)} s into the run (${condition})`);

  // What was in flight on it: every source's pending activities that it had started.
  const victimIdentity = (p: PendingActivity) => workerPidOfIdentity(p.lastWorkerIdentity, pids) === victim!.pid;
  const affected: NonNullable<KillFigures['activities']> = [];
  for (const s of sources) {
    for (const p of await pendingActivities(client, s.name).catch(() => [])) {
      if (p.state === STARTED && victimIdentity(p)) {
        affected.push({ source: s.name, activity: p.activityId ?? '?', pagesAtKill: heartbeatOf(client, p)?.pages });
      }
    }
  }
  // Until each was started by another worker (or has completed, when a poll missed its restart).
  const deadline = killedAt + (options.heartbeatTimeoutSeconds + TIMING_DEFAULTS.retryMaximumSeconds + 600) * 1000;
  while (affected.some((a) => a.continuedAfterSeconds === undefined) && Date.now() < deadline) {
    for (const a of affected.filter((x) => x.continuedAfterSeconds === undefined)) {
      const pending = (await pendingActivities(client, a.source).catch(() => undefined))?.find((p) => p.activityId === a.activity);
      if (pending === undefined) {
        a.continuedAfterSeconds = await restartedAfterSeconds(client, a.source, a.activity, killedAt);
        continue;
      }
      const pid = workerPidOfIdentity(pending.lastWorkerIdentity, pids);
      if (pending.state === STARTED && pid !== undefined && pid !== victim.pid && pending.lastStartedTime) {
        a.continuedAfterSeconds = (tsToMs(pending.lastStartedTime) - killedAt) / 1000;
        a.continuedOn = pid;
      }
    }
    await sleep(500);
  }
  const times = affected.map((a) => a.continuedAfterSeconds).filter((t): t is number => t !== undefined);
  return {
    victimPid: victim.pid,
    killedAfterSeconds: (killedAt - runStart) / 1000,
    condition,
    activities: affected,
    sources: new Set(affected.map((a) => a.source)).size,
    ...(times.length && { continuedSeconds: { min: Math.min(...times), median: quantile(times, 0.5)!, max: Math.max(...times) } }),
  };
}

/** For an activity no longer pending: when its last attempt started, from the source's history. */
async function restartedAfterSeconds(client: Client, source: string, activityId: string, killedAt: number): Promise<number> {
  const history = await client.workflow.getHandle(workflowIdForSource(source)).fetchHistory();
  const scheduled = new Set<number>();
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes?.activityId === activityId) scheduled.add(Number(e.eventId));
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.has(Number(started.scheduledEventId)) && tsToMs(e.eventTime!) > killedAt) {
      return (tsToMs(e.eventTime!) - killedAt) / 1000;
    }
  }
  return (Date.now() - killedAt) / 1000; // not found: at the latest now
}

/** Ends each source's first run with a sync-now; its closed history: event count and the worker identity of each activity. */
async function firstRunHistories(
  client: Client,
  sources: PlannedSource[],
  handles: Map<string, WorkflowHandle>,
  firstRunIds: Map<string, string>,
): Promise<Array<{ source: string; events: number; identities: string[] }>> {
  await Promise.all([...handles.values()].map((h) => h.signal(syncNowSignal)));
  const out: Array<{ source: string; events: number; identities: string[] }> = [];
  for (const s of sources) {
    const first = client.workflow.getHandle(handles.get(s.name)!.workflowId, firstRunIds.get(s.name));
    const deadline = Date.now() + 120_000;
    while ((await first.describe()).status.name === 'RUNNING' && Date.now() < deadline) await sleep(250);
    const history = await first.fetchHistory();
    const events = history.events ?? [];
    const identities = events.flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.identity ?? ''] : [],
    );
    out.push({ source: s.name, events: events.length, identities });
  }
  return out;
}

/** Export requests the account answered in its latest rate window (the emulator's request log). */
function exportsInCurrentWindow(account: EmulatedAccount): number {
  const entries = account.emulator.requestLog.entries();
  const latest = Math.max(-1, ...entries.map((e) => e.window));
  return entries.filter((e) => e.window === latest && e.status !== 429 && isExportRequest(e)).length;
}

/**
 * Every 429 an account answered, with when (from the run's start and the kill) and what else its window
 * held: 429s mean two budgets met in one of the account's windows, or one budget over-sent.
 */
function logRefusals(accounts: EmulatedAccount[], runStart: number, kill: KillFigures | undefined, log: (line: string) => void): void {
  for (const a of accounts) {
    const entries = a.emulator.requestLog.entries();
    for (const e of entries.filter((x) => x.status === 429)) {
      const sameWindow = entries.filter((x) => x.window === e.window);
      const exportsAnswered = sameWindow.filter((x) => x.status !== 429 && isExportRequest(x)).length;
      const coreAnswered = sameWindow.filter((x) => x.status !== 429).length;
      const sinceKill =
        kill?.killedAfterSeconds !== undefined
          ? `, ${((e.at - runStart) / 1000 - kill.killedAfterSeconds).toFixed(1)} s after the kill`
          : '';
      log(
        `    429 on ${a.name}: ${e.path} ${((e.at - runStart) / 1000).toFixed(1)} s into the run${sinceKill}; its window answered ${exportsAnswered} export / ${coreAnswered} requests`,
      );
    }
  }
}

/**
 * How often each account with several sources or a large history was given a host (1 = never moved;
 * a kill adds one per account the dead worker hosted): more means a live host was taken for dead.
 */
async function logHostClaims(
  client: Client,
  taskQueue: string,
  accounts: EmulatedAccount[],
  sources: PlannedSource[],
  log: (line: string) => void,
): Promise<void> {
  const watched = accounts.filter((a) => a.name.startsWith('l') || sources.filter((s) => s.account === a).length > 1);
  const claims: string[] = [];
  for (const a of watched) {
    const id = workflowIdForAccount(WorkerResources.accountKey({ baseUrl: a.emulator.baseUrl }), taskQueue);
    const status = await client.workflow
      .getHandle(id)
      .query(accountHostStatusQuery)
      .catch(() => undefined);
    claims.push(`${a.name} ${status?.claims ?? '?'}`);
  }
  if (claims.length) log(`    hosts given per large account (1 = never moved): ${claims.join(', ')}`);
}

function loadByGroup(accounts: EmulatedAccount[], sources: PlannedSource[]): AccountGroupLoad[] {
  const sourcesOf = (a: EmulatedAccount) => sources.filter((s) => s.account === a).length;
  const group = (name: string, members: EmulatedAccount[]): AccountGroupLoad => {
    const loads: AccountLoad[] = members.map((a) => accountLoad(a.emulator.requestLog.entries()));
    return {
      group: name,
      accounts: members.length,
      sources: members.reduce((n, a) => n + sourcesOf(a), 0),
      requests: loads.reduce((n, l) => n + l.requests, 0),
      rateLimited: loads.reduce((n, l) => n + l.rateLimited, 0),
      busiestCoreWindow: Math.max(0, ...loads.map((l) => l.busiestCoreWindow)),
      busiestExportWindow: Math.max(0, ...loads.map((l) => l.busiestExportWindow)),
      meanPerWindow: loads.length ? loads.reduce((n, l) => n + l.meanPerWindow, 0) / loads.length : 0,
    };
  };
  const large = accounts.filter((a) => a.name.startsWith('l') || sourcesOf(a) > 1);
  const small = accounts.filter((a) => !large.includes(a));
  return [...large.map((a) => group(a.name, [a])), ...(small.length ? [group(`small`, small)] : [])];
}

/** Removes the run's schemas and their sync state from Postgres. */
async function dropPostgresSchemas(url: string, schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DELETE FROM zendesk_sync.state WHERE source = ANY($1)`, [schemas]).catch(() => {});
  } finally {
    await client.end();
  }
}

const seconds = (s: number) => `${s.toFixed(1)} s`;

/** The printed tables: one row per run; requests per account group; the kill. */
export function fleetTables(figures: FleetFigures): { headers: string[]; rows: string[][] }[] {
  const { runs, accountLimits, clientCaps } = figures;
  const coreLimit = Math.min(accountLimits.corePerMinute, clientCaps.corePerMinute);
  const exportLimit = Math.min(accountLimits.exportPerMinute, clientCaps.exportPerMinute);
  const summary = {
    headers: [
      'workers',
      'sources',
      'sources per worker',
      'first cycle, all',
      'median source',
      'history events/source/cycle',
      'per day',
      'worker RSS idle -> peak',
      'RSS per source (added)',
      'repeated requests',
      'rows compared',
      'missing',
      'extra',
      'duplicated',
      'stale',
      'failed streams',
    ],
    rows: runs.map((r) => [
      String(r.workers),
      String(r.sources),
      r.sourcesPerWorker.map((n, i) => (r.pids[i] === r.kill?.victimPid ? `${n} (killed)` : String(n))).join(' / '),
      seconds(r.firstCycleAllSeconds),
      seconds(r.firstCycleMedianSeconds),
      r.eventsPerCycle.min === r.eventsPerCycle.max
        ? String(r.eventsPerCycle.median)
        : `${r.eventsPerCycle.median} (${r.eventsPerCycle.min}–${r.eventsPerCycle.max})`,
      String(Math.round(r.eventsPerDay)),
      r.pids.map((_, i) => `${Math.round(r.idleRssMb[i]!)} -> ${Math.round(r.peakRssMb[i]!)}`).join(' / ') + ' MB',
      `${r.rssPerSourceMb.toFixed(1)} MB (${r.addedRssPerSourceMb.toFixed(1)})`,
      String(r.repeatedRequests),
      String(r.rows.compared),
      String(r.rows.missing),
      String(r.rows.extra),
      String(r.rows.duplicated),
      String(r.rows.stale),
      String(r.failedStreams.length),
    ]),
  };
  const load = {
    headers: [
      'workers',
      'account',
      'accounts',
      'sources',
      'requests',
      `busiest core window (limit ${coreLimit})`,
      `busiest export window (limit ${exportLimit})`,
      'mean per window',
      '429s',
    ],
    rows: runs.flatMap((r) =>
      r.load.map((g) => [
        String(r.workers),
        g.group,
        String(g.accounts),
        String(g.sources),
        String(g.requests),
        String(g.busiestCoreWindow),
        String(g.busiestExportWindow),
        g.meanPerWindow.toFixed(1),
        String(g.rateLimited),
      ]),
    ),
  };
  const killRuns = runs.filter((r) => r.kill);
  const unkilled = runs.find((r) => !r.kill);
  const kill = {
    headers: [
      'workers',
      'killed',
      'when',
      'in flight on it',
      'continued elsewhere after (min / median / max)',
      'missing',
      'duplicated',
      'stale',
      'repeated requests',
    ],
    rows: killRuns.map((r) => {
      const k = r.kill!;
      if (k.notKilled) return [String(r.workers), `none: ${k.notKilled}`, '', '', '', '', '', '', ''];
      const c = k.continuedSeconds;
      return [
        String(r.workers),
        `pid ${k.victimPid}`,
        `${seconds(k.killedAfterSeconds!)} (${k.condition})`,
        `${k.activities!.length} activities of ${k.sources} sources`,
        c ? `${seconds(c.min)} / ${seconds(c.median)} / ${seconds(c.max)}` : 'not continued',
        String(r.rows.missing),
        String(r.rows.duplicated),
        String(r.rows.stale),
        `${r.repeatedRequests} (${unkilled ? `${unkilled.repeatedRequests} without a kill` : 'no run without a kill'})`,
      ];
    }),
  };
  return killRuns.length ? [summary, load, kill] : [summary, load];
}
