/**
 * Bounded retry for database work that failed for a reason that goes away by itself: the server
 * restarting or dropping the connection, a serialization failure or deadlock. Only whole idempotent
 * units (an upsert transaction, a DDL step) are retried, so a retry can never double-apply anything.
 */

export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  attempts: number;
  /** Delay before the first retry; doubles each time, with jitter (default 200 ms). */
  baseDelayMs: number;
  /** Upper bound of one delay (default 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** SQLSTATE classes and codes that describe the connection or a conflict, not the statement. */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up)
  '53300', // too_many_connections
]);

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** pg reports a socket closed under it as a plain Error without a code. */
const TRANSIENT_MESSAGES =
  /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|server closed the connection/i;

export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08')) return true; // 08xxx: connection exception
    if (TRANSIENT_NODE_CODES.has(code)) return true;
  }
  if (TRANSIENT_MESSAGES.test(error.message)) return true;
  // AggregateError from a failed connect to several addresses (localhost -> ::1 and 127.0.0.1).
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 && inner.every(isTransientDatabaseError);
}

export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy, onRetry?: (notice: RetryNotice) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientDatabaseError(error)) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      onRetry?.({ attempt, delayMs, error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
