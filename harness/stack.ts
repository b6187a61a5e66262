/**
 * The whole product for an end-to-end test: a real Temporal dev server from the project's CLI, the
 * Zendesk emulator, a worker (in this process, or as a child process that can be SIGKILLed), and
 * helpers to run cycles and compare the warehouse with the emulator's ground truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { collections } from '../catalog/collections';
import { saveCredential } from '../credentials/store';
import { createActivities, WorkerResources } from '../activities';
import { DEFAULT_LOOKBACK_DAYS } from '../workflows/syncDefaults';
import { startDevServer, type DevServer } from '../runtime/devServer';
import { createHostingWorkers, installRuntime } from '../runtime/worker';
import pino from 'pino';
import { CONDITION_WAIT_MS } from './conditionWait';
import { querySourceStatus, startSource } from '../cli/sources';
import { startEmulator, type Emulator, type EmulatorOptions, type GroundTruth } from '../emulator';
import type { SourceConfig, SourceStatus } from '../workflows/types';
import { compareWarehouse } from './warehouseComparison';
import { compareCustomFields, rowsAtLookbackEdge } from './truthComparison';

export { compareCustomFields, rowsAtLookbackEdge };

const projectRoot = path.resolve(__dirname, '..');

/** Small accounts keep end-to-end tests quick on 2 cores. */
export const SMALL_ACCOUNT: EmulatorOptions = {
  seed: 7,
  users: 40,
  organizations: 8,
  groups: 4,
  tickets: 120,
  eventsPerTicket: 3,
  commentsPerTicket: 2,
  activities: 30,
  auditLogs: 30,
  sameSecondRun: 0,
};

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling the workflows is the slow part of a worker start on 2 cores: once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  return bundle;
}
const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

export interface Stack {
  server: DevServer;
  client: Client;
  taskQueue: string;
  emulator: Emulator;
  tmp: string;
  credentialRef: string;
  close(): Promise<void>;
}

