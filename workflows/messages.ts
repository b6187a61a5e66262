/**
 * The source workflow's messages. Names are plain strings so they can be sent from the Temporal CLI:
 *   temporal workflow signal --workflow-id zendesk-source-NAME --name syncNow
 *   temporal workflow query  --workflow-id zendesk-source-NAME --type status
 *   temporal workflow update execute --workflow-id zendesk-source-NAME --name backfill \
 *     --input '{"collections":["tickets"],"from":"2020-01-01"}'
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BackfillRequest, BackfillStatus, RateSettings, SourceStatus, StreamResult } from './types';

/** Start a cycle now instead of waiting for the interval (ignored while paused). */
export const syncNowSignal = defineSignal('syncNow');
/**
 * Stop syncing: a running cycle is cancelled at the next page boundary (committed pages stay). Each
 * stream activity hears of it within about 5 s (its next heartbeat's answer) and commits no page after
 * that; the state turns `paused` once every stream activity has ended.
 */
export const pauseSignal = defineSignal('pause');
/** Resume after a pause, starting a cycle at once. */
export const resumeSignal = defineSignal('resume');
/** Sent by a backfill child to its parent when it ends. */
export const backfillFinishedSignal = defineSignal<[{ workflowId: string; result?: StreamResult; error?: string }]>('backfillFinished');

export const statusQuery = defineQuery<SourceStatus>('status');

/** Loads a time range of history through child workflows; returns one entry per child started. */
export const backfillUpdate = defineUpdate<BackfillStatus[], [BackfillRequest]>('backfill');
/** Changes the source's rate settings without a restart; applies from the next request on. */
export const setRateUpdate = defineUpdate<RateSettings, [RateSettings]>('setRate');
