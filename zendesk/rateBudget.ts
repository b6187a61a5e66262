/**
 * One rate budget per Zendesk account, shared by everything in the process that talks to it.
 *
 * Each bucket is a sliding-window scheduler: a request takes a slot before it is sent and the slot
 * stays taken until one window after its response arrived. The server saw the request before the
 * response came back, so no window of the server's clock (fixed or sliding, whatever its alignment
 * and whatever the latency) can hold more than `limit` of our requests: steady state gets no 429s.
 * Callers wait (abortably) for a slot instead of sending and failing.
 *
 * Incremental exports spend both the export bucket and the core bucket: Zendesk counts them
 * against the account-wide limit too.
 *
 * Requests this process did not send count as well. A worker that takes an account over from a dead
 * one starts with an empty budget while Zendesk's window still holds what the dead worker sent
 * (other integrations on the account spend it too). So a bucket sends its first request alone, until
 * a response has said what the window holds, and every response's `remaining` that shows more spent
 * than this process has in its window counts the difference as foreign slots until the reset.
 *
 * Zendesk also reports endpoint buckets of its own (`zendesk-ratelimit-<name>`: users/cursor's
 * `incremental-exports-cursor`, `tickets-index`, …). Their names are open-ended, so the budget
 * learns them from the responses: each bucket a response reports becomes a scheduler capped at the
 * reported total (times the share), paused when it says it is spent, and every later request to an
 * endpoint that reported it waits for it as well.
 */
import { abortReason } from './abortableSleep';
import { InvalidSettingsError } from './errors';
import { EXPORT_BUCKET_NAME, type RateLimitReading, type RateLimitReadings } from './rateHeaders';
import type { RateBucket } from '../catalog/types';

export interface RateBudgetSettings {
  /** Account-wide requests per window (Zendesk plan limit). Default 200, like Segment. */
  corePerMinute: number;
  /** Incremental-export requests per window. Default 10, or 30 when `highVolumeAddOn`. */
  exportPerMinute: number;
  /** The account has Zendesk's High Volume API add-on (raises the default export cap to 30). */
  highVolumeAddOn: boolean;
  /** Share of the account's quota this tool may use, 0 < share <= 1; the rest is left to other integrations. */
  share: number;
  /** Length of "a minute" in ms. 60000 for Zendesk; tests and emulators use a compressed clock. */
  windowMs: number;
}

export const DEFAULT_RATE_SETTINGS: RateBudgetSettings = {
  corePerMinute: 200,
  exportPerMinute: 10,
  highVolumeAddOn: false,
  share: 1,
  windowMs: 60_000,
};

/**
 * The time a budget runs on: epoch milliseconds and the timers that wake its waiters. The system
 * clock by default; tests pass one they move by hand, so what a budget does in a window does not
 * depend on how fast the machine runs.
 */
export interface BudgetClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: BudgetClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A taken slot; release it once the response (or the failure) is known. */
export interface RateLease {
  /** How long the caller waited for the slot. */
  readonly waitedMs: number;
  release(): void;
}

interface Waiter {
  grant: () => void;
  reject: (reason: unknown) => void;
}

/** The reading says nothing is left (how a 429 names the bucket it is about). */
function isSpent(reading: RateLimitReading | undefined): boolean {
  return reading?.remaining !== undefined && reading.remaining <= 0;
}

class WindowBucket {
  private inFlight = 0;
  /** Times at which finished requests stop counting, ascending. */
  private expiries: number[] = [];
  /** Times at which requests Zendesk counted but this process did not send stop counting, ascending. */
  private foreignExpiries: number[] = [];
  /**
   * Whether a response has come back since the bucket began (or was told to relearn): until then
   * the window's state on the server is unknown and one request at a time goes out to learn it.
   */
  private learned = false;
  private pausedUntil = 0;
  private observedLimit: number | undefined;
  private readonly waiters: Waiter[] = [];
  private timer: unknown;

  constructor(
    /** `core`, `export`, or a Zendesk endpoint bucket name. */
    readonly name: string,
    private configuredLimit: () => number,
    private settings: () => RateBudgetSettings,
    private readonly clock: BudgetClock,
  ) {}

