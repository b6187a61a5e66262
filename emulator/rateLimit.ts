import { PLAN_CORE_LIMITS, type Plan, type RateLimitSettings } from './options';

/**
 * Zendesk's fixed one-minute windows (zendesk-api.md §6), with the length of a "minute" settable so
 * tests see limits in a second. Every API request spends the account ("core") budget; incremental
 * exports also spend the export bucket (10/min), and users/cursor optionally a bucket of its own.
 */
export type Bucket = 'core' | 'export' | 'users_cursor';

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Whole real seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
  /** The bucket that refused the request. */
  exhausted?: Bucket;
}

export class RateLimiter {
  private readonly startedAt = performance.now();
  private readonly used = new Map<Bucket, { window: number; count: number }>();

  constructor(
    private settings: RateLimitSettings,
    private plan: Plan,
  ) {}

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
  window(nowMs = performance.now()): number {
    return Math.floor((nowMs - this.startedAt) / this.settings.minuteMs);
  }

  private coreLimit(): number {
    return this.settings.corePerMinute ?? PLAN_CORE_LIMITS[this.plan];
  }

  private limitOf(bucket: Bucket): number {
    if (bucket === 'core') return this.coreLimit();
    if (bucket === 'users_cursor') return this.settings.usersCursorPerMinute ?? this.settings.exportPerMinute;
    return this.settings.exportPerMinute;
  }

  /** Which buckets a request spends. */
  bucketsFor(path: string): Bucket[] {
    if (!path.startsWith('/api/v2/incremental/')) return ['core'];
    if (path === '/api/v2/incremental/users/cursor' && this.settings.usersCursorPerMinute !== null) return ['core', 'users_cursor'];
    return ['core', 'export'];
  }

  /**
   * The rate headers of a 429 injected by a fault rule (a storm): Zendesk sends its account figures
   * on nearly every response, a 429 included, with nothing remaining until the wait it asks for.
   * Spends nothing. Without emulated limits only the "nothing remaining" part is known.
   */
  refusalHeaders(path: string, retryAfterSeconds: number | null): Record<string, string> {
    const now = performance.now();
    const resetMs = (this.window(now) + 1) * this.settings.minuteMs - (now - this.startedAt);
    const reset = String(retryAfterSeconds ?? Math.max(1, Math.ceil(resetMs / 1000)));
    const headers: Record<string, string> = { 'x-rate-limit-remaining': '0', 'ratelimit-remaining': '0', 'ratelimit-reset': reset };
    if (!this.settings.enabled) return headers;
    headers['x-rate-limit'] = String(this.coreLimit());
    headers['ratelimit-limit'] = String(this.coreLimit());
    const window = this.window(now);
    for (const bucket of this.bucketsFor(path)) {
      if (bucket === 'core') continue;
      const entry = this.used.get(bucket);
      const limit = this.limitOf(bucket);
      const remaining = Math.max(0, limit - (entry && entry.window === window ? entry.count : 0));
      const name = bucket === 'export' ? 'zendesk-ratelimit-incremental-exports' : 'zendesk-ratelimit-incremental-exports-cursor';
      headers[name] = `total=${limit}; remaining=${remaining}; resets=${reset}`;
    }
    return headers;
  }

  /** Spend one request from every bucket of `path`, or refuse without spending any. */
  take(path: string): RateDecision {
    if (!this.settings.enabled) return { allowed: true, headers: {}, retryAfterSeconds: 0 };
    const now = performance.now();
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
    const headers: Record<string, string> = {};
    for (const s of state) {
      const remaining = String(Math.max(0, s.limit - s.entry.count));
      if (s.bucket === 'core') {
        headers['x-rate-limit'] = String(s.limit);
        headers['x-rate-limit-remaining'] = exhausted ? '0' : remaining;
        headers['ratelimit-limit'] = String(s.limit);
        headers['ratelimit-remaining'] = exhausted ? '0' : remaining;
        headers['ratelimit-reset'] = String(retryAfterSeconds);
      } else {
        const name = s.bucket === 'export' ? 'zendesk-ratelimit-incremental-exports' : 'zendesk-ratelimit-incremental-exports-cursor';
        headers[name] = `total=${s.limit}; remaining=${remaining}; resets=${retryAfterSeconds}`;
      }
    }
    // Exact wait for clients that want sub-second precision under a short time scale.
    headers['x-emulator-retry-after-ms'] = String(Math.ceil(resetMs));
    if (exhausted) return { allowed: false, headers, retryAfterSeconds, exhausted: exhausted.bucket };
    return { allowed: true, headers, retryAfterSeconds };
  }
}
