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
import { isDeepStrictEqual } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { collections } from '../../catalog/collections';
import { saveCredential } from '../../credentials/store';
import { openDestination } from '../../destinations/open';
import { createActivities, WorkerResources } from '../../activities';
import { initialStartKey } from '../../activities/syncStream';
import { customColumnsKey } from '../../activities/tablePlans';
import type { CustomColumn } from '../../sync/customFields';
import { startDevServer, type DevServer } from '../../orchestration/devServer';
import { HEARTBEAT_WORKER_OPTIONS, installRuntime } from '../../orchestration/worker';
import pino from 'pino';
import { querySourceStatus, startSource } from '../../orchestration/sources';
import { startEmulator, type Emulator, type EmulatorOptions, type GroundTruth } from '../../emulator';
import type { SourceConfig, SourceStatus } from '../../workflows/types';
import { readTable, type Columns } from './warehouseReader';

const projectRoot = path.resolve(__dirname, '../..');

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
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
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
  stop(): Promise<void>;
}

/** A worker in this process (fast; for every test that does not kill it). */
export async function startWorker(stack: Stack): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: stack.server.address });
  const resources = new WorkerResources();
  const worker = await Worker.create({
    connection,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(resources),
    shutdownGraceTime: '5 seconds',
    ...HEARTBEAT_WORKER_OPTIONS,
  });
  const running = worker.run();
  return {
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
    env: { ...process.env, TEMPORAL_ADDRESS: stack.server.address, ZS_TASK_QUEUE: stack.taskQueue, ZS_LOG_LEVEL: options.logLevel ?? 'WARN' },
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

export async function startTestSource(stack: Stack, config: SourceConfig) {
  return startSource(stack.client, stack.taskQueue, config);
}

/** Waits until the source has finished cycle `cycle` (or more). */
export async function waitForCycle(stack: Stack, source: string, cycle: number, timeoutMs = 240_000): Promise<SourceStatus> {
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

/** The ground truth a sync of this source should have produced (same lookback start as the sync used). */
export async function expectedRows(stack: Stack, destinationUrl: string, schema: string, tables: string[]): Promise<GroundTruth> {
  return expectedRowsFor(stack.emulator, destinationUrl, schema, tables);
}

export async function expectedRowsFor(emulator: Emulator, destinationUrl: string, schema: string, tables: string[]): Promise<GroundTruth> {
  const destination = await openDestination(destinationUrl);
  try {
    const ticketsSince = Number((await destination.readState(schema, initialStartKey('tickets'))) ?? 0);
    const ticketEventsSince = Number((await destination.readState(schema, initialStartKey('ticket_events'))) ?? 0);
    const ticketMetricEventsSince = Number((await destination.readState(schema, initialStartKey('ticket_metric_events'))) ?? 0);
    return emulator.groundTruth({ ticketsSince, ticketEventsSince, ticketMetricEventsSince, collections: tables });
  } finally {
    await destination.close();
  }
}

/**
 * Asserts that each table holds exactly the ground truth's rows: none missing, none extra, none
 * stale (every catalog column and every custom-field column compared).
 */
export async function assertWarehouseMatches(
  destinationUrl: string,
  schema: string,
  truth: GroundTruth,
): Promise<{ rowsCompared: number }> {
  const destination = await openDestination(destinationUrl);
  let rowsCompared = 0;
  try {
    for (const [table, expectedTableRows] of Object.entries(truth)) {
      const collection = collections.find((c) => c.name === table)!;
      const custom: CustomColumn[] = JSON.parse((await destination.readState(schema, customColumnsKey(table))) ?? '[]');
      const columns: Columns = Object.fromEntries(collection.columns.map((c) => [c.name, c.type]));
      for (const c of custom) columns[c.column] = c.type;
      const actual = expectedTableRows.length === 0 && (await destination.countRows(schema, table).catch(() => 0)) === 0
        ? []
        : await readTable(destinationUrl, schema, table, columns);
      const byId = new Map(actual.map((r) => [String(r[collection.primaryKey]), r]));
      const problems: string[] = [];
      for (const expected of expectedTableRows) {
        const id = String(expected[collection.primaryKey]);
        const row = byId.get(id);
        if (!row) {
          problems.push(`${table} ${id}: missing`);
          continue;
        }
        byId.delete(id);
        for (const [column, value] of Object.entries(expected)) {
          if (column === 'custom_fields') continue;
          if (!isDeepStrictEqual(row[column], value)) {
            problems.push(`${table} ${id}.${column}: warehouse ${JSON.stringify(row[column])} != truth ${JSON.stringify(value)}`);
          }
        }
        const customExpected = (expected.custom_fields ?? {}) as Record<string, unknown>;
        for (const c of custom) {
          const want = customExpected[c.fieldRef] ?? null;
          if (!isDeepStrictEqual(row[c.column], want)) {
            problems.push(`${table} ${id}.${c.column}: warehouse ${JSON.stringify(row[c.column])} != truth ${JSON.stringify(want)}`);
          }
        }
        rowsCompared++;
      }
      for (const extra of byId.keys()) problems.push(`${table} ${extra}: extra row`);
      assert.deepEqual(problems.slice(0, 20), [], `${table}: ${problems.length} mismatches`);
    }
  } finally {
    await destination.close();
  }
  return { rowsCompared };
}

