/**
 * The zendesk-sync worker.  npm run worker
 * Settings (environment): TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default),
 * ZS_TASK_QUEUE (zendesk-sync), ZS_METRICS_ADDRESS (the Temporal SDK's metrics, e.g. 127.0.0.1:9464;
 * off when unset), ZS_APP_METRICS_ADDRESS (our own metrics, e.g. 127.0.0.1:9465; off when unset),
 * ZS_LOG_LEVEL (INFO; JSON lines on stdout, Temporal Core's own lines included),
 * ZS_SHUTDOWN_GRACE_SECONDS (30), ZS_MAX_CONCURRENT_ACTIVITIES (20), ZS_MAX_HOSTED_ACTIVITIES (200: slots on the
 * worker's own queue, for the Zendesk accounts it hosts).
 * At startup it registers zendesk-sync's search attributes in the namespace if they are missing.
 */
import { temporalSettings } from './runtime/connection';
import { createPinoLogger } from './runtime/logging';
import { createWorker } from './runtime/worker';
import type { LogLevel } from '@temporalio/worker';

const LOG_LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

function logLevel(): LogLevel {
  const value = (process.env.ZS_LOG_LEVEL || 'INFO').toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(value))
    throw new Error(`ZS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${process.env.ZS_LOG_LEVEL}")`);
  return value;
}

async function main(): Promise<void> {
  const temporal = temporalSettings();
  const level = logLevel();
  const log = createPinoLogger(level);
  const { worker, connection, resources } = await createWorker({
    temporal,
    metricsAddress: process.env.ZS_METRICS_ADDRESS || undefined,
    appMetricsAddress: process.env.ZS_APP_METRICS_ADDRESS || undefined,
    logLevel: level,
    shutdownGraceSeconds: Number(process.env.ZS_SHUTDOWN_GRACE_SECONDS ?? 30),
    maxConcurrentActivities: Number(process.env.ZS_MAX_CONCURRENT_ACTIVITIES ?? 20),
    maxHostedActivities: Number(process.env.ZS_MAX_HOSTED_ACTIVITIES ?? 200),
  });
  log.info(
    { taskQueue: temporal.taskQueue, hostQueue: worker.hostQueue, address: temporal.address, namespace: temporal.namespace },
    'zendesk-sync worker polling',
  );
  await worker.run(); // returns after SIGINT/SIGTERM once in-flight work has drained
  await resources.close();
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
