/**
 * One workflow per Zendesk account. Each run is one cycle: check credentials, sync every enabled
 * stream (bounded parallelism, one failure does not stop the others), wait for the interval or a
 * signal, then continue-as-new carrying cursors and status, so history stays small forever.
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
import { checkActivities, syncActivities } from './activityOptions';
import { backfillWorkflow } from './backfill';
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
  resolveBackfill,
  workflowIdForBackfill,
} from './plan';
import { describeFailure, renderDetails } from './present';
import type {
  BackfillStatus,
  CollectionStatus,
  RateSettings,
  SourceMemory,
  SourceState,
  SourceStatus,
  SourceWorkflowInput,
} from './types';

export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const config = { ...input.config };
  const memory: SourceMemory = input.memory ?? { cycle: 0, paused: false, streams: {}, backfills: {}, totalRows: 0 };
  const workflowId = workflowInfo().workflowId;
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
      credentialError: memory.credentialError,
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
        { key: SOURCE_NAME, value: config.name },
        { key: SYNC_STATE, value: state },
        { key: ROWS_SYNCED, value: memory.totalRows },
        ...(memory.lastCycle && memory.lastCycle.failedStreams.length === 0
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
      const { streams, from, to } = resolveBackfill(config, request, Date.now());
      const started: BackfillStatus[] = [];
      for (const stream of streams) {
        // The same request maps to the same child id: asking twice does not load twice.
        const childId = patched('readable-backfill-ids')
          ? workflowIdForBackfill(workflowId, stream, from, to)
          : `${workflowId}/backfill/${stream}/${from}-${to}`;
        const known = memory.backfills[childId];
        if (known && known.state !== 'failed') {
          started.push(known);
          continue;
        }
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
          // Started before (by an earlier run of this workflow): it reports back by signal.
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
    destination: config.destination.split(':')[0],
  });

  if (!memory.paused) await runCycle();

  // Wait for the interval, a sync-now, or (while paused) a resume.
  const intervalMs = (config.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  for (;;) {
    if (memory.paused) {
      state = 'paused';
      nextRunAt = undefined;
      publish();
      await condition(() => !memory.paused);
      break;
    }
    state = memory.credentialError ? 'credentials_invalid' : 'idle';
    nextRunAt = new Date(Date.now() + intervalMs).toISOString();
    publish();
    // A sync-now that arrived during the cycle is honoured: it asked for data newer than that cycle.
    await condition(() => syncRequested || memory.paused, intervalMs, { summary: `next cycle in ${humanDuration(intervalMs / 1000)} (or on sync-now)` });
    if (!memory.paused) break;
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof sourceWorkflow>({ config, memory });

  async function runCycle(): Promise<void> {
    syncRequested = false;
    memory.cycle++;
    const runTag = `${config.name}#${memory.cycle}`;
    state = 'checking';
    publish();
    try {
      await checkActivities(config).checkSource(config);
      memory.credentialError = undefined;
    } catch (err) {
      memory.credentialError = describeFailure(err);
      log.warn('credential check failed; waiting for the next cycle or a sync-now', { source: config.name, collection: null, error: memory.credentialError });
      state = 'credentials_invalid';
      publish();
      return;
    }

    const startedAt = new Date().toISOString();
    log.info('cycle started', { source: config.name, collection: null, cycle: memory.cycle });
    cycleStartedAt = startedAt;
    state = 'syncing';
    publish();
    const failedStreams: string[] = [];
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
        log.info('stream synced', { source: config.name, collection: stream, rows: result.rows, pages: result.pages, requests: result.requests, skipped: result.skipped ?? null });
      } catch (err) {
        if (isCancellation(err)) throw err;
        failedStreams.push(stream);
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
        await Promise.all(lanes);
      });
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // Paused mid-cycle: committed pages are in the warehouse and their cursors in its state table.
    } finally {
      cycleScope = undefined;
    }
    memory.totalRows += rows;
    memory.lastCycle = { startedAt, finishedAt: new Date().toISOString(), rows, failedStreams };
    log.info('cycle finished', { source: config.name, collection: null, cycle: memory.cycle, rows, failedStreams });
    cycleStartedAt = undefined;
    state = 'idle';
    publishedState = undefined; // force the list view to pick up last-success and row counts
    publish();
  }
}

function validateRate(settings: RateSettings): void {
  const positive = (v: unknown, name: string) => {
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) throw new Error(`${name} must be a positive number`);
  };
  positive(settings.corePerMinute, 'corePerMinute');
  positive(settings.exportPerMinute, 'exportPerMinute');
  positive(settings.windowMs, 'windowMs');
  if (settings.share !== undefined && !(settings.share > 0 && settings.share <= 1)) {
    throw new Error('share must be in (0, 1]');
  }
}