  /** The cap in force: the configured cap or the account's reported limit, whichever is lower, times the share. */
  effectiveLimit(): number {
    const { share } = this.settings();
    const cap = Math.min(this.configuredLimit(), this.observedLimit ?? Number.POSITIVE_INFINITY);
    if (cap === Number.POSITIVE_INFINITY) return cap;
    return Math.max(1, Math.floor(cap * share));
  }

  used(now: number): number {
    while (this.expiries.length > 0 && this.expiries[0]! <= now) this.expiries.shift();
    return this.inFlight + this.expiries.length;
  }

  /** Requests Zendesk reported in its window beyond ours, still counting at `now`. */
  foreignUsed(now: number): number {
    while (this.foreignExpiries.length > 0 && this.foreignExpiries[0]! <= now) this.foreignExpiries.shift();
    return this.foreignExpiries.length;
  }

  /** Forget what the window held: the next request goes alone and its response says (a takeover). */
  relearn(): void {
    this.learned = false;
  }

  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortReason(signal!));
        this.pump();
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.inFlight += 1;
          resolve();
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Gives back a slot that was never used to send a request (the caller aborted while waiting elsewhere). */
  cancel(): void {
    this.inFlight -= 1;
    this.pump();
  }

  /** The response (or failure) is in: its slot counts one window from now. Release after `observe`. */
  release(): void {
    this.inFlight -= 1;
    this.expiries.push(this.clock.now() + this.settings().windowMs);
    // A response without rate headers ends the learning too: the server reports nothing to wait for.
    this.learned = true;
    this.pump();
  }

  /**
   * Counts what Zendesk's reading says its window holds beyond what this process has in its own:
   * requests of a worker that hosted the account before, or of other integrations. They hold slots
   * until the window's reset. A lower bound (requests still in flight may not be counted yet), so
   * nothing is counted twice across readings.
   */
  private countForeign(reading: RateLimitReading, now: number): void {
    const accountLimit = reading.limit ?? this.observedLimit;
    if (reading.remaining === undefined || accountLimit === undefined) return;
    const unseen = accountLimit - reading.remaining - this.used(now) - this.foreignUsed(now);
    if (unseen <= 0) return;
    // Zendesk's window frees them at its reset, when it said when.
    this.holdForeign(unseen, now + this.resetIn(reading));
  }

  /** Counts `count` slots as foreign until `resetMs` from now (an estimate made from another bucket's reading). */
  assumeForeign(count: number, resetMs: number, now: number): void {
    this.holdForeign(count - this.foreignUsed(now), now + Math.min(resetMs, this.settings().windowMs));
    this.pump();
  }

  private holdForeign(count: number, until: number): void {
    for (let i = 0; i < count; i++) this.foreignExpiries.push(until);
    this.foreignExpiries.sort((a, b) => a - b);
  }

  /**
   * Room the account's window leaves us: the account limit Zendesk reports, less the other
   * integrations' part (1 - share). Foreign requests count against it, not against our own cap.
   */
  private accountRoom(): number {
    // No limit reported yet: the configured cap stands in for the account's (foreign requests were estimated).
    if (this.observedLimit === undefined) return this.effectiveLimit();
    return this.observedLimit - Math.floor(this.observedLimit * (1 - this.settings().share));
  }

  /** Stop granting until `until` (Retry-After, or the headers say the quota is spent). */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.pump();
  }

  observe(reading: RateLimitReading, now: number): void {
    const raised = reading.limit !== undefined && reading.limit > (this.observedLimit ?? Number.POSITIVE_INFINITY);
    if (reading.limit !== undefined && reading.limit > 0) this.observedLimit = reading.limit;
    this.countForeign(reading, now);
    if (reading.remaining !== undefined) this.learned = true;
    this.pauseIfExhausted(reading, now);
    // A limit back up after a dip frees waiters now, not when their old slots expire.
    if (raised) this.pump();
  }

  private pauseIfExhausted(reading: RateLimitReading, now: number): void {
    if (reading.remaining === undefined) return;
    const { share } = this.settings();
    const accountLimit = reading.limit ?? this.observedLimit;
    // Leave the other integrations their part of the quota: stop at what they are owed.
    const reserve = accountLimit === undefined ? 0 : Math.floor(accountLimit * (1 - share));
    if (reading.remaining > reserve) return;
    this.pauseUntil(now + Math.max(this.resetIn(reading), 1));
  }

  /**
   * How long until the window a reading describes resets, in ms. Reset seconds are real seconds, like
   * Retry-After (Zendesk's, and the emulator's under a short "minute" too), and never trusted beyond
   * one window.
   */
  resetIn(reading: RateLimitReading): number {
    const { windowMs } = this.settings();
    return reading.resetSeconds === undefined ? windowMs : Math.min(windowMs, reading.resetSeconds * 1000);
  }

  /** Grants slots to waiters in arrival order while the window has room; otherwise sleeps until it might. */
  pump(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const limit = this.effectiveLimit();
    while (this.waiters.length > 0) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        this.wakeAt(this.pausedUntil);
        return;
      }
      // Until a response has said what the window holds, one request at a time; its release pumps.
      if (!this.learned && this.inFlight > 0) return;
      const used = this.used(now);
      if (used >= limit || used + this.foreignUsed(now) >= this.accountRoom()) {
        // With every slot in flight, a release will pump; otherwise the oldest expiry frees one.
        const next = Math.min(this.expiries[0] ?? Number.POSITIVE_INFINITY, this.foreignExpiries[0] ?? Number.POSITIVE_INFINITY);
        if (next !== Number.POSITIVE_INFINITY) this.wakeAt(next);
        return;
      }
      this.waiters.shift()!.grant();
    }
  }

  private wakeAt(time: number): void {
    this.timer = this.clock.setTimeout(() => this.pump(), Math.max(1, time - this.clock.now()));
  }

  snapshot(now: number) {
    return {
      limit: this.effectiveLimit(),
      used: this.used(now),
      /** Requests Zendesk counted in its window that this process did not send. */
      foreign: this.foreignUsed(now),
      waiting: this.waiters.length,
      pausedForMs: Math.max(0, this.pausedUntil - now),
    };
  }
}

