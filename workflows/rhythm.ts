/**
 * When cycles run: the default interval, and when the next cycle starts after one ran or its check
 * failed transiently. Pure, so the workflow can use it.
 */

export const DEFAULT_INTERVAL_SECONDS = 3 * 60 * 60;
/**
 * Shortest interval the checks of runs before SETTINGS_BOUNDS_PATCH accept: below it a failing check
 * would continue-as-new in a hot loop. Fixed, for replay; current bounds are in config/settingBounds.ts.
 */
export const MIN_INTERVAL_SECONDS = 1;
/** Longest wait before a cycle whose check failed transiently (network, Zendesk 5xx, warehouse down) is retried. */
export const UNREACHABLE_RETRY_SECONDS = 5 * 60;

/**
 * How long to wait before the next cycle when the credential check failed for a transient reason:
 * soon (at most 5 minutes) rather than a whole interval, which is 3 hours by default.
 */
export function unreachableRetryMs(intervalMs: number): number {
  return Math.min(intervalMs, UNREACHABLE_RETRY_SECONDS * 1000);
}

/**
 * When the next cycle starts (epoch ms): `waitMs` after the previous cycle started, so start times
 * keep a steady rhythm instead of drifting by each cycle's length; at once (`nowMs`) when the previous
 * cycle ran longer than that. Without a previous start (none recorded yet), `waitMs` from now.
 */
export function nextCycleStartMs(previousStartMs: number | undefined, waitMs: number, nowMs: number): number {
  if (previousStartMs === undefined || !Number.isFinite(previousStartMs)) return nowMs + waitMs;
  return Math.max(nowMs, previousStartMs + waitMs);
}
