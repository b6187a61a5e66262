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
  isCollectionEnabled,
  resolveBackfill,
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
        const childId = `${workflowId}/backfill/${stream}/${from}-${to}`;
        const entry: BackfillStatus = memory.backfills[childId] ?? {
          workflowId: childId,
          stream,
          from: new Date(from * 1000).toISOString(),
          to: new Date(to * 1000).toISOString(),
          state: 'running',
        };
        if (memory.backfills[childId]?.state !== 'failed' && memory.backfills[childId]) {
          started.push(entry);
          continue;
        }
        try {
          await startChild(backfillWorkflow, {
            workflowId: childId,
            args: [{ config, stream, from, to, parentWorkflowId: workflowId }],
            // The parent continues-as-new every cycle; the default TERMINATE would kill the child.
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            staticSummary: `backfill ${stream} ${entry.from.slice(0, 10)} → ${entry.to.slice(0, 10)}`,
          });
          entry.state = 'running';
          entry.error = undefined;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // Started before (by an earlier run of this workflow): it reports back by signal.
        }
        memory.backfills[childId] = entry;
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
    await condition(() => syncRequested || memory.paused, intervalMs);
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
      state = 'credentials_invalid';
      publish();
      return;
    }

    const startedAt = new Date().toISOString();
    cycleStartedAt = startedAt;
    state = 'syncing';
    publish();
    const failedStreams: string[] = [];
    let rows = 0;
    const queue = [...enabledStreams(config)];
    const runStream = async (stream: string) => {
      const previous = memory.streams[stream] ?? { cursor: null };
      try {
        const result = await syncActivities(config, `sync ${stream}`).syncStream({
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
          lastRows: result.rows,
          rowsByTable: result.rowsByTable,
          lastPages: result.pages,
          lastRequests: result.requests,
          skipped: result.skipped,
          warnings: result.warnings.slice(0, 10),
        };
      } catch (err) {
        if (isCancellation(err)) throw err;
        failedStreams.push(stream);
        memory.streams[stream] = { ...previous, lastError: describeFailure(err) };
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
