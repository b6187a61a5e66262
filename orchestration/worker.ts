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

export interface WorkerOptions {
  temporal: TemporalSettings;
  /** `host:port` for a Prometheus /metrics endpoint (Temporal's SDK metrics plus ours). */
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

/** Installs the process-wide Temporal runtime once (logger, metrics). */
export function installRuntime(options: Pick<WorkerOptions, 'metricsAddress' | 'logLevel' | 'logDestination'>): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: createRuntimeLogger(options.logLevel ?? 'INFO', options.logDestination),
    telemetryOptions: options.metricsAddress
      ? { metrics: { prometheus: { bindAddress: options.metricsAddress } } }
      : undefined,
  });
  runtimeInstalled = true;
}

export async function createWorker(
  options: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection; resources: WorkerResources }> {
  installRuntime(options);
  const connection = await NativeConnection.connect({ address: options.temporal.address });
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
  });
  return { worker, connection, resources };
}
