/**
 * One cycle: check the credentials, then sync every enabled stream in `parallelStreams` lanes (one
 * failure does not stop the others), and record the cycle's summary. A pause or stop cancels the
 * cycle at the streams' next page boundary; such a cycle is not a success.
 */
import { CancellationScope, isCancellation, log, patched } from '@temporalio/workflow';
import { PAUSE_WAITS_PATCH, syncActivities } from '../activityOptions';
import { enabledStreams } from '../collectionSelection';
import { describeFailure } from '../present';
import { DEFAULT_PARALLEL_STREAMS } from '../syncDefaults';
import type { CycleSummary, StreamResult, StreamStatus, SyncStreamInput } from '../types';
import { credentialsPass } from './check';
import type { SourceRun } from './run';
import { publish } from './status';

/** What the streams of the running cycle have done so far. */
interface CycleProgress {
  readonly runTag: string;
  readonly failedStreams: string[];
  readonly finishedStreams: Set<string>;
  rows: number;
}

/** A pause or stop that cancelled the cycle, and the cancellation to rethrow for a stop. */
interface Interruption {
  by: NonNullable<CycleSummary['interruptedBy']>;
  error: unknown;
}

export async function runCycle(run: SourceRun): Promise<void> {
  const { config, memory } = run;
  run.syncRequested = false;
  memory.cycle++;
  if (run.patches.steadyRhythm) {
    // The rhythm's anchor: the next cycle starts an interval after this moment.
    memory.lastCycleStartedAt = new Date().toISOString();
    run.nextRunAt = new Date(Date.now() + run.intervalMs).toISOString();
  }
  const runTag = `${config.name}#${memory.cycle}`;
  run.state = 'checking';
  publish(run);
  if (!(await credentialsPass(run))) return;

  const startedAt = new Date().toISOString();
  log.info('cycle started', { source: config.name, collection: null, cycle: memory.cycle });
  run.cycleStartedAt = startedAt;
  run.state = 'syncing';
  publish(run);
  const progress: CycleProgress = { runTag, failedStreams: [], finishedStreams: new Set(), rows: 0 };
  const interruption = await syncStreams(run, progress);
  finishCycle(run, startedAt, progress, interruption?.by);
  // A stop ends the workflow: the caller's handler publishes `stopped`.
  if (interruption?.by === 'stop') throw interruption.error;
  run.state = 'idle';
  run.publishedState = undefined; // force the list view to pick up last-success and row counts
  publish(run);
}

/** Syncs the enabled streams in lanes; the interruption, if a pause or stop cancelled them. */
async function syncStreams(run: SourceRun, progress: CycleProgress): Promise<Interruption | undefined> {
  const queue = [...enabledStreams(run.config)];
  try {
    await CancellationScope.cancellable(async () => {
      run.cycleScope = CancellationScope.current();
      const lanes = Array.from({ length: run.config.parallelStreams ?? DEFAULT_PARALLEL_STREAMS }, async () => {
        for (let stream = queue.shift(); stream; stream = queue.shift()) await syncOneStream(run, stream, progress);
      });
      if (patched(PAUSE_WAITS_PATCH)) {
        // Every lane, not just the first to see the pause: until each stream activity has ended
        // (cancelled at its page boundary), the source is not paused, nor stopped.
        const ended = await Promise.allSettled(lanes);
        const failed = ended.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
        if (failed) throw failed.reason;
      } else {
        await Promise.all(lanes);
      }
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Paused or stopped mid-cycle: committed pages are in the warehouse and their cursors in its
    // state table; the next cycle resumes from them. The cycle itself is not a success.
    if (run.patches.cycleOutcomes) return { by: CancellationScope.current().consideredCancelled ? 'stop' : 'pause', error: err };
  } finally {
    run.cycleScope = undefined;
  }
  return undefined;
}

/** One stream's run in this cycle: its new cursor on success; on failure the old one, and the error. */
async function syncOneStream(run: SourceRun, stream: string, progress: CycleProgress): Promise<void> {
  const { config, memory } = run;
  const previous = memory.streams[stream] ?? { cursor: null };
  try {
    const input: SyncStreamInput = { config, stream, cursor: previous.cursor, mode: 'incremental', runTag: progress.runTag };
    const result = run.route
      ? await run.route.onHost((host) => syncActivities(config, `sync ${stream}`, stream, host).syncStream(input))
      : await syncActivities(config, `sync ${stream}`, stream).syncStream(input);
    progress.rows += result.rows;
    memory.streams[stream] = streamSucceeded(previous, result);
    progress.finishedStreams.add(stream);
    log.info('stream synced', {
      source: config.name,
      collection: stream,
      rows: result.rows,
      pages: result.pages,
      requests: result.requests,
      skipped: result.skipped ?? null,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    progress.failedStreams.push(stream);
    progress.finishedStreams.add(stream);
    const lastError = describeFailure(err);
    memory.streams[stream] = { ...previous, lastError };
    log.warn('stream failed this cycle; it retries next cycle from its last committed page', {
      source: config.name,
      collection: stream,
      error: lastError,
    });
  }
  publish(run);
}

function streamSucceeded(previous: StreamStatus, result: StreamResult): StreamStatus {
  return {
    cursor: result.cursor,
    lastSuccessAt: new Date().toISOString(),
    syncedThrough: result.syncedThrough ?? previous.syncedThrough,
    lastRows: result.rows,
    rowsByTable: result.rowsByTable,
    lastPages: result.pages,
    lastRequests: result.requests,
    skipped: result.skipped,
    warnings: result.warnings.slice(0, 10),
  };
}

/** Counts the cycle's rows and records its summary (memory.lastCycle) and log line. */
function finishCycle(run: SourceRun, startedAt: string, progress: CycleProgress, interruptedBy: CycleSummary['interruptedBy']): void {
  const { config, memory } = run;
  const { rows, failedStreams } = progress;
  memory.totalRows += rows;
  const summary: CycleSummary = { startedAt, finishedAt: new Date().toISOString(), rows, failedStreams };
  if (interruptedBy) {
    summary.interruptedBy = interruptedBy;
    summary.unfinishedStreams = enabledStreams(config).filter((s) => !progress.finishedStreams.has(s));
  }
  memory.lastCycle = summary;
  log.info(interruptedBy ? `cycle interrupted by ${interruptedBy}` : 'cycle finished', {
    source: config.name,
    collection: null,
    cycle: memory.cycle,
    rows,
    failedStreams,
    unfinishedStreams: summary.unfinishedStreams ?? null,
  });
  run.cycleStartedAt = undefined;
}
