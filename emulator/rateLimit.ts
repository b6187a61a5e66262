import { PLAN_CORE_LIMITS, type Plan, type RateLimitSettings } from './options';

/**
 * Zendesk's fixed one-minute windows (zendesk-api.md §6), with the length of a "minute" settable so
 * tests see limits in a second. Every API request spends the account ("core") budget; incremental
 * exports also spend the export bucket (10/min); users/cursor and tickets/cursor optionally spend a
 * bucket of their own instead.
 */
export type Bucket = 'core' | 'export' | 'users_cursor' | 'tickets_cursor';

/** The header each non-core bucket reports itself under (zendesk-api.md §6). */
const BUCKET_HEADER: Record<Exclude<Bucket, 'core'>, string> = {
  export: 'zendesk-ratelimit-incremental-exports',
  users_cursor: 'zendesk-ratelimit-incremental-exports-cursor',
  tickets_cursor: 'zendesk-ratelimit-incremental-exports-cursor',
};

/**
 * The account ("core") figures under all three names Zendesk uses: `x-rate-limit*`, the IETF-draft
 * `ratelimit-*` and the older `rate-limit-*` (zendesk-api.md §6, §10.6), so clients reading any of
 * them see the same budget.
 */
function accountHeaders(limit: number | null, remaining: number, resetSeconds: number | string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-rate-limit-remaining': String(remaining),
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(resetSeconds),
    'rate-limit-remaining': String(remaining),
    'rate-limit-reset': String(resetSeconds),
  };
  if (limit !== null) {
    headers['x-rate-limit'] = String(limit);
    headers['ratelimit-limit'] = String(limit);
    headers['rate-limit'] = String(limit);
  }
  return headers;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Whole real seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
  /** The bucket that refused the request. */
  exhausted?: Bucket;
}

export class RateLimiter {
  private readonly startedAt: number;
  private readonly used = new Map<Bucket, { window: number; count: number }>();

  constructor(
    private settings: RateLimitSettings,
    private plan: Plan,
    /** Monotonic milliseconds the windows are measured on (tests move it by hand). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
  }

  get current(): RateLimitSettings & { effectiveCorePerMinute: number } {
    return { ...this.settings, effectiveCorePerMinute: this.coreLimit() };
  }

  update(patch: Partial<RateLimitSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.used.clear();
  }

  setPlan(plan: Plan): void {
    this.plan = plan;
  }

  /** Index of the current window; the request log groups requests by it. */
  window(nowMs = this.clock()): number {
    return Math.floor((nowMs - this.startedAt) / this.settings.minuteMs);
  }

  private coreLimit(): number {
    return this.settings.corePerMinute ?? PLAN_CORE_LIMITS[this.plan];
  }

  private limitOf(bucket: Bucket): number {
    if (bucket === 'core') return this.coreLimit();
    if (bucket === 'users_cursor') return this.settings.usersCursorPerMinute ?? this.settings.exportPerMinute;
    if (bucket === 'tickets_cursor') return this.settings.ticketsCursorPerMinute ?? this.settings.exportPerMinute;
    return this.settings.exportPerMinute;
  }

  /** Which buckets a request spends. */
  bucketsFor(path: string): Bucket[] {
    if (!path.startsWith('/api/v2/incremental/')) return ['core'];
    if (path === '/api/v2/incremental/users/cursor' && this.settings.usersCursorPerMinute !== null) return ['core', 'users_cursor'];
    if (path === '/api/v2/incremental/tickets/cursor' && this.settings.ticketsCursorPerMinute !== null) return ['core', 'tickets_cursor'];
    return ['core', 'export'];
  }

  /**
   * The rate headers of a 429 injected by a fault rule (a storm): Zendesk sends its account figures
   * on nearly every response, a 429 included, with nothing remaining until the wait it asks for.
   * Spends nothing. Without emulated limits only the "nothing remaining" part is known.
   */
  refusalHeaders(path: string, retryAfterSeconds: number | null): Record<string, string> {
    const now = this.clock();
    const reset = String(retryAfterSeconds ?? this.secondsToWindowEnd(now));
    if (!this.settings.enabled) return accountHeaders(null, 0, reset);
    const headers = accountHeaders(this.coreLimit(), 0, reset);
    const window = this.window(now);
    for (const bucket of this.bucketsFor(path)) {
      if (bucket === 'core') continue;
      const entry = this.used.get(bucket);
      const limit = this.limitOf(bucket);
      const remaining = Math.max(0, limit - (entry && entry.window === window ? entry.count : 0));
      headers[BUCKET_HEADER[bucket]] = `total=${limit}; remaining=${remaining}; resets=${reset}`;
    }
    return headers;
  }

  /** Whole seconds (at least 1) until the current window ends: what Retry-After says on a 429. */
  secondsToWindowEnd(now = this.clock()): number {
    const resetMs = (this.window(now) + 1) * this.settings.minuteMs - (now - this.startedAt);
    return Math.max(1, Math.ceil(resetMs / 1000));
  }

  /** Spend one request from every bucket of `path`, or refuse without spending any. */
  take(path: string): RateDecision {
    if (!this.settings.enabled) return { allowed: true, headers: {}, retryAfterSeconds: 0 };
    const now = this.clock();
    const window = this.window(now);
    const resetMs = (window + 1) * this.settings.minuteMs - (now - this.startedAt);
    const retryAfterSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    const buckets = this.bucketsFor(path);
    const state = buckets.map((bucket) => {
      let entry = this.used.get(bucket);
      if (!entry || entry.window !== window) this.used.set(bucket, (entry = { window, count: 0 }));
      return { bucket, entry, limit: this.limitOf(bucket) };
    });
    const exhausted = state.find((s) => s.entry.count >= s.limit);
    if (!exhausted) state.forEach((s) => s.entry.count++);
    let headers: Record<string, string> = {};
    for (const s of state) {
      const remaining = Math.max(0, s.limit - s.entry.count);
      if (s.bucket === 'core') {
        headers = { ...headers, ...accountHeaders(s.limit, exhausted ? 0 : remaining, retryAfterSeconds) };
      } else {
        headers[BUCKET_HEADER[s.bucket]] = `total=${s.limit}; remaining=${remaining}; resets=${retryAfterSeconds}`;
      }
    }
    // Exact wait for clients that want sub-second precision under a short time scale.
    headers['x-emulator-retry-after-ms'] = String(Math.ceil(resetMs));
    if (exhausted) return { allowed: false, headers, retryAfterSeconds, exhausted: exhausted.bucket };
    return { allowed: true, headers, retryAfterSeconds };
  }
}
