/**
 * Runs a zendesk-sync worker: registers the workflows and activities on the task queue, exports
 * Prometheus metrics when asked, and shuts down gracefully on SIGINT/SIGTERM (in-flight activities
 * get `shutdownGraceTime` to commit their page and heartbeat the cursor).
 */
import { createAppMetrics } from './metrics';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { NativeConnection, Runtime, Worker, type LogLevel, type WorkflowBundle } from '@temporalio/worker';
import type { SyncActivities } from '../workflows/types';
import type { DestinationStream } from 'pino';
import { createRuntimeLogger } from './logging';
import { createActivities, WorkerResources } from '../activities';
import type { TemporalSettings } from './connection';
import { ensureSearchAttributes } from './searchAttributeRegistry';
import { HEARTBEAT_CADENCE_MS } from '../activities/syncStream';

/**
 * Heartbeats reach Temporal at least this often while an activity heartbeats, and a pause or stop
 * reaches the activity only in a heartbeat's answer. The SDK's default holds heartbeats back for 80%
 * of the heartbeat timeout (48 s of the default 60 s), which made a pause wait that long.
 */
export const HEARTBEAT_WORKER_OPTIONS = {
  maxHeartbeatThrottleInterval: HEARTBEAT_CADENCE_MS,
  defaultHeartbeatThrottleInterval: HEARTBEAT_CADENCE_MS,
} as const;

export interface WorkerOptions {
  temporal: TemporalSettings;
  /**
   * `host:port` for the Temporal SDK's own Prometheus endpoint (worker slots, polls, task latencies).
   * It serves only the SDK's metrics: ours are on `appMetricsAddress`, a separate prom-client registry.
   */
  metricsAddress?: string;
  /** `host:port` for zendesk-sync's own metrics (rows, requests, 429s, retries, last success) at /metrics. */
  appMetricsAddress?: string;
  logLevel?: LogLevel;
  /** Where the JSON log lines go (default stdout). */
  logDestination?: DestinationStream;
  /** Seconds in-flight activities get to finish on shutdown. */
  shutdownGraceSeconds?: number;
  maxConcurrentActivities?: number;
  /**
   * Activity slots on this worker's own queue, where the accounts it hosts run their streams. Generous:
   * the account's rate budget paces them, and an activity left waiting for a slot longer than a
   * heartbeat timeout would look like a dead host and move the account.
   */
  maxHostedActivities?: number;
}

let runtimeInstalled = false;

const SEVERITY: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Which native (Rust) log lines reach our logger: Temporal's Core crates at the worker's level;
 * every other crate (gRPC transport, HTTP/2) at WARN or above, since below that they are
 * per-frame noise that would bury the lines an operator needs.
 */
export function coreLogFilter(level: LogLevel): { core: LogLevel; other: LogLevel } {
  const other = SEVERITY.indexOf(level) > SEVERITY.indexOf('WARN') ? level : 'WARN';
  return { core: level, other };
}

/**
 * Installs the process-wide Temporal runtime once (logger, metrics).
 *
 * `logging.forward` routes Core's own lines (connection retries, poll errors, worker shutdown)
 * through the same pino logger as the SDK's TypeScript lines: without it Core prints its own
 * plain-text format on stderr, unscrubbed, and data/worker.log misses them.
 *
 * Forwarding holds the event loop open until the runtime shuts down, which the SDK does only when
 * the last native worker or connection of the process closes. A process that installs the runtime
 * but never opens one (the test harness, whose workers may all be child processes) passes
 * `forwardCoreLogs: false`, or it would never exit.
 */
export function installRuntime(
  options: Pick<WorkerOptions, 'metricsAddress' | 'logLevel' | 'logDestination'> & { forwardCoreLogs?: boolean },
): void {
  if (runtimeInstalled) return;
  const level = options.logLevel ?? 'INFO';
  const filter = coreLogFilter(level);
  Runtime.install({
    logger: createRuntimeLogger(level, options.logDestination),
    telemetryOptions: {
      logging: options.forwardCoreLogs === false ? { console: {}, filter } : { forward: {}, filter },
      ...(options.metricsAddress && { metrics: { prometheus: { bindAddress: options.metricsAddress } } }),
    },
  });
  runtimeInstalled = true;
}