export type RateBucketSnapshot = ReturnType<WindowBucket['snapshot']>;

export type RateBudgetSnapshot = Record<RateBucket, RateBucketSnapshot> & {
  /** Zendesk endpoint buckets learned from response headers, by name. */
  endpoints: Record<string, RateBucketSnapshot>;
};

export function validateRateSettings(settings: RateBudgetSettings): void {
  const positive = (name: string, value: number) => {
    if (!(typeof value === 'number' && value > 0)) {
      throw new InvalidSettingsError(`Rate setting ${name} must be a positive number, got ${String(value)}.`);
    }
  };
  positive('corePerMinute', settings.corePerMinute);
  positive('exportPerMinute', settings.exportPerMinute);
  positive('windowMs', settings.windowMs);
  if (!(settings.share > 0 && settings.share <= 1)) {
    throw new InvalidSettingsError(`Rate setting share must be in (0, 1], got ${String(settings.share)}.`);
  }
}

export class RateBudget {
  private settings: RateBudgetSettings;
  private readonly buckets: Record<RateBucket, WindowBucket>;
  /** Zendesk endpoint buckets seen in responses (except incremental-exports, which is `export`). */
  private readonly endpointBuckets = new Map<string, WindowBucket>();
  /** Which endpoint buckets each endpoint (rateEndpointKey) reported, sorted: taken in this order. */
  private readonly bucketsOfEndpoint = new Map<string, string[]>();
  /** Whether exportPerMinute was set explicitly (otherwise it follows highVolumeAddOn). */
  private exportCapExplicit: boolean;
  /**
   * Set by a takeover until a response reports the account's window: exports wait for it, because the
   * first export request alone could already be one too many (see relearn).
   */
  private exportsAwaitAccountReading = false;

  constructor(
    settings: Partial<RateBudgetSettings> = {},
    private readonly clock: BudgetClock = SYSTEM_CLOCK,
  ) {
    this.settings = { ...DEFAULT_RATE_SETTINGS };
    this.exportCapExplicit = false;
    this.applySettings(settings);
    const current = () => this.settings;
    this.buckets = {
      core: new WindowBucket('core', () => this.settings.corePerMinute, current, clock),
      export: new WindowBucket('export', () => this.settings.exportPerMinute, current, clock),
    };
  }

