/**
 * The wait between cycles: for the interval (counted from the last cycle's start), a sync-now, or,
 * while paused, a resume. A check that failed transiently retries sooner; settings that cannot work
 * wait for a sync-now.
 */
import { condition } from '@temporalio/workflow';
import { humanDuration } from '../present';
import { nextCycleStartMs, unreachableRetryMs } from '../rhythm';
import type { SourceRun } from './run';
import { publish } from './status';

export async function waitForNextCycle(run: SourceRun): Promise<void> {
  for (;;) {
    if (run.memory.paused) {
      run.state = 'paused';
      run.nextRunAt = undefined;
      publish(run);
      await condition(() => !run.memory.paused);
      break;
    }
    if (run.checkOutcome === 'settings_invalid') {
      // No timer: waiting longer fixes nothing, and a timer with a broken interval would loop.
      run.state = 'settings_invalid';
      run.nextRunAt = undefined;
      publish(run);
      await condition(() => run.syncRequested || run.memory.paused);
    } else {
      await waitForInterval(run);
    }
    if (!run.memory.paused) break;
  }
}

/** Until the next cycle's start time, or a sync-now or pause before it. */
async function waitForInterval(run: SourceRun): Promise<void> {
  const { memory } = run;
  const waitMs = run.checkOutcome === 'unreachable' ? unreachableRetryMs(run.intervalMs) : run.intervalMs;
  if (run.patches.cycleOutcomes) run.state = run.checkOutcome === 'passed' ? 'idle' : run.checkOutcome;
  else run.state = memory.credentialError ? 'credentials_invalid' : 'idle';
  const nowMs = Date.now();
  // Counted from the start of the cycle that just ran, so start times do not drift by the
  // cycles' lengths; a cycle that ran longer than the interval is followed at once.
  const startAtMs = run.patches.steadyRhythm
    ? nextCycleStartMs(memory.lastCycleStartedAt === undefined ? undefined : Date.parse(memory.lastCycleStartedAt), waitMs, nowMs)
    : nowMs + waitMs;
  const nextRunAt = new Date(startAtMs).toISOString();
  run.nextRunAt = nextRunAt;
  publish(run);
  // A sync-now that arrived during the cycle is honoured: it asked for data newer than that cycle.
  if (startAtMs > nowMs) {
    await condition(() => run.syncRequested || memory.paused, startAtMs - nowMs, { summary: timerSummary(run, waitMs, nextRunAt) });
  }
}

/** The wait timer's summary in the Web UI. */
function timerSummary(run: SourceRun, waitMs: number, nextRunAt: string): string {
  const retry = run.checkOutcome === 'unreachable';
  if (!run.patches.steadyRhythm) {
    return retry
      ? `retry in ${humanDuration(waitMs / 1000)} after a transient failure (or on sync-now)`
      : `next cycle in ${humanDuration(waitMs / 1000)} (or on sync-now)`;
  }
  return retry
    ? `retry in ${humanDuration(waitMs / 1000)} from the failed cycle's start, at ${nextRunAt} (or on sync-now)`
    : `next cycle in ${humanDuration(waitMs / 1000)} from the last start, at ${nextRunAt} (or on sync-now)`;
}
