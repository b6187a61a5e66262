/**
 * One workflow per Zendesk account. Each run is one cycle: check credentials, sync every enabled
 * stream (bounded parallelism, one failure does not stop the others), wait for the interval or a
 * signal, then continue-as-new carrying cursors and status, so history stays small forever.
 *
 * A failed check decides the wait: a refused credential waits for the next interval (or a sync-now),
 * settings that cannot work wait for a sync-now after the fix (no timer, so never a hot loop), and a
 * transient failure (network, Zendesk 5xx, warehouse down) retries after min(interval, 5 min).
 *
 * Deterministic by construction: no I/O here, only activities, timers and messages.
 */
import { allHandlersFinished, condition, continueAsNew, isCancellation, upsertMemo } from '@temporalio/workflow';
import { pruneBackfills } from './backfillPlan';
import { settingsCanWork } from './source/check';
import { runCycle } from './source/cycle';
import { setSourceHandlers } from './source/handlers';
import { openSourceRun } from './source/run';
import { publishStopped } from './source/status';
import { waitForNextCycle } from './source/wait';
import type { SourceWorkflowInput } from './types';
import { referenceKind } from '../destinations/reference';

/**
 * One run of the source workflow. Its parts are in workflows/source/: run.ts (the state they share,
 * and the patches every run reads first), handlers.ts (messages), check.ts (settings and credentials),
 * cycle.ts (one cycle), backfillRequests.ts (backfill children), wait.ts (between cycles) and
 * status.ts (what people see). The order of the calls below is the workflow's command sequence,
 * which recorded histories replay (test/workflows/replay.test.ts): reorder nothing without a patch.
 */
export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const run = openSourceRun(input);
  const { config, memory } = run;
  setSourceHandlers(run);

  upsertMemo({
    source: config.name,
    account: config.subdomain ? `${config.subdomain}.zendesk.com` : config.baseUrl,
    destination: typeof config.destination === 'string' ? referenceKind(config.destination) : undefined,
  });

  try {
    if (settingsCanWork(run) && !memory.paused) await runCycle(run);
    await waitForNextCycle(run);
    await condition(allHandlersFinished);
  } catch (err) {
    if (run.patches.cycleOutcomes && isCancellation(err)) publishStopped(run);
    throw err;
  }
  if (run.patches.cycleOutcomes) memory.backfills = pruneBackfills(memory.backfills);
  await continueAsNew<typeof sourceWorkflow>({ config, memory });
}