/**
 * The queue only this worker polls (workflows/accountHost.ts): unique per process and start, so a
 * restarted worker never inherits a dead one's tasks by accident.
 */
export function workerHostQueue(taskQueue: string): string {
  return `${taskQueue}/worker/${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A worker's two Temporal workers, run and stopped together. */
export interface ZendeskSyncWorker {
  /** This worker's own queue, where the Zendesk accounts it hosts run their activities. */
  readonly hostQueue: string;
  /** Until shutdown (SIGINT/SIGTERM or `shutdown()`) once in-flight work has drained. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Polls the shared task queue (workflows, and activities any worker may run) and its own host queue
 * (activities of the accounts it hosts), with one set of activities and one WorkerResources, so the
 * sources of an account hosted here share one rate budget.
 */
export async function createHostingWorkers(
  connection: NativeConnection,
  options: Pick<WorkerOptions, 'shutdownGraceSeconds' | 'maxConcurrentActivities' | 'maxHostedActivities'> & {
    namespace?: string;
    taskQueue: string;
    activities: (hostQueue: string) => SyncActivities;
    workflows: { workflowsPath: string } | { workflowBundle: WorkflowBundle };
    identity?: string;
  },
): Promise<ZendeskSyncWorker> {
  const hostQueue = workerHostQueue(options.taskQueue);
  const activities = options.activities(hostQueue);
  const common = {
    connection,
    namespace: options.namespace,
    activities,
    shutdownGraceTime: (options.shutdownGraceSeconds ?? 30) * 1000,
    ...(options.identity && { identity: options.identity }),
    ...HEARTBEAT_WORKER_OPTIONS,
  };
  const shared = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    ...options.workflows,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
  });
  const hosted = await Worker.create({
    ...common,
    taskQueue: hostQueue,
    maxConcurrentActivityTaskExecutions: options.maxHostedActivities ?? 200,
  });
  return {
    hostQueue,
    async run() {
      const runs = [shared.run(), hosted.run()];
      // One stopping stops the other: a worker that polls only one of its queues is half a worker.
      const settled = runs.map((r) => r.finally(() => stopQuietly(shared, hosted)));
      await Promise.all(settled);
    },
    shutdown() {
      stopQuietly(shared, hosted);
    },
  };
}

function stopQuietly(...workers: Worker[]): void {
  for (const w of workers) {
    try {
      if (w.getState() === 'RUNNING') w.shutdown();
    } catch {
      /* already stopping */
    }
  }
}

export async function createWorker(
  options: WorkerOptions,
): Promise<{ worker: ZendeskSyncWorker; connection: NativeConnection; resources: WorkerResources }> {
  installRuntime(options);
  const connection = await NativeConnection.connect({ address: options.temporal.address });
  try {
    await registerSearchAttributes(connection, options.temporal.namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const resources = new WorkerResources();
  const metrics = options.appMetricsAddress ? createAppMetrics() : undefined;
  if (metrics) {
    metrics.observe(resources);
    const server = await metrics.serve(options.appMetricsAddress!);
    server.unref();
  }
  const worker = await createHostingWorkers(connection, {
    namespace: options.temporal.namespace,
    taskQueue: options.temporal.taskQueue,
    workflows: { workflowsPath: require.resolve('../workflows') },
    activities: (hostQueue) => {
      const activities = createActivities(resources, { hostQueue });
      return metrics ? metrics.instrument(activities) : activities;
    },
    shutdownGraceSeconds: options.shutdownGraceSeconds,
    maxConcurrentActivities: options.maxConcurrentActivities,
    maxHostedActivities: options.maxHostedActivities,
  });
  return { worker, connection, resources };
}

/**
 * Registers the search attributes before polling: the source workflow sets them on every cycle,
 * and on a server without them each of its workflow tasks would fail with BadSearchAttributes.
 */
async function registerSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const logger = Runtime.instance().logger;
  const result = await ensureSearchAttributes(connection.operatorService, namespace);
  if (result.unverified) logger.warn(result.unverified, { namespace });
  else if (result.added.length) logger.info('registered search attributes', { namespace, added: result.added });
}