  /** The budget's clock reading (epoch ms): what response times are recorded against. */
  now(): number {
    return this.clock.now();
  }

  get currentSettings(): Readonly<RateBudgetSettings> {
    return this.settings;
  }

  /** Changes caps, share or window at runtime; waiting requests see the new values at once. */
  update(changes: Partial<RateBudgetSettings>): void {
    this.applySettings(changes);
    this.buckets.core.pump();
    this.buckets.export.pump();
    for (const bucket of this.endpointBuckets.values()) bucket.pump();
  }

  private applySettings(changes: Partial<RateBudgetSettings>): void {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<RateBudgetSettings>;
    if (defined.exportPerMinute !== undefined) this.exportCapExplicit = true;
    const next = { ...this.settings, ...defined };
    if (!this.exportCapExplicit) next.exportPerMinute = next.highVolumeAddOn ? 30 : 10;
    validateRateSettings(next);
    this.settings = next;
  }

  /**
   * Waits for a slot in `bucket` (and in core, for exports), and in every endpoint bucket that
   * `endpoint` (rateEndpointKey of the path) has reported. Rejects with the signal's reason on abort.
   */
  async acquire(bucket: RateBucket, signal?: AbortSignal, endpoint?: string): Promise<RateLease> {
    const started = this.clock.now();
    const taken: WindowBucket[] = [];
    try {
      // One global order (endpoint buckets by name, export, core), so two requests never hold one
      // each while waiting for the other.
      for (const name of (endpoint !== undefined && this.bucketsOfEndpoint.get(endpoint)) || []) {
        const endpointBucket = this.endpointBuckets.get(name)!;
        await endpointBucket.acquire(signal);
        taken.push(endpointBucket);
      }
      if (bucket === 'export') {
        await this.buckets.export.acquire(signal);
        taken.push(this.buckets.export);
      }
      await this.buckets.core.acquire(signal);
      taken.push(this.buckets.core);
    } catch (error) {
      for (const b of taken) b.cancel();
      throw error;
    }
    let released = false;
    return {
      waitedMs: this.clock.now() - started,
      release: () => {
        if (released) return;
        released = true;
        for (const b of taken) b.release();
      },
    };
  }

  /**
   * Feeds the rate-limit headers of a response back into the schedulers. `endpoint` (the
   * rateEndpointKey of the request) is remembered for each endpoint bucket reported, so later
   * requests to it wait for that bucket too.
   */
  observe(
    readings: { core?: RateLimitReading; export?: RateLimitReading; endpoints?: ReadonlyMap<string, RateLimitReading> },
    now = this.clock.now(),
    endpoint?: string,
  ): void {
    if (readings.core) {
      this.buckets.core.observe(readings.core, now);
      if (this.exportsAwaitAccountReading && readings.core.remaining !== undefined) {
        this.exportsAwaitAccountReading = false;
        // Requests of the dead host still in the account's window: as many as fit the export cap may be exports.
        const foreign = this.buckets.core.foreignUsed(now);
        const asExports = Math.min(foreign, this.buckets.export.effectiveLimit());
        if (asExports > 0) this.buckets.export.assumeForeign(asExports, this.buckets.core.resetIn(readings.core), now);
      }
    }
    if (readings.export) this.buckets.export.observe(readings.export, now);
    for (const [name, reading] of readings.endpoints ?? []) {
      if (name === EXPORT_BUCKET_NAME) {
        if (!readings.export) this.buckets.export.observe(reading, now);
        continue;
      }
      // The requests that taught us a new bucket were not sent through it: they count as foreign.
      this.endpointBucket(name).observe(reading, now);
      if (endpoint !== undefined) this.rememberBucketOf(endpoint, name);
    }
  }

