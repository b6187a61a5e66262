/**
 * The worker's logs: one JSON object per line (pino), through Temporal's runtime logger, so the
 * SDK's own lines and ours come out in one stream and one shape.
 *
 * Every line about a source carries `source`, and `collection` (null when the line is about the
 * whole source, such as a credential check or a cycle). They come from the workflow ID
 * (`zendesk-source-<name>`, backfills `…/backfill/<stream>/…`) and, in activities, from the
 * activity ID (`sync <stream>`), so the SDK's own lines ("Activity started", "Activity failed")
 * carry them too. Worker-wide lines (startup, the Temporal connection) carry neither.
 *
 * Secrets never reach a log line: credentials are not in workflow inputs or activity arguments to
 * begin with, and as a second line of defence every line is scrubbed of Authorization values, token
 * query parameters and fields named like secrets.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { sourceOfWorkflowId, streamOfActivityId } from '../workflows/ids';

const SECRET_KEYS = /^(access_?token|refresh_?token|api_?token|token|password|client_?secret|secret|authorization|private_?key|salt)$/i;

/** Removes credentials from free text (error messages can quote a request). */
export function scrubText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, '$1 [redacted]')
    .replace(/\b(access_token|refresh_token|client_secret|password|code|code_verifier)=([^&\s"']+)/gi, '$1=[redacted]');
}

/** A copy of a log value with secret-named fields replaced and text scrubbed (bounded depth). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack ? scrubText(value.stack) : undefined,
      ...(value.cause ? { cause: scrubValue(value.cause, depth + 1) } : {}),
    };
  }
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : scrubValue(v, depth + 1);
  return out;
}

/** The fields a line needs to say which source and collection it is about. */
export function sourceFields(meta: Record<string, unknown>): Record<string, unknown> {
  if (meta.source !== undefined) return { collection: null, ...meta };
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const owner = workflowId ? sourceOfWorkflowId(workflowId) : undefined;
  if (!owner) return meta;
  const stream = typeof meta.activityId === 'string' ? streamOfActivityId(meta.activityId) : undefined;
  return { source: owner.source, collection: stream ?? owner.collection ?? null, ...meta };
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function createPinoLogger(level: LogLevel, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level: PINO_LEVEL[level],
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Temporal's runtime logger writing structured lines through pino. */
export function createRuntimeLogger(level: LogLevel, destination?: DestinationStream): DefaultLogger {
  const out = createPinoLogger(level, destination);
  return new DefaultLogger(level, (entry: LogEntry) => {
    // The activity task token is long, useless to a reader, and lets its holder complete the task.
    const { taskToken: _taskToken, ...rest } = (entry.meta ?? {}) as Record<string, unknown>;
    const meta = sourceFields(scrubValue(rest) as Record<string, unknown>);
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    out[PINO_LEVEL[entry.level]]({ ...meta, at: time }, scrubText(entry.message));
  });
}
