/**
 * What decides whether a cycle can sync: the settings (checked here in the workflow, so settings
 * that cannot work wait for a fix instead of looping) and the credentials (checked by an activity).
 * A failed check sets `checkOutcome`, which decides the state and the wait that follow.
 */
import { isCancellation, log, patched } from '@temporalio/workflow';
import { checkActivities } from '../activityOptions';
import { checkFailureState, describeFailure } from '../present';
import { SETTINGS_BOUNDS_PATCH, SETTINGS_SCHEMA_PATCH, workflowSettingsProblems } from '../settingsCheck';
import type { SourceRun } from './run';
import { publish } from './status';

/** False, with the reason in memory, when the settings cannot work; then no cycle runs. */
export function settingsCanWork(run: SourceRun): boolean {
  const { config, memory } = run;
  const strict = run.patches.cycleOutcomes && patched(SETTINGS_BOUNDS_PATCH);
  const settingsProblems = run.patches.cycleOutcomes
    ? workflowSettingsProblems(config, { strict, wholeSchema: strict && patched(SETTINGS_SCHEMA_PATCH) })
    : [];
  if (!settingsProblems.length) return true;
  memory.settingsError = `invalid source settings: ${settingsProblems.join('; ')}`;
  run.checkOutcome = 'settings_invalid';
  log.warn('source settings cannot work; waiting for a sync-now after they are fixed (stop and start the source with corrected settings)', {
    source: config.name ?? null,
    collection: null,
    error: memory.settingsError,
  });
  return false;
}

/** The cycle's first step: true when Zendesk (and the warehouse) accepted the source's credentials. */
export async function credentialsPass(run: SourceRun): Promise<boolean> {
  const { config, memory } = run;
  try {
    const checked = run.route
      ? await run.route.onHost((host) => checkActivities(config, host).checkSource(config))
      : await checkActivities(config).checkSource(config);
    memory.credentialError = undefined;
    if (run.patches.cycleOutcomes) {
      memory.settingsError = undefined;
      memory.unreachableError = undefined;
      // Once per cycle: e.g. that API tokens are a legacy sign-in Zendesk may turn off.
      memory.warnings = checked.warnings.slice(0, 10);
      for (const warning of memory.warnings) log.warn('credential check warning', { source: config.name, collection: null, warning });
    }
    return true;
  } catch (err) {
    if (!run.patches.cycleOutcomes) {
      memory.credentialError = describeFailure(err);
      log.warn('credential check failed; waiting for the next cycle or a sync-now', {
        source: config.name,
        collection: null,
        error: memory.credentialError,
      });
      run.state = 'credentials_invalid';
      publish(run);
      return false;
    }
    if (isCancellation(err)) throw err;
    recordCheckFailure(run, err);
    return false;
  }
}

/** Tells a failed check's kinds apart: a refused credential, settings that cannot work, or a transient failure. */
function recordCheckFailure(run: SourceRun, err: unknown): void {
  const { config, memory } = run;
  const error = describeFailure(err);
  const outcome = checkFailureState(err);
  run.checkOutcome = outcome;
  memory.credentialError = outcome === 'credentials_invalid' ? error : undefined;
  memory.settingsError = outcome === 'settings_invalid' ? error : undefined;
  memory.unreachableError = outcome === 'unreachable' ? error : undefined;
  const next = {
    credentials_invalid: 'waiting for the next cycle or a sync-now',
    settings_invalid: 'waiting for a sync-now after the settings or the worker environment are fixed',
    unreachable: 'retrying soon',
  }[outcome];
  log.warn(`credential check failed (${outcome}); ${next}`, { source: config.name, collection: null, error });
  run.state = outcome;
  publish(run);
}
