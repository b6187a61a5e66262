/**
 * Backfill requests as the source workflow handles them: each stream of a request maps to one child
 * workflow (backfill.ts) with an ID made of the stream and range, so asking twice does not load twice;
 * the child reports back by signal, and the source remembers its state in memory.backfills.
 */
import { ParentClosePolicy, WorkflowIdReusePolicy, log, patched, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { temporalActivities } from '../activityOptions';
import { backfillWorkflow } from '../backfill';
import { resolveBackfill } from '../backfillPlan';
import { workflowIdForBackfill } from '../ids';
import type { BackfillDescription, BackfillRequest, BackfillStatus, StreamResult } from '../types';
import type { SourceRun } from './run';
import { publish } from './status';

/**
 * Gates asking Temporal (describeBackfill) about a backfill child that already exists but that the
 * source's memory does not know, instead of assuming it is running.
 */
export const BACKFILL_STATE_PATCH = 'v4-backfill-real-state';

/** Starts (or finds) one child per stream of the request; one entry per child, in stream order. */
export async function requestBackfills(run: SourceRun, request: BackfillRequest): Promise<BackfillStatus[]> {
  const { streams, from, to, openEnded } = resolveBackfill(run.config, request, Date.now());
  const started: BackfillStatus[] = [];
  for (const stream of streams) started.push(await backfillStream(run, stream, { from, to, openEnded }));
  publish(run);
  return started;
}

interface BackfillRange {
  from: number;
  to: number;
  openEnded: boolean;
}

async function backfillStream(run: SourceRun, stream: string, range: BackfillRange): Promise<BackfillStatus> {
  const childId = backfillChildId(run, stream, range);
  const known = run.memory.backfills[childId];
  // Remembered as running: check, for a child that ends without reporting back (terminated,
  // timed out, or finished while no run of this source was open to hear it) stays "running"
  // in memory for good. One that is no longer running counts as failed and is started again.
  if (known?.state === 'running' && patched(BACKFILL_STATE_PATCH)) {
    applyDescription(known, await temporalActivities().describeBackfill(childId));
  }
  // Running or completed: the existing child is the answer (a completed one with its recorded
  // rows; a re-run needs a different range). Only a failed one is started again.
  if (known && known.state !== 'failed') return known;
  // A retried failure moves to the end: memory keeps the most recently requested backfills.
  if (run.patches.cycleOutcomes) delete run.memory.backfills[childId];
  const entry: BackfillStatus = {
    workflowId: childId,
    stream,
    from: new Date(range.from * 1000).toISOString(),
    to: new Date(range.to * 1000).toISOString(),
    state: 'running',
  };
  // Recorded before the child starts: a quick child can finish and signal back in the same
  // activation that reports its start, and signals are handled first; the entry must exist.
  run.memory.backfills[childId] = entry;
  try {
    await startBackfillChild(run, entry, range);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      restoreEntry(run, childId, known);
      throw err;
    }
    await findStartedChild(run, entry, known);
  }
  return entry;
}

/**
 * The same request maps to the same child id: asking twice does not load twice. Without `to` the
 * range ends "now" and the ID says `..now`, not the request time; the range's end is fixed by the
 * first request and recorded in the entry.
 */
function backfillChildId(run: SourceRun, stream: string, { from, to, openEnded }: BackfillRange): string {
  if (run.patches.cycleOutcomes && openEnded) return workflowIdForBackfill(run.workflowId, stream, from, 'now');
  return patched('readable-backfill-ids')
    ? workflowIdForBackfill(run.workflowId, stream, from, to)
    : `${run.workflowId}/backfill/${stream}/${from}-${to}`;
}

async function startBackfillChild(run: SourceRun, entry: BackfillStatus, { from, to }: BackfillRange): Promise<void> {
  const { config } = run;
  const { workflowId: childId, stream } = entry;
  await startChild(backfillWorkflow, {
    workflowId: childId,
    args: [{ config, stream, from, to, parentWorkflowId: run.workflowId }],
    // The parent continues-as-new every cycle; the default TERMINATE would kill the child.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    staticSummary: `backfill ${stream} ${entry.from.slice(0, 10)} → ${entry.to.slice(0, 10)}`,
  });
  log.info('backfill started', { source: config.name, collection: stream, backfill: childId });
}

/**
 * Started before, by a run whose memory is gone (the source was stopped and started again, or the
 * finished entry was pruned). The reuse policy allows a new start only after a failure, so the child
 * is running or completed: ask Temporal which, and with what result. (Before BACKFILL_STATE_PATCH it
 * was assumed to be running, and a completed one stayed so forever.) Still running: it reports back
 * by signal (to this workflow ID, so to whichever run is current).
 */
async function findStartedChild(run: SourceRun, entry: BackfillStatus, known: BackfillStatus | undefined): Promise<void> {
  if (!patched(BACKFILL_STATE_PATCH)) return;
  let described: BackfillDescription;
  try {
    described = await temporalActivities().describeBackfill(entry.workflowId);
  } catch (describeErr) {
    // Unanswered, the entry would claim "running" for good: forget it, the next request asks again.
    restoreEntry(run, entry.workflowId, known);
    throw describeErr;
  }
  applyDescription(entry, described);
  log.info(`backfill found ${described.state}`, {
    source: run.config.name,
    collection: entry.stream,
    backfill: entry.workflowId,
    rows: entry.rows ?? null,
  });
}

/** Undoes the entry recorded for a start that failed: memory goes back to what it knew before. */
function restoreEntry(run: SourceRun, childId: string, known: BackfillStatus | undefined): void {
  delete run.memory.backfills[childId];
  if (known) run.memory.backfills[childId] = known;
}

/** A backfill child's report that it ended (backfillFinishedSignal). */
export function recordBackfillEnd(
  run: SourceRun,
  { workflowId: childId, result, error }: { workflowId: string; result?: StreamResult; error?: string },
): void {
  const entry = run.memory.backfills[childId];
  if (!entry) return;
  entry.state = error ? 'failed' : 'completed';
  entry.rows = result?.rows;
  entry.error = error;
  log.info(`backfill ${entry.state}`, {
    source: run.config.name,
    collection: entry.stream,
    backfill: childId,
    rows: entry.rows ?? null,
    error: error ?? null,
  });
  publish(run);
}

/**
 * Records what Temporal said about a backfill child in its entry. A running child keeps the entry
 * `running` (it signals back when it ends, and that signal may already have arrived: a finished
 * entry is never moved back). Any other end than success (failed, terminated, timed out, cancelled,
 * gone) is recorded as `failed` with the reason: the reuse policy lets the next request start it again.
 */
function applyDescription(entry: BackfillStatus, described: BackfillDescription): void {
  if (described.from !== undefined) entry.from = new Date(described.from * 1000).toISOString();
  if (described.to !== undefined) entry.to = new Date(described.to * 1000).toISOString();
  if (described.state === 'running' || entry.state !== 'running') return;
  if (described.state === 'completed') {
    entry.state = 'completed';
    entry.rows = described.rows;
    entry.error = undefined;
    return;
  }
  entry.state = 'failed';
  entry.error =
    described.error ??
    (described.state === 'not_found' ? 'the backfill workflow no longer exists' : `the backfill workflow ended: ${described.state}`);
}