export async function startStack(options: { emulator?: EmulatorOptions; ui?: boolean } = {}): Promise<Stack> {
  // Core's own lines go to stderr here: forwarding them would keep this process alive after its
  // tests when every worker it used was a child process (see installRuntime).
  installRuntime({ logLevel: 'WARN', logDestination: pino.destination({ dest: 2, sync: true }), forwardCoreLogs: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-e2e-'));
  const [server, emulator] = await Promise.all([
    startDevServer({ uiPort: options.ui ? 0 : null, dbFilename: path.join(tmp, 'temporal.sqlite') }),
    startEmulator({ ...SMALL_ACCOUNT, rateLimits: false, ...options.emulator }),
  ]);
  const credentialRef = `file:${path.join(tmp, 'credentials', 'admin.json')}`;
  await saveCredential(credentialRef, {
    type: 'api_token',
    email: emulator.credentials.admin.email,
    token: emulator.credentials.admin.apiToken,
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const stack: Stack = {
    server, // replaceable: a chaos run restarts the dev server on the same port and database
    client,
    taskQueue: `zs-test-${process.pid}`,
    emulator,
    tmp,
    credentialRef,
    async close() {
      await client.connection.close().catch(() => {});
      await emulator.close().catch(() => {});
      await stack.server.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  return stack;
}

export interface RunningWorker {
  /** The queue only this worker polls: the accounts it hosts run their Zendesk activities there. */
  hostQueue: string;
  /** Its clients and destinations (a test counts the Zendesk requests this worker made through them). */
  resources: WorkerResources;
  stop(): Promise<void>;
}

/** A worker in this process (fast; for every test that does not kill it). */
export async function startWorker(
  stack: Stack,
  options: { identity?: string; shutdownGraceSeconds?: number; maxConcurrentActivities?: number } = {},
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: stack.server.address });
  const resources = new WorkerResources();
  const worker = await createHostingWorkers(connection, {
    taskQueue: stack.taskQueue,
    workflows: { workflowBundle: await workflowBundle() },
    activities: (hostQueue) => createActivities(resources, { hostQueue }),
    shutdownGraceSeconds: options.shutdownGraceSeconds ?? 5,
    maxConcurrentActivities: options.maxConcurrentActivities ?? 100,
    identity: options.identity,
  });
  const running = worker.run();
  return {
    hostQueue: worker.hostQueue,
    resources,
    async stop() {
      worker.shutdown();
      await running;
      await resources.close();
      await connection.close();
    },
  };
}

/** `worker.ts` as a child process, exactly as an operator runs it (so a test can SIGKILL it). */
export function spawnWorkerProcess(stack: Stack, options: { logLevel?: string } = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'worker.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.server.address,
      ZS_TASK_QUEUE: stack.taskQueue,
      ZS_LOG_LEVEL: options.logLevel ?? 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.on('data', (d) => process.env.ZS_TEST_VERBOSE && process.stderr.write(d));
  return child;
}

export function sourceConfig(stack: Stack, overrides: Partial<SourceConfig> & { name: string; destination: string }): SourceConfig {
  return {
    baseUrl: stack.emulator.baseUrl,
    credentialRef: stack.credentialRef,
    intervalSeconds: 3600,
    // The emulator's limits are off in most tests; without this the client would still keep
    // Zendesk's real 10 export requests per minute and tests would wait on it.
    rate: { corePerMinute: 100_000, exportPerMinute: 100_000 },
    timing: { heartbeatTimeoutSeconds: 10, retryInitialSeconds: 1, retryMaximumSeconds: 5, maxAttempts: 5 },
    ...overrides,
  };
}

/**
 * A source with every collection on, a lookback reaching the account's first ticket, and every cycle a
 * reconciliation (the lists read by change then settle deletions each cycle too): what the warehouse
 * end-to-end tests sync to compare a whole account, changes and deletions included.
 */
export function everyCollectionConfig(stack: Stack, name: string, destination: string): SourceConfig {
  return sourceConfig(stack, {
    name,
    destination,
    collections: Object.fromEntries(collections.map((c) => [c.name, true])),
    lookbackDays: 3650,
    reconcileEveryHours: 0,
  });
}

export async function startTestSource(stack: Stack, config: SourceConfig) {
  const sources = startedSources.get(stack) ?? new Map<string, SyncHistory>();
  startedSources.set(stack, sources);
  // The first start is the one the lookback counts from (a later restart resumes from the cursor).
  if (!sources.has(config.name)) sources.set(config.name, { lookbackDays: config.lookbackDays, firstSyncAfterMs: Date.now() });
  return startSource(stack.client, stack.taskQueue, config);
}

/** Waits until the source has finished cycle `cycle` (or more). */
export async function waitForCycle(stack: Stack, source: string, cycle: number, timeoutMs = CONDITION_WAIT_MS): Promise<SourceStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: SourceStatus | undefined;
  for (;;) {
    last = await querySourceStatus(stack.client, source).catch(() => last);
    if (last && last.cycle >= cycle && last.state !== 'syncing' && last.state !== 'checking' && last.state !== 'starting') {
      return last;
    }
    if (Date.now() > deadline) throw new Error(`source ${source} did not finish cycle ${cycle}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * What a test knows about a source's syncs, from outside the product: its settings, when its first
 * cycle can have begun (real clock, as the product's), and the backfills it asked for.
 */
export interface SyncHistory {
  /** The lookback setting (absent: the documented default). */
  lookbackDays?: number;
  /** The first cycle began after this (ms, real clock)… */
  firstSyncAfterMs: number;
  /** … and before this (default: now). */
  firstSyncBeforeMs?: number;
  /** Backfills requested: these collections hold everything since `from` (ISO) too. */
  backfills?: Array<{ collections: string[]; from: string }>;
}

/** Settings and start time of every source started through `startTestSource`, by stack. */
const startedSources = new WeakMap<Stack, Map<string, SyncHistory>>();

/**
 * The ground truth a sync of this source should have produced, from the source's settings (its
 * lookback, measured from when the test started it) and the backfills the test requested, never from
 * what the product recorded in its state table.
 */
export async function expectedRows(
  stack: Stack,
  source: string,
  tables: string[],
  options: { backfills?: SyncHistory['backfills'] } = {},
): Promise<GroundTruth> {
  const history = startedSources.get(stack)?.get(source);
  if (!history) throw new Error(`expectedRows: source ${source} was not started with startTestSource`);
  return expectedRowsFor(stack.emulator, { ...history, backfills: [...(history.backfills ?? []), ...(options.backfills ?? [])] }, tables);
}

export function expectedRowsFor(emulator: Emulator, history: SyncHistory, tables: string[]): GroundTruth {
  const lookbackSeconds = (history.lookbackDays ?? DEFAULT_LOOKBACK_DAYS) * 86_400;
  const earliestStart = Math.floor(history.firstSyncAfterMs / 1000) - lookbackSeconds;
  const latestStart = Math.ceil((history.firstSyncBeforeMs ?? Date.now()) / 1000) - lookbackSeconds;
  const since = (collection: string, start: number) => {
    const froms = (history.backfills ?? [])
      .filter((b) => b.collections.includes(collection))
      .map((b) => Math.floor(Date.parse(b.from) / 1000));
    return Math.max(0, Math.min(start, ...froms));
  };
  // The lookback applies to the time-ranged exports; every other stream is read from the start.
  const window = (start: number) => ({
    ticketsSince: since('tickets', start),
    ticketEventsSince: since('ticket_events', start),
    ticketMetricEventsSince: since('ticket_metric_events', start),
  });
  const widest = emulator.groundTruth({ ...window(earliestStart), collections: tables });
  const narrowest = emulator.groundTruth({ ...window(latestStart), collections: tables });
  for (const [table, rows] of Object.entries(widest)) {
    const certain = new Set(narrowest[table]!.map((r) => String(r.id)));
    for (const row of rows) if (!certain.has(String(row.id))) rowsAtLookbackEdge.add(row);
  }
  return widest;
}

/**
 * Asserts that each table holds exactly the ground truth's rows: none missing, none extra, none
 * duplicated, none stale (every catalog column, and a column for every custom field the emulator defines).
 */
export async function assertWarehouseMatches(
  destinationUrl: string,
  schema: string,
  truth: GroundTruth,
): Promise<{ rowsCompared: number }> {
  const { rowsCompared, problemsByTable } = await compareWarehouse(destinationUrl, schema, truth);
  // Every table is compared before failing, so one run shows all that is wrong.
  const total = [...problemsByTable.values()].reduce((n, p) => n + p.length, 0);
  const summary = [...problemsByTable].map(([table, p]) => `${table} ${p.length}`).join(', ');
  assert.deepEqual(
    [...problemsByTable.values()].flatMap((p) => p.slice(0, 8)),
    [],
    `${total} mismatches (${summary})`,
  );
  return { rowsCompared };
}
