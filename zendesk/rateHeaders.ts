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
  return readEndpointRateLimits(headers).get(EXPORT_BUCKET_NAME);
}

/** Zendesk's name for the bucket every incremental export spends (the budget's `export` scheduler). */
export const EXPORT_BUCKET_NAME = 'incremental-exports';

const BUCKET_HEADER_PREFIXES = ['zendesk-ratelimit-', 'zendesk-rate-limit-'];

/**
 * Every endpoint bucket a response reports, by Zendesk's bucket name (`incremental-exports`,
 * `incremental-exports-cursor`, `tickets-index`, …): the names are open-ended, so none is
 * hard-coded. Header names are matched case-insensitively (HTTP/1.1 servers may capitalise them).
 */
export function readEndpointRateLimits(headers: HeaderBag): Map<string, RateLimitReading> {
  const readings = new Map<string, RateLimitReading>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const prefix = BUCKET_HEADER_PREFIXES.find((p) => name.startsWith(p));
    if (!prefix || name.length === prefix.length) continue;
    const bucket = name.slice(prefix.length);
    if (readings.has(bucket) && prefix !== BUCKET_HEADER_PREFIXES[0]) continue; // the current spelling wins
    const reading = parseBucketHeader(Array.isArray(rawValue) ? rawValue[0] : rawValue);
    if (reading) readings.set(bucket, reading);
  }
  return readings;
}

/** All the rate-limit figures of one response. */
export interface RateLimitReadings {
  core?: RateLimitReading;
  /** Endpoint buckets by Zendesk's name (see readEndpointRateLimits). */
  endpoints: Map<string, RateLimitReading>;
}

export function readRateLimits(headers: HeaderBag): RateLimitReadings {
  const core = readAccountRateLimit(headers);
  return { ...(core ? { core } : {}), endpoints: readEndpointRateLimits(headers) };
}

/**
 * The endpoint a request path belongs to, for remembering which buckets it spends: the path
 * without its query, ids replaced (`/api/v2/tickets/{id}/comments.json`).
 */
export function rateEndpointKey(pathAndQuery: string): string {
  const path = pathAndQuery.split('?')[0]!.replace(/\.json$/, '');
  return path.replace(/\/\d+(?=\/|$)/g, '/{id}');
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
