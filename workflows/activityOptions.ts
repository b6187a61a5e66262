/** Activity proxies for the workflows, built from a source's timing settings. */
import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { TIMING_DEFAULTS } from '../config/settingBounds';
import { activityIdForStream } from './plan';
import { NON_RETRYABLE_ERROR_TYPES, type SourceConfig, type SyncActivities } from './types';

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
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
    summary,
    ...(patched('named-activity-ids') ? { activityId: activityIdForStream(stream) } : {}),
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
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
    summary: 'check credentials',
  });
}