  private endpointBucket(name: string): WindowBucket {
    let bucket = this.endpointBuckets.get(name);
    if (!bucket) {
      // No configured cap: the bucket runs at the total Zendesk reports (times the share).
      bucket = new WindowBucket(
        name,
        () => Number.POSITIVE_INFINITY,
        () => this.settings,
        this.clock,
      );
      this.endpointBuckets.set(name, bucket);
    }
    return bucket;
  }

  private rememberBucketOf(endpoint: string, name: string): void {
    const known = this.bucketsOfEndpoint.get(endpoint) ?? [];
    if (!known.includes(name)) this.bucketsOfEndpoint.set(endpoint, [...known, name].sort());
  }

  /**
   * This process has just taken the account over (its previous host died): what the window holds is
   * unknown again, so each bucket sends one request alone and learns from its response. The dead host
   * may have spent the whole export window, so even one export request could draw a 429; exports
   * therefore wait for a reading of the account-wide window first (the HTTP layer asks `users/me` when
   * nothing else does), which counts every request the dead host sent, exports included: as many of
   * those as the export cap allows are taken to be exports until that window's reset.
   */
  relearn(): void {
    this.buckets.core.relearn();
    this.buckets.export.relearn();
    for (const bucket of this.endpointBuckets.values()) bucket.relearn();
    this.exportsAwaitAccountReading = true;
  }

  /** Whether an export request has to wait for a reading of the account's window (after a takeover). */
  get awaitsAccountReading(): boolean {
    return this.exportsAwaitAccountReading;
  }

  /** The account reading a takeover waited for did not come (no headers, a failure): exports go on learning alone. */
  giveUpAccountReading(): void {
    this.exportsAwaitAccountReading = false;
  }

  /** Holds a bucket (Retry-After on 429/503); holding core also holds exports. */
  pause(bucket: RateBucket, ms: number): void {
    this.buckets[bucket].pauseUntil(this.clock.now() + ms);
  }

  /**
   * A 429 for a request that spent `bucket`: holds what the response's headers say is spent, for
   * `ms`. The account-wide quota spent holds core (and so everything); an endpoint bucket spent
   * holds that bucket (incremental-exports: the export scheduler). When the headers name nothing
   * spent, the request's own bucket is held, as before.
   */
  pauseAfterRateLimit(bucket: RateBucket, ms: number, readings: RateLimitReadings, endpoint?: string): RateBucket | string[] {
    const until = this.clock.now() + ms;
    const held: string[] = [];
    if (isSpent(readings.core)) {
      this.buckets.core.pauseUntil(until);
      held.push('core');
    }
    for (const [name, reading] of readings.endpoints) {
      if (!isSpent(reading)) continue;
      if (name === EXPORT_BUCKET_NAME) this.buckets.export.pauseUntil(until);
      else {
        this.endpointBucket(name).pauseUntil(until);
        if (endpoint !== undefined) this.rememberBucketOf(endpoint, name);
      }
      held.push(name === EXPORT_BUCKET_NAME ? 'export' : name);
    }
    if (held.length > 0) return held;
    this.buckets[bucket].pauseUntil(until);
    return bucket;
  }

  snapshot(): RateBudgetSnapshot {
    const now = this.clock.now();
    return {
      core: this.buckets.core.snapshot(now),
      export: this.buckets.export.snapshot(now),
      endpoints: Object.fromEntries([...this.endpointBuckets].map(([name, bucket]) => [name, bucket.snapshot(now)])),
    };
  }
}

/** The process-wide registry: one budget per account origin (plus base path, for multi-tenant emulators). */
const budgets = new Map<string, RateBudget>();

/**
 * The shared budget for an account. Settings, when given, are applied to the existing budget, so
 * the latest configuration of a source wins without a restart.
 */
export function rateBudgetFor(accountKey: string, settings?: Partial<RateBudgetSettings>): RateBudget {
  let budget = budgets.get(accountKey);
  if (!budget) {
    budget = new RateBudget(settings);
    budgets.set(accountKey, budget);
  } else if (settings) {
    budget.update(settings);
  }
  return budget;
}

/**
 * This process has just taken the account over: its budget (made now if the account is new here, and
 * given its settings when the first client is made) relearns the window.
 */
export function relearnRateBudget(accountKey: string): void {
  rateBudgetFor(accountKey).relearn();
}
