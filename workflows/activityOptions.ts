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
export function syncActivities(config: SourceConfig, summary: string, stream: string, host?: HostQueue): SyncActivities {
  const timing = config.timing ?? {};
  const options: ActivityOptions = {
    ...hostQueueOptions(config, host),
    // One attempt may export a large account under Zendesk's limits; liveness comes from heartbeats.
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: `${timing.heartbeatTimeoutSeconds ?? TIMING_DEFAULTS.heartbeatTimeoutSeconds} seconds`,
    retry: {
      initialInterval: `${timing.retryInitialSeconds ?? TIMING_DEFAULTS.retryInitialSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${timing.retryMaximumSeconds ?? TIMING_DEFAULTS.retryMaximumSeconds} seconds`,
      maximumAttempts: timing.maxAttempts ?? TIMING_DEFAULTS.maxAttempts,
      nonRetryableErrorTypes: nonRetryableTypes(host),
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

export function checkActivities(config: SourceConfig, host?: HostQueue): SyncActivities {
  const timing = config.timing ?? {};
  return proxyActivities<SyncActivities>({
    ...hostQueueOptions(config, host),
    startToCloseTimeout: '2 minutes',
    // The check heartbeats while it waits: on a worker that dies it is noticed after this, not after 2 minutes.
    heartbeatTimeout: `${timing.heartbeatTimeoutSeconds ?? TIMING_DEFAULTS.heartbeatTimeoutSeconds} seconds`,
    retry: {
      initialInterval: `${timing.retryInitialSeconds ?? TIMING_DEFAULTS.retryInitialSeconds} seconds`,
      maximumAttempts: 3,
      nonRetryableErrorTypes: nonRetryableTypes(host),
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

/** The task queue of the worker hosting the source's Zendesk account (workflows/accountRoute.ts). */
export interface HostQueue {
  taskQueue: string;
  /**
   * A heartbeat timeout ends the activity instead of Temporal retrying it on the same queue: the
   * worker that stopped heartbeating is most likely dead, and a retry on its queue would only wait
   * out a schedule-to-start timeout (a second heartbeat timeout) before the route moved the account.
   * The route moves it at once instead (workflows/accountRoute.ts).
   */
  heartbeatTimeoutEndsActivity?: boolean;
}

/**
 * How a heartbeat timeout is named in a retry policy's non-retryable types (Temporal's reserved
 * `TemporalTimeout:` prefix and the timeout type; start-to-close and heartbeat are the retryable ones).
 */
export const HEARTBEAT_TIMEOUT_FAILURE_TYPE = 'TemporalTimeout:Heartbeat';

/** Our failure types that retrying cannot mend, and on a host queue a heartbeat timeout (the route moves the account instead). */
function nonRetryableTypes(host: HostQueue | undefined): string[] {
  return [...NON_RETRYABLE_FAILURE_TYPES, ...(host?.heartbeatTimeoutEndsActivity ? [HEARTBEAT_TIMEOUT_FAILURE_TYPE] : [])];
}

/**
 * Activities that talk to Zendesk run on the account's host queue. A host that died starts nothing:
 * the schedule-to-start timeout (one heartbeat timeout) says so, and the caller asks for a new host.
 */
function hostQueueOptions(config: SourceConfig, host: HostQueue | undefined): Partial<ActivityOptions> {
  if (!host) return {};
  const heartbeatSeconds = config.timing?.heartbeatTimeoutSeconds ?? TIMING_DEFAULTS.heartbeatTimeoutSeconds;
  return { taskQueue: host.taskQueue, scheduleToStartTimeout: `${heartbeatSeconds} seconds` };
}

/**
 * Asking the account's host workflow for its host (on the shared queue, any worker). It heartbeats
 * while it waits for the answer, so an ask in flight on a worker that dies is retried on a live one
 * after a heartbeat timeout rather than after its 5-minute start-to-close timeout.
 */
export function accountHostActivities(config: SourceConfig): Pick<SyncActivities, 'askAccountHost'> {
  const heartbeatSeconds = config.timing?.heartbeatTimeoutSeconds ?? TIMING_DEFAULTS.heartbeatTimeoutSeconds;
  return proxyActivities<SyncActivities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
    summary: 'ask which worker hosts the account',
  });
}
