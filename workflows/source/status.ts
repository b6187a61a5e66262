/**
 * The source's status as the `status` query answers it, and publishing it where people look: the
 * search attributes of the Web UI's workflow list (only when the state changes) and the details panel.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { collections } from '../../catalog/collections';
import { isCollectionEnabled } from '../collectionSelection';
import { renderDetails } from '../present';
import { LAST_SUCCESS, ROWS_SYNCED, SOURCE_NAME, SYNC_STATE } from '../searchAttributes';
import type { CollectionStatus, SourceStatus } from '../types';
import type { SourceRun } from './run';

export function sourceStatus(run: SourceRun): SourceStatus {
  const { config, memory } = run;
  return {
    source: config.name,
    state: run.state,
    paused: memory.paused,
    cycle: memory.cycle,
    nextRunAt: run.nextRunAt,
    cycleStartedAt: run.cycleStartedAt,
    lastCycleStartedAt: memory.lastCycleStartedAt,
    credentialError: memory.credentialError,
    settingsError: memory.settingsError,
    unreachableError: memory.unreachableError,
    warnings: memory.warnings ?? [],
    lastCycle: memory.lastCycle,
    collections: collectionStatuses(run),
    streams: memory.streams,
    backfills: memory.backfills,
  };
}

function collectionStatuses(run: SourceRun): Record<string, CollectionStatus> {
  const statuses: Record<string, CollectionStatus> = {};
  for (const c of collections) {
    const stream = run.memory.streams[c.stream];
    statuses[c.name] = {
      enabled: isCollectionEnabled(run.config, c.name),
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
  return statuses;
}

/** Makes the state visible: search attributes (list view, only on change), details panel. */
export function publish(run: SourceRun): void {
  const { config, memory } = run;
  if (run.publishedState !== run.state) {
    upsertSearchAttributes([
      { key: SOURCE_NAME, value: String(config.name ?? '') },
      { key: SYNC_STATE, value: run.state },
      { key: ROWS_SYNCED, value: memory.totalRows },
      ...(memory.lastCycle && memory.lastCycle.failedStreams.length === 0 && !memory.lastCycle.interruptedBy
        ? [{ key: LAST_SUCCESS, value: new Date(memory.lastCycle.finishedAt) }]
        : []),
    ]);
    run.publishedState = run.state;
  }
  setCurrentDetails(renderDetails(sourceStatus(run)));
}

/** Stopped (`client.ts stop`, `temporal workflow cancel`): the list view must not say idle. */
export function publishStopped(run: SourceRun): void {
  run.state = 'stopped';
  run.nextRunAt = undefined;
  run.cycleStartedAt = undefined;
  run.publishedState = undefined;
  publish(run);
}
