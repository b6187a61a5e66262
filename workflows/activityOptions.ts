/** Activity proxies for the workflows, built from a source's timing settings. */
import { ActivityCancellationType, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { TIMING_DEFAULTS } from '../config/settingBounds';
import { activityIdForStream } from './ids';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures/vocabulary';
import type { SourceConfig, SyncActivities } from './types';

/**
 * Gates waiting for a cancelled stream activity to end (see syncActivities), so runs recorded before
 * it replay unchanged.
 */
export const PAUSE_WAITS_PATCH = 'v4-pause-waits-for-activities';

/**
 * `stream` names the activity (`sync tickets`) instead of Temporal's default sequence number, so the
 * Web UI's pending activities and every log line of the activity say which collection it is.
 * Runs recorded before the change keep their numbers when replayed.
 */
export function syncActivities(config: SourceConfig, summary: string, stream: string): SyncActivities {
  const timing = config.timing ?? {};
  const options: ActivityOptions = {
    // One attempt may export a large account under Zendesk's limits; liveness comes from heartbeats.
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: `${timing.heartbeatTimeoutSeconds ?? TIMING_DEFAULTS.heartbeatTimeoutSeconds} seconds`,
    retry: {
      initialInterval: `${timing.retryInitialSeconds ?? TIMING_DEFAULTS.retryInitialSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${timing.retryMaximumSeconds ?? TIMING_DEFAULTS.retryMaximumSeconds} seconds`,
      maximumAttempts: timing.maxAttempts ?? TIMING_DEFAULTS.maxAttempts,
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES],
    },
    summary,
    ...(patched('named-activity-ids') ? { activityId: activityIdForStream(stream) } : {}),
    // A pause or stop waits until the activity has really ended (at its next page boundary, see
    // syncStream), so `paused` / `stopped` in the status means nothing is being written any more.
    // (The default, TRY_CANCEL, would move on at once while the activity kept committing pages.)
    ...(patched(PAUSE_WAITS_PATCH) ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
  };
  return proxyActivities<SyncActivities>(options);
}

export function checkActivities(config: SourceConfig): SyncActivities {
  const timing = config.timing ?? {};
  return proxyActivities<SyncActivities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: `${timing.retryInitialSeconds ?? TIMING_DEFAULTS.retryInitialSeconds} seconds`,
      maximumAttempts: 3,
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES],
    },
    summary: 'check credentials',
  });
}

/** Questions to Temporal itself (the workflow cannot make them): e.g. what became of a backfill child. */
export function temporalActivities(): Pick<SyncActivities, 'describeBackfill'> {
  return proxyActivities<SyncActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
    summary: 'ask Temporal about a backfill',
  });
}
