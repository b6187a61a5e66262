/**
 * The source workflow's messages (messages.ts) and what each one does to the run: the status query,
 * sync-now, pause and resume, the set-rate and backfill updates, and a backfill child's report.
 */
import { setHandler } from '@temporalio/workflow';
import { rateSettingsProblems } from '../../config/sourceConfig';
import { resolveBackfill } from '../backfillPlan';
import { backfillFinishedSignal, backfillUpdate, pauseSignal, resumeSignal, setRateUpdate, statusQuery, syncNowSignal } from '../messages';
import type { RateSettings } from '../types';
import { recordBackfillEnd, requestBackfills } from './backfillRequests';
import type { SourceRun } from './run';
import { sourceStatus } from './status';

export function setSourceHandlers(run: SourceRun): void {
  const { config, memory } = run;
  setHandler(statusQuery, () => sourceStatus(run));
  setHandler(syncNowSignal, () => {
    run.syncRequested = true;
  });
  setHandler(pauseSignal, () => {
    memory.paused = true;
    run.cycleScope?.cancel();
  });
  setHandler(resumeSignal, () => {
    if (memory.paused) run.syncRequested = true;
    memory.paused = false;
  });
  setHandler(backfillFinishedSignal, (report) => recordBackfillEnd(run, report));
  setHandler(
    setRateUpdate,
    (settings: RateSettings) => {
      config.rate = { ...config.rate, ...settings };
      return config.rate;
    },
    { validator: validateRate },
  );
  setHandler(backfillUpdate, (request) => requestBackfills(run, request), {
    validator: (request) => {
      resolveBackfill(config, request, Date.now());
    },
  });
}

function validateRate(settings: RateSettings): void {
  // The same bounds as the settings schema (config/settingBounds.ts).
  const problems = rateSettingsProblems(settings);
  if (problems.length) throw new Error(problems.join('; '));
}
