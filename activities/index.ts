/**
 * The activities the worker registers. All I/O of a sync lives here; the workflows only see
 * settings, cursors and counts. Errors are translated into Temporal failures whose `type` the retry
 * policy understands: credential, permission and settings problems are not retried; a 429/503
 * Retry-After becomes the next retry delay.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { SourceConfig } from '../config/sourceConfig';
import { NON_RETRYABLE_FAILURE_TYPES } from '../failures/vocabulary';
import type { BackfillDescription, CheckSourceResult, StreamResult, SyncActivities, SyncStreamInput } from '../workflows/types';
import type { WorkerResources } from './resources';
import type { RequestEvent } from '../zendesk';
export { WorkerResources } from './resources';
import { activityDeps, runSyncStream } from './syncStream';
import { withPrivacy } from '../sync/privacy';
import { describeBackfillWith } from './describeBackfill';
import { whileBeating } from './beating';
import { accountHostActivities } from './accountHost';

/** Turns any error into a Temporal failure with a stable type and a message safe to show. */
export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (!(err instanceof Error)) return err;
  const type = (err as { type?: string }).type ?? err.name;
  // Our own errors say whether trying again can help (a malformed pagination link, a 4xx that is not
  // a rate limit); the listed types are the ones the workflow reacts to by name.
  if (NON_RETRYABLE_FAILURE_TYPES.includes(type) || (err as { retryable?: unknown }).retryable === false) {
    return ApplicationFailure.create({ type, message: err.message, nonRetryable: true });
  }
  const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
  if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
    return ApplicationFailure.create({
      type,
      message: err.message,
      nextRetryDelay: retryAfterMs,
      category: ApplicationFailureCategory.BENIGN, // waiting out a rate limit is not a failure
    });
  }
  return err;
}

/** A Zendesk request that needed retries or failed, logged with the activity's source and collection. */
function requestTroubleLogger(ctx: Context): (event: RequestEvent) => void {
  return (event) => {
    const fields = {
      path: event.path,
      status: event.status ?? null,
      attempts: event.attempts,
      waitedMs: event.waitedMs,
      errorType: event.errorType ?? null,
    };
    if (event.errorType) ctx.log.warn('Zendesk request failed', fields);
    else ctx.log.info('Zendesk request succeeded after retries', fields);
  };
}

/** `hostQueue`: the queue only this worker polls, where the accounts it hosts send their work. */
export function createActivities(resources: WorkerResources, options: { hostQueue?: string } = {}): SyncActivities {
  const checkSource = async (config: SourceConfig): Promise<CheckSourceResult> => {
    try {
      const session = await resources.session(config, requestTroubleLogger(Context.current()));
      const user = await session.checkCredentials(Context.current().cancellationSignal);
      await resources.destination(config.destination); // fail early on an unreachable warehouse
      Context.current().log.info('credentials checked', { userId: user.id, role: user.role });
      return { userId: user.id, role: user.role, warnings: session.warnings() };
    } catch (err) {
      const failure = toFailure(err);
      // Not always the credential: the workflow tells refused credentials, invalid settings and
      // transient failures (network, Zendesk 5xx, warehouse down) apart by this type.
      const errorType = failure instanceof ApplicationFailure ? (failure.type ?? null) : err instanceof Error ? err.name : null;
      Context.current().log.warn('source check failed', { error: err instanceof Error ? err.message : String(err), errorType });
      throw failure;
    }
  };
  return {
    ...accountHostActivities(options.hostQueue),
    // The settings were validated where they were received (the client, or the source workflow's
    // check for a raw start) by the one schema (config/sourceConfig.ts): trusted here.
    async checkSource(config: SourceConfig): Promise<CheckSourceResult> {
      // Heartbeats while it waits (on the rate budget too): a check on a dead worker is noticed in a heartbeat timeout.
      return whileBeating(Context.current(), () => checkSource(config));
    },

    async syncStream(input: SyncStreamInput): Promise<StreamResult> {
      const { config } = input;
      try {
        const { destination, release } = await resources.destinationForRun(config.destination, { source: config.name, run: input.runTag });
        try {
          const session = await resources.session(config, requestTroubleLogger(Context.current()));
          // Privacy (excluded and hashed columns) is applied here, in the worker, before rows are written.
          return await runSyncStream(input, { destination: withPrivacy(destination, config.privacy), session, ...activityDeps() });
        } finally {
          await release();
        }
      } catch (err) {
        throw toFailure(err);
      }
    },

    async describeBackfill(workflowId: string): Promise<BackfillDescription> {
      // The worker's own Temporal client (same connection and namespace as the worker).
      const description = await describeBackfillWith(Context.current().client, workflowId);
      Context.current().log.info('backfill described', { backfill: workflowId, state: description.state });
      return description;
    },
  };
}
