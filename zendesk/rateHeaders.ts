/**
 * Reads Zendesk's rate-limit headers. Account-wide figures come in three spellings
 * (`x-rate-limit*`, `ratelimit-*`, older `rate-limit-*`); endpoint buckets come as
 * `zendesk-ratelimit-<bucket>: total=N; remaining=N; resets=S` (older: `zendesk-rate-limit-`).
 */

export interface RateLimitReading {
  limit?: number;
  remaining?: number;
  /** Seconds until the window resets. */
  resetSeconds?: number;
}

export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstNumber(headers: HeaderBag, names: string[]): number | undefined {
  for (const name of names) {
    const raw = header(headers, name);
    if (raw === undefined) continue;
    const value = Number.parseFloat(raw);
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

function compact(reading: RateLimitReading): RateLimitReading | undefined {
  const result: RateLimitReading = {};
  if (reading.limit !== undefined) result.limit = reading.limit;
  if (reading.remaining !== undefined) result.remaining = reading.remaining;
  if (reading.resetSeconds !== undefined) result.resetSeconds = reading.resetSeconds;
  return Object.keys(result).length > 0 ? result : undefined;
}

/** The account-wide (core API) reading, if the response carried one. */
export function readAccountRateLimit(headers: HeaderBag): RateLimitReading | undefined {
  return compact({
    limit: firstNumber(headers, ['x-rate-limit', 'ratelimit-limit', 'rate-limit']),
    remaining: firstNumber(headers, ['x-rate-limit-remaining', 'ratelimit-remaining', 'rate-limit-remaining']),
    resetSeconds: firstNumber(headers, ['ratelimit-reset', 'rate-limit-reset']),
  });
}

/** Parses `total=N; remaining=N; resets=S`. */
export function parseBucketHeader(value: string | undefined): RateLimitReading | undefined {
  if (value === undefined) return undefined;
  const fields = new Map<string, number>();
  for (const part of value.split(/[;,]/)) {
    const [key, raw] = part.split('=').map((s) => s.trim().toLowerCase());
    const number = Number.parseFloat(raw ?? '');
    if (key && Number.isFinite(number)) fields.set(key, number);
  }
  return compact({ limit: fields.get('total'), remaining: fields.get('remaining'), resetSeconds: fields.get('resets') });
}

/** The incremental-export bucket reading, if present. */
export function readExportRateLimit(headers: HeaderBag): RateLimitReading | undefined {
  return parseBucketHeader(
    header(headers, 'zendesk-ratelimit-incremental-exports') ?? header(headers, 'zendesk-rate-limit-incremental-exports'),
  );
}

/**
 * `Retry-After` in ms: delta seconds (fractions accepted, for emulators with a compressed clock)
 * or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
