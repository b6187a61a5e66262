/**
 * Backfills as the source workflow plans them: what a request resolves to (streams and an epoch
 * range, or a message for the operator), which streams can load a past range, and which finished
 * backfills the source keeps remembering. Pure, so the workflow can use it.
 */
import { collections, streams } from '../catalog/collections';
import { enabledStreams, unknownCollections } from './collectionSelection';
import type { BackfillRequest, BackfillStatus, SourceConfig } from './types';

/** Finished backfills remembered in the status (running ones are always kept). */
export const MAX_REMEMBERED_BACKFILLS = 50;

/**
 * Keeps the workflow's backfill memory small across continue-as-new: every running backfill, and the
 * most recently requested `limit` finished ones (entries are kept in request order).
 */
export function pruneBackfills(
  backfills: Record<string, BackfillStatus>,
  limit = MAX_REMEMBERED_BACKFILLS,
): Record<string, BackfillStatus> {
  const entries = Object.entries(backfills);
  const finished = entries.filter(([, b]) => b.state !== 'running');
  const dropped = new Set(finished.slice(0, Math.max(0, finished.length - limit)).map(([id]) => id));
  if (dropped.size === 0) return backfills;
  return Object.fromEntries(entries.filter(([id]) => !dropped.has(id)));
}

/** Streams that can load a past time range: the incremental exports. Lists are read in full anyway. */
export function backfillableStreams(): string[] {
  return streams.filter((s) => s.style === 'cursor_export' || s.style === 'time_export').map((s) => s.name);
}

/**
 * Checks a backfill request and resolves it to streams and an epoch range. Throws a message meant
 * for the operator. `nowMs` comes from the caller (workflow time inside a workflow).
 */
export function resolveBackfill(
  config: SourceConfig,
  request: BackfillRequest,
  nowMs: number,
): { streams: string[]; from: number; to: number; openEnded: boolean } {
  if (!request || !Array.isArray(request.collections) || request.collections.length === 0) {
    throw new Error('backfill needs "collections": a non-empty list, e.g. ["tickets"]');
  }
  const unknown = unknownCollections(request.collections);
  if (unknown.length) throw new Error(`unknown collections: ${unknown.join(', ')}`);
  const from = parseInstant(request.from, 'from');
  const to = request.to === undefined ? Math.floor(nowMs / 1000) - 60 : parseInstant(request.to, 'to');
  if (from >= to) throw new Error(`"from" (${request.from}) must be before "to" (${request.to ?? 'now'})`);
  if (to > Math.floor(nowMs / 1000)) throw new Error('"to" cannot be in the future');
  const wanted = new Set(request.collections.map((name) => collections.find((c) => c.name === name)!.stream));
  const chosen = backfillableStreams().filter((s) => wanted.has(s));
  const notBackfillable = [...wanted].filter((s) => !chosen.includes(s));
  if (notBackfillable.length) {
    throw new Error(
      `cannot backfill ${notBackfillable.join(', ')}: those are read in full every cycle; ` +
        `backfillable: ${backfillableStreams().join(', ')} (and the tables they feed)`,
    );
  }
  const disabled = chosen.filter((s) => !enabledStreams(config).includes(s));
  if (disabled.length) throw new Error(`collections of ${disabled.join(', ')} are turned off for this source`);
  return { streams: chosen, from, to, openEnded: request.to === undefined };
}

function parseInstant(value: unknown, field: string): number {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`"${field}" must be an ISO date, e.g. 2020-01-01`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`"${field}" is not a date: ${value}`);
  return Math.floor(ms / 1000);
}
