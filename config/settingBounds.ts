/**
 * The allowed range of every numeric source setting, with its reason, in one place. The settings
 * schema (config/sourceConfig.ts) applies them, and everything that checks settings (the client,
 * the settings file, the source workflow, the set-rate update) uses that schema, so a value is either
 * refused everywhere or accepted everywhere.
 *
 * Plain data and pure functions only: workflow code imports this module.
 */

export interface NumberBound {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive). */
  max: number;
  integer?: boolean;
  unit: string;
  /** Why the range is what it is, shown with the problem. */
  why: string;
}

/** Defaults of the timing settings (workflows/activityOptions.ts), needed to compare the two retry delays. */
export const TIMING_DEFAULTS = { heartbeatTimeoutSeconds: 60, retryInitialSeconds: 5, retryMaximumSeconds: 300, maxAttempts: 10 } as const;

/**
 * Days of history a first sync may ask for. The cap keeps `now − lookbackDays` after 1970-01-01
 * (Zendesk's start_time is Unix time and cannot be negative) with years of margin: 20000 days is
 * about 54.8 years, which reaches back to 1972 in 2026 and later every year after. Zendesk started
 * in 2007, so nothing is lost.
 */
export const MAX_LOOKBACK_DAYS = 20_000;
/** Longest interval between cycles: 31 days. Longer is almost always milliseconds typed as seconds. */
export const MAX_INTERVAL_SECONDS = 31 * 86_400;

export const SETTING_BOUNDS = {
  lookbackDays: {
    min: 1,
    max: MAX_LOOKBACK_DAYS,
    integer: true,
    unit: 'days',
    why: 'start_time must stay after 1970-01-01; 20000 days reach back to 1972',
  },
  intervalSeconds: {
    min: 1,
    max: MAX_INTERVAL_SECONDS,
    unit: 's',
    why: 'at least 1 s between sync cycles, at most 31 days (default 10800 s = 3 hours)',
  },
  parallelStreams: { min: 1, max: 16, integer: true, unit: 'streams', why: 'streams synced at once (default 3)' },
  reconcileEveryHours: {
    min: 0,
    max: 31 * 24,
    unit: 'hours',
    why: 'how old the last full read of a time-filtered list may be before a cycle reads it in full again and settles deletions (default 24; 0 = every cycle)',
  },
  'rate.corePerMinute': {
    min: 1,
    max: 1_000_000,
    integer: true,
    unit: 'requests per window',
    why: 'Zendesk plans allow 200 to 2500 a minute (default 200); larger values only lift the cap for emulators',
  },
  'rate.exportPerMinute': {
    min: 1,
    max: 1_000_000,
    integer: true,
    unit: 'requests per window',
    why: 'Zendesk allows 10 a minute, 30 with the High Volume add-on',
  },
  'rate.share': {
    min: 0,
    minExclusive: true,
    max: 1,
    unit: '',
    why: "the share of the account's limits this tool may use, 0 < share ≤ 1 (default 1)",
  },
  'rate.windowMs': {
    min: 100,
    max: 600_000,
    integer: true,
    unit: 'ms',
    why: "the length of Zendesk's rate window (default 60000); emulator tests compress it",
  },
  'timing.heartbeatTimeoutSeconds': { min: 1, max: 3600, unit: 's', why: 'a worker silent this long is presumed dead (default 60)' },
  'timing.retryInitialSeconds': { min: 0.1, max: 3600, unit: 's', why: 'first retry delay of a failed stream (default 5)' },
  'timing.retryMaximumSeconds': { min: 0.1, max: 86_400, unit: 's', why: 'longest retry delay (default 300)' },
  'timing.maxAttempts': { min: 1, max: 1000, integer: true, unit: 'attempts', why: 'attempts per stream per cycle (default 10)' },
} as const satisfies Record<string, NumberBound>;

export type BoundedSetting = keyof typeof SETTING_BOUNDS;

/** What is wrong with `value` for `field`, or undefined when it is within the bounds. */
export function numberSettingProblem(field: BoundedSetting, value: unknown): string | undefined {
  const bound: NumberBound = SETTING_BOUNDS[field];
  const range = `${bound.minExclusive ? `greater than ${bound.min}` : `from ${bound.min}`} ${bound.minExclusive ? 'and at most' : 'to'} ${bound.max}`;
  const expected = `must be ${bound.integer ? 'a whole number' : 'a number'} ${range}${bound.unit ? ` (${bound.unit})` : ''}: ${bound.why}`;
  const shown = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${expected}; got ${shown}`;
  if (bound.integer && !Number.isInteger(value)) return `${expected}; got ${shown}`;
  const tooSmall = bound.minExclusive ? value <= bound.min : value < bound.min;
  if (tooSmall || value > bound.max) return `${expected}; got ${shown}`;
  return undefined;
}

/**
 * Temporal refuses a retry policy whose maximum interval is below its initial one, and that failure
 * would hit the workflow task, not the operator: the two delays are compared here (with defaults).
 */
export function retryDelaysProblem(timing: { retryInitialSeconds?: number; retryMaximumSeconds?: number }): string | undefined {
  const initial = timing.retryInitialSeconds ?? TIMING_DEFAULTS.retryInitialSeconds;
  const maximum = timing.retryMaximumSeconds ?? TIMING_DEFAULTS.retryMaximumSeconds;
  if (maximum >= initial) return undefined;
  return `the longest retry delay (${maximum} s) must not be shorter than the first (retryInitialSeconds ${initial} s)`;
}
