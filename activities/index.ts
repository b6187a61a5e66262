/**
 * The activities the worker registers. All I/O of a sync lives here; the workflows only see
 * settings, cursors and counts. Errors are translated into Temporal failures whose `type` the retry
 * policy understands: credential, permission and settings problems are not retried; a 429/503
 * Retry-After becomes the next retry delay.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { validateSourceConfig } from '../config/sourceConfig';
import type { CheckSourceResult, SourceConfig, StreamResult, SyncActivities, SyncStreamInput } from '../workflows/types';
import { NON_RETRYABLE_ERROR_TYPES } from '../workflows/types';
import type { WorkerResources } from './resources';
export { WorkerResources } from './resources';
import { activityDeps, runSyncStream } from './syncStream';
import { withPrivacy } from '../sync/privacy';

/** Turns any error into a Temporal failure with a stable type and a message safe to show. */
export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (!(err instanceof Error)) return err;
  const type = (err as { type?: string }).type ?? err.name;
  if (NON_RETRYABLE_ERROR_TYPES.includes(type)) {
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

function validConfig(config: SourceConfig): SourceConfig {
  try {
    return validateSourceConfig(config);
  } catch (err) {
    throw ApplicationFailure.create({ type: 'InvalidSettingsError', message: (err as Error).message, nonRetryable: true });
  }
}

export function createActivities(resources: WorkerResources): SyncActivities {
  return {
    async checkSource(rawConfig: SourceConfig): Promise<CheckSourceResult> {
      const config = validConfig(rawConfig);
      try {
        const session = await resources.session(config);
        const user = await session.checkCredentials(Context.current().cancellationSignal);
        await resources.destination(config.destination); // fail early on an unreachable warehouse
        return { userId: user.id, role: user.role, warnings: session.warnings() };
      } catch (err) {
        throw toFailure(err);
      }
    },

    async syncStream(input: SyncStreamInput): Promise<StreamResult> {
      const config = validConfig(input.config);
      try {
        const { destination, release } = await resources.destinationForRun(config.destination, { source: config.name, run: input.runTag });
        try {
          const session = await resources.session(config);
          // Privacy (excluded and hashed columns) is applied here, in the worker, before rows are written.
          return await runSyncStream({ ...input, config }, { destination: withPrivacy(destination, config.privacy), session, ...activityDeps() });
        } finally {
          await release();
        }
      } catch (err) {
        throw toFailure(err);
      }
    },
  };
}
