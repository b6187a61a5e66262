/**
 * Runs a zendesk-sync worker: registers the workflows and activities on the task queue, exports
 * Prometheus metrics when asked, and shuts down gracefully on SIGINT/SIGTERM (in-flight activities
 * get `shutdownGraceTime` to commit their page and heartbeat the cursor).
 */
import { createAppMetrics } from './metrics';
import { NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
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

export async function createWorker(
  options: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection; resources: WorkerResources }> {
  installRuntime(options);
  const connection = await NativeConnection.connect({ address: options.temporal.address });
  try {
    await registerSearchAttributes(connection, options.temporal.namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const resources = new WorkerResources();
  let activities = createActivities(resources);
  if (options.appMetricsAddress) {
    const metrics = createAppMetrics();
    metrics.observe(resources);
    activities = metrics.instrument(activities);
    const server = await metrics.serve(options.appMetricsAddress);
    server.unref();
  }
  const worker = await Worker.create({
    connection,
    namespace: options.temporal.namespace,
    taskQueue: options.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 30} seconds`,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
    ...HEARTBEAT_WORKER_OPTIONS,
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
