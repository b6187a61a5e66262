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
import {
  CancellationScope,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { LAST_SUCCESS, ROWS_SYNCED, SOURCE_NAME, SYNC_STATE } from '../orchestration/searchAttributes';
import { collections } from '../catalog/collections';
import { PAUSE_WAITS_PATCH, checkActivities, syncActivities, temporalActivities } from './activityOptions';
import { rateSettingsProblems } from '../config/settingBounds';
import { backfillWorkflow } from './backfill';
import { referenceKind } from '../destinations/reference';
import {
  backfillFinishedSignal,
  backfillUpdate,
  pauseSignal,
  resumeSignal,
  setRateUpdate,
  statusQuery,
  syncNowSignal,
} from './messages';
import {
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_PARALLEL_STREAMS,
  enabledStreams,
  humanDuration,
  isCollectionEnabled,
  nextCycleStartMs,
  pruneBackfills,
  resolveBackfill,
  unreachableRetryMs,
  workflowIdForBackfill,
} from './plan';
import { SETTINGS_BOUNDS_PATCH, workflowSettingsProblems } from './settingsCheck';
import { checkFailureState, describeFailure, renderDetails } from './present';
import type {
  BackfillDescription,
  BackfillStatus,
  CollectionStatus,
  CycleSummary,
  RateSettings,
  SourceMemory,
  SourceState,
  SourceStatus,
  SourceWorkflowInput,
} from './types';

/**
 * Gates this version's behaviour, so runs recorded before it replay unchanged: settings validated in
 * the workflow; check failures told apart (credentials / settings / transient); a cycle cut short by
 * a pause or stop is not a success and a stopped source says `stopped`; backfills without `to` get an
 * ID without the request time; finished backfills are capped in memory; check warnings are kept.
 */
export const CYCLE_OUTCOMES_PATCH = 'v3-cycle-outcomes';
/**
 * Gates the steady rhythm: each cycle starts `intervalSeconds` after the previous one started (at
 * once if that one ran longer), not `intervalSeconds` after it ended.
 */
export const STEADY_RHYTHM_PATCH = 'v4-steady-rhythm';
/**
 * Gates asking Temporal (describeBackfill) about a backfill child that already exists but that the
 * source's memory does not know, instead of assuming it is running.
 */
export const BACKFILL_STATE_PATCH = 'v4-backfill-real-state';

export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const v3 = patched(CYCLE_OUTCOMES_PATCH);
  const steadyRhythm = patched(STEADY_RHYTHM_PATCH);
  const config = { ...input.config };
  const memory: SourceMemory = input.memory ?? { cycle: 0, paused: false, streams: {}, backfills: {}, totalRows: 0 };
  const workflowId = workflowInfo().workflowId;
  const intervalMs = (config.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  /** How this run's credential check ended; decides the state and the wait after the cycle. */
  // (`as`: runCycle assigns it, and TypeScript would otherwise narrow it to 'passed' for good.)
  let checkOutcome = 'passed' as 'passed' | ReturnType<typeof checkFailureState>;
  let state: SourceState = memory.paused ? 'paused' : 'starting';
  let syncRequested = false;
  let nextRunAt: string | undefined;
  let cycleStartedAt: string | undefined;
  let cycleScope: CancellationScope | undefined;
  let publishedState: SourceState | undefined;

  const status = (): SourceStatus => {
    const collectionStatus: Record<string, CollectionStatus> = {};
    for (const c of collections) {
      const stream = memory.streams[c.stream];
      collectionStatus[c.name] = {
        enabled: isCollectionEnabled(config, c.name),
        lastSuccessAt: stream?.lastSuccessAt,
        syncedThrough: stream?.syncedThrough === undefined ? undefined : new Date(stream.syncedThrough * 1000).toISOString(),
        // The stream's cursor survives a failed run unchanged, so it is the resume point either way.
        cursor: stream ? stream.cursor : undefined,
        lastRequests: stream?.lastSuccessAt ? stream.lastRequests : undefined,
        lastRows: stream?.lastSuccessAt ? (stream.rowsByTable?.[c.name] ?? 0) : undefined,
        lastError: stream?.lastError,
        skipped: stream?.skipped,
      };
    }
    return {
      source: config.name,
      state,
      paused: memory.paused,
      cycle: memory.cycle,
      nextRunAt,
      cycleStartedAt,
      lastCycleStartedAt: memory.lastCycleStartedAt,
      credentialError: memory.credentialError,
      settingsError: memory.settingsError,
      unreachableError: memory.unreachableError,
      warnings: memory.warnings ?? [],
      lastCycle: memory.lastCycle,
      collections: collectionStatus,
      streams: memory.streams,
      backfills: memory.backfills,
    };
  };

  /** Makes the state visible: search attributes (list view, only on change), details panel. */
  const publish = () => {
    if (publishedState !== state) {
      upsertSearchAttributes([
        { key: SOURCE_NAME, value: String(config.name ?? '') },
        { key: SYNC_STATE, value: state },
        { key: ROWS_SYNCED, value: memory.totalRows },
        ...(memory.lastCycle && memory.lastCycle.failedStreams.length === 0 && !memory.lastCycle.interruptedBy
          ? [{ key: LAST_SUCCESS, value: new Date(memory.lastCycle.finishedAt) }]
          : []),
      ]);
      publishedState = state;
    }
    setCurrentDetails(renderDetails(status()));
  };

  setHandler(statusQuery, status);
  setHandler(syncNowSignal, () => {
    syncRequested = true;
  });
  setHandler(pauseSignal, () => {
    memory.paused = true;
    cycleScope?.cancel();
  });
  setHandler(resumeSignal, () => {
    if (memory.paused) syncRequested = true;
    memory.paused = false;
  });
  setHandler(backfillFinishedSignal, ({ workflowId: childId, result, error }) => {
    const entry = memory.backfills[childId];
    if (!entry) return;
    entry.state = error ? 'failed' : 'completed';
    entry.rows = result?.rows;
    entry.error = error;
    log.info(`backfill ${entry.state}`, { source: config.name, collection: entry.stream, backfill: childId, rows: entry.rows ?? null, error: error ?? null });
    publish();
  });
  setHandler(
    setRateUpdate,
    (settings: RateSettings) => {
      config.rate = { ...config.rate, ...settings };
      return config.rate;
    },
    { validator: validateRate },
  );
  setHandler(
    backfillUpdate,
    async (request) => {
      const { streams, from, to, openEnded } = resolveBackfill(config, request, Date.now());
      const started: BackfillStatus[] = [];
      for (const stream of streams) {
        // The same request maps to the same child id: asking twice does not load twice. Without
        // `to` the range ends "now" and the ID says `..now`, not the request time; the range's end
        // is fixed by the first request and recorded in the entry.
        const childId =
          v3 && openEnded
            ? workflowIdForBackfill(workflowId, stream, from, 'now')
            : patched('readable-backfill-ids')
              ? workflowIdForBackfill(workflowId, stream, from, to)
              : `${workflowId}/backfill/${stream}/${from}-${to}`;
        const known = memory.backfills[childId];
        // Remembered as running: check, for a child that ends without reporting back (terminated,
        // timed out, or finished while no run of this source was open to hear it) stays "running"
        // in memory for good. One that is no longer running counts as failed and is started again.
        if (known?.state === 'running' && patched(BACKFILL_STATE_PATCH)) {
          applyDescription(known, await temporalActivities().describeBackfill(childId));
        }
        // Running or completed: the existing child is the answer (a completed one with its recorded
        // rows; a re-run needs a different range). Only a failed one is started again.
        if (known && known.state !== 'failed') {
          started.push(known);
          continue;
        }
        // A retried failure moves to the end: memory keeps the most recently requested backfills.
        if (v3) delete memory.backfills[childId];
        const entry: BackfillStatus = {
          workflowId: childId,
          stream,
          from: new Date(from * 1000).toISOString(),
          to: new Date(to * 1000).toISOString(),
          state: 'running',
        };
        // Recorded before the child starts: a quick child can finish and signal back in the same
        // activation that reports its start, and signals are handled first; the entry must exist.
        memory.backfills[childId] = entry;
        try {
          await startChild(backfillWorkflow, {
            workflowId: childId,
            args: [{ config, stream, from, to, parentWorkflowId: workflowId }],
            // The parent continues-as-new every cycle; the default TERMINATE would kill the child.
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            staticSummary: `backfill ${stream} ${entry.from.slice(0, 10)} → ${entry.to.slice(0, 10)}`,
          });
          log.info('backfill started', { source: config.name, collection: stream, backfill: childId });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
            delete memory.backfills[childId];
            if (known) memory.backfills[childId] = known;
            throw err;
          }
          // Started before, by a run whose memory is gone (the source was stopped and started again,
          // or the finished entry was pruned). The reuse policy allows a new start only after a
          // failure, so the child is running or completed: ask Temporal which, and with what result.
          // (Before this patch it was assumed to be running, and a completed one stayed so forever.)
          if (patched(BACKFILL_STATE_PATCH)) {
            let described: BackfillDescription;
            try {
              described = await temporalActivities().describeBackfill(childId);
            } catch (describeErr) {
              // Unanswered, the entry would claim "running" for good: forget it, the next request asks again.
              delete memory.backfills[childId];
              if (known) memory.backfills[childId] = known;
              throw describeErr;
            }
            applyDescription(entry, described);
            log.info(`backfill found ${described.state}`, { source: config.name, collection: stream, backfill: childId, rows: entry.rows ?? null });
          }
          // Still running: it reports back by signal (to this workflow ID, so to whichever run is current).
        }
        started.push(entry);
      }
      publish();
      return started;
    },
    {
      validator: (request) => {
        resolveBackfill(config, request, Date.now());
      },
    },
  );

  upsertMemo({
    source: config.name,
    account: config.subdomain ? `${config.subdomain}.zendesk.com` : config.baseUrl,
    destination: typeof config.destination === 'string' ? referenceKind(config.destination) : undefined,
  });

  try {
    const settingsProblems = v3 ? workflowSettingsProblems(config, { strict: patched(SETTINGS_BOUNDS_PATCH) }) : [];
    if (settingsProblems.length) {
      memory.settingsError = `invalid source settings: ${settingsProblems.join('; ')}`;
      checkOutcome = 'settings_invalid';
      log.warn('source settings cannot work; waiting for a sync-now after they are fixed (stop and start the source with corrected settings)', {
        source: config.name ?? null,
        collection: null,
        error: memory.settingsError,
      });
    } else if (!memory.paused) {
      await runCycle();
    }

    // Wait for the interval, a sync-now, or (while paused) a resume.
    for (;;) {
      if (memory.paused) {
        state = 'paused';
        nextRunAt = undefined;
        publish();
        await condition(() => !memory.paused);
        break;
      }
      if (checkOutcome === 'settings_invalid') {
        // No timer: waiting longer fixes nothing, and a timer with a broken interval would loop.
        state = 'settings_invalid';
        nextRunAt = undefined;
        publish();
        await condition(() => syncRequested || memory.paused);
      } else {
        const waitMs = checkOutcome === 'unreachable' ? unreachableRetryMs(intervalMs) : intervalMs;
        if (v3) state = checkOutcome === 'passed' ? 'idle' : checkOutcome;
        else state = memory.credentialError ? 'credentials_invalid' : 'idle';
        const nowMs = Date.now();
        // Counted from the start of the cycle that just ran, so start times do not drift by the
        // cycles' lengths; a cycle that ran longer than the interval is followed at once.
        const startAtMs = steadyRhythm
          ? nextCycleStartMs(memory.lastCycleStartedAt === undefined ? undefined : Date.parse(memory.lastCycleStartedAt), waitMs, nowMs)
          : nowMs + waitMs;
        nextRunAt = new Date(startAtMs).toISOString();
        publish();
        const summary = !steadyRhythm
          ? checkOutcome === 'unreachable'
            ? `retry in ${humanDuration(waitMs / 1000)} after a transient failure (or on sync-now)`
            : `next cycle in ${humanDuration(waitMs / 1000)} (or on sync-now)`
          : checkOutcome === 'unreachable'
            ? `retry in ${humanDuration(waitMs / 1000)} from the failed cycle's start, at ${nextRunAt} (or on sync-now)`
            : `next cycle in ${humanDuration(waitMs / 1000)} from the last start, at ${nextRunAt} (or on sync-now)`;
        // A sync-now that arrived during the cycle is honoured: it asked for data newer than that cycle.
        if (startAtMs > nowMs) await condition(() => syncRequested || memory.paused, startAtMs - nowMs, { summary });
      }
      if (!memory.paused) break;
    }

    await condition(allHandlersFinished);
  } catch (err) {
    // Stopped (`client.ts stop`, `temporal workflow cancel`): the list view must not say idle.
    if (v3 && isCancellation(err)) {
      state = 'stopped';
      nextRunAt = undefined;
      cycleStartedAt = undefined;
      publishedState = undefined;
      publish();
    }
    throw err;
  }
  if (v3) memory.backfills = pruneBackfills(memory.backfills);
  await continueAsNew<typeof sourceWorkflow>({ config, memory });

  async function runCycle(): Promise<void> {
    syncRequested = false;
    memory.cycle++;
    if (steadyRhythm) {
      // The rhythm's anchor: the next cycle starts an interval after this moment.
      memory.lastCycleStartedAt = new Date().toISOString();
      nextRunAt = new Date(Date.now() + intervalMs).toISOString();
    }
    const runTag = `${config.name}#${memory.cycle}`;
    state = 'checking';
    publish();
    try {
      const checked = await checkActivities(config).checkSource(config);
      memory.credentialError = undefined;
      if (v3) {
        memory.settingsError = undefined;
        memory.unreachableError = undefined;
        // Once per cycle: e.g. that API tokens are a legacy sign-in Zendesk may turn off.
        memory.warnings = checked.warnings.slice(0, 10);
        for (const warning of memory.warnings) log.warn('credential check warning', { source: config.name, collection: null, warning });
      }
    } catch (err) {
      if (!v3) {
        memory.credentialError = describeFailure(err);
        log.warn('credential check failed; waiting for the next cycle or a sync-now', { source: config.name, collection: null, error: memory.credentialError });
        state = 'credentials_invalid';
        publish();
        return;
      }
      if (isCancellation(err)) throw err;
      const error = describeFailure(err);
      checkOutcome = checkFailureState(err);
      memory.credentialError = checkOutcome === 'credentials_invalid' ? error : undefined;
      memory.settingsError = checkOutcome === 'settings_invalid' ? error : undefined;
      memory.unreachableError = checkOutcome === 'unreachable' ? error : undefined;
      const next = {
        credentials_invalid: 'waiting for the next cycle or a sync-now',
        settings_invalid: 'waiting for a sync-now after the settings or the worker environment are fixed',
        unreachable: 'retrying soon',
      }[checkOutcome];
      log.warn(`credential check failed (${checkOutcome}); ${next}`, { source: config.name, collection: null, error });
      state = checkOutcome;
      publish();
      return;
    }

    const startedAt = new Date().toISOString();
    log.info('cycle started', { source: config.name, collection: null, cycle: memory.cycle });
    cycleStartedAt = startedAt;
    state = 'syncing';
    publish();
    const failedStreams: string[] = [];
    const finishedStreams = new Set<string>();
    let interruptedBy: CycleSummary['interruptedBy'];
    let interruption: unknown;
    let rows = 0;
    const queue = [...enabledStreams(config)];
    const runStream = async (stream: string) => {
      const previous = memory.streams[stream] ?? { cursor: null };
      try {
        const result = await syncActivities(config, `sync ${stream}`, stream).syncStream({
          config,
          stream,
          cursor: previous.cursor,
          mode: 'incremental',
          runTag,
        });
        rows += result.rows;
        memory.streams[stream] = {
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
        finishedStreams.add(stream);
        log.info('stream synced', { source: config.name, collection: stream, rows: result.rows, pages: result.pages, requests: result.requests, skipped: result.skipped ?? null });
      } catch (err) {
        if (isCancellation(err)) throw err;
        failedStreams.push(stream);
        finishedStreams.add(stream);
        const lastError = describeFailure(err);
        memory.streams[stream] = { ...previous, lastError };
        log.warn('stream failed this cycle; it retries next cycle from its last committed page', { source: config.name, collection: stream, error: lastError });
      }
      publish();
    };
    try {
      await CancellationScope.cancellable(async () => {
        cycleScope = CancellationScope.current();
        const lanes = Array.from({ length: config.parallelStreams ?? DEFAULT_PARALLEL_STREAMS }, async () => {
          for (let stream = queue.shift(); stream; stream = queue.shift()) await runStream(stream);
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
      if (v3) {
        interruptedBy = CancellationScope.current().consideredCancelled ? 'stop' : 'pause';
        interruption = err;
      }
    } finally {
      cycleScope = undefined;
    }
    memory.totalRows += rows;
    const summary: CycleSummary = { startedAt, finishedAt: new Date().toISOString(), rows, failedStreams };
    if (interruptedBy) {
      summary.interruptedBy = interruptedBy;
      summary.unfinishedStreams = enabledStreams(config).filter((s) => !finishedStreams.has(s));
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
    cycleStartedAt = undefined;
    // A stop ends the workflow: the caller's handler publishes `stopped`.
    if (interruptedBy === 'stop') throw interruption;
    state = 'idle';
    publishedState = undefined; // force the list view to pick up last-success and row counts
    publish();
  }
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
  entry.error = described.error ?? (described.state === 'not_found' ? 'the backfill workflow no longer exists' : `the backfill workflow ended: ${described.state}`);
}

function validateRate(settings: RateSettings): void {
  // The same bounds as the settings schema (config/settingBounds.ts).
  const problems = rateSettingsProblems(settings);
  if (problems.length) throw new Error(problems.join('; '));
}
