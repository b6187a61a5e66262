/**
 * Pure decisions about what a source syncs, shared by the workflow (deterministic: no I/O here),
 * the activities and the client's validation.
 */
import { collections, streams } from '../catalog/collections';
import type { BackfillRequest, BackfillStatus, SourceConfig } from './types';

export const DEFAULT_INTERVAL_SECONDS = 3 * 60 * 60;
/**
 * Shortest interval the checks of runs before SETTINGS_BOUNDS_PATCH accept: below it a failing check
 * would continue-as-new in a hot loop. Fixed, for replay; current bounds are in config/settingBounds.ts.
 */
export const MIN_INTERVAL_SECONDS = 1;
/** Longest wait before a cycle whose check failed transiently (network, Zendesk 5xx, warehouse down) is retried. */
export const UNREACHABLE_RETRY_SECONDS = 5 * 60;
/** Finished backfills remembered in the status (running ones are always kept). */
export const MAX_REMEMBERED_BACKFILLS = 50;
export const DEFAULT_LOOKBACK_DAYS = 365;
export const DEFAULT_PARALLEL_STREAMS = 3;

const SOURCE_WORKFLOW_PREFIX = 'zendesk-source-';

export function workflowIdForSource(name: string): string {
  return `${SOURCE_WORKFLOW_PREFIX}${name}`;
}

/** `2024-01-01T00:00:00Z`: readable in the Web UI's workflow list, and safe in a shell. */
function idInstant(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A backfill child's workflow ID: the source's, the stream and the range, so the same request maps
 * to the same child (asking twice does not load twice), e.g.
 * `zendesk-source-acme/backfill/tickets/2024-01-01T00:00:00Z..2025-01-01T00:00:00Z`.
 * A request without `to` ends at `now` and its ID says so (`…/2024-01-01T00:00:00Z..now`): the
 * request time must not enter the ID, or repeating the same request would start a second load.
 */
export function workflowIdForBackfill(sourceWorkflowId: string, stream: string, from: number, to: number | 'now'): string {
  return `${sourceWorkflowId}/backfill/${stream}/${idInstant(from)}..${to === 'now' ? 'now' : idInstant(to)}`;
}

/**
 * How long to wait before the next cycle when the credential check failed for a transient reason:
 * soon (at most 5 minutes) rather than a whole interval, which is 3 hours by default.
 */
export function unreachableRetryMs(intervalMs: number): number {
  return Math.min(intervalMs, UNREACHABLE_RETRY_SECONDS * 1000);
}

/**
 * When the next cycle starts (epoch ms): `waitMs` after the previous cycle started, so start times
 * keep a steady rhythm instead of drifting by each cycle's length; at once (`nowMs`) when the previous
 * cycle ran longer than that. Without a previous start (none recorded yet), `waitMs` from now.
 */
export function nextCycleStartMs(previousStartMs: number | undefined, waitMs: number, nowMs: number): number {
  if (previousStartMs === undefined || !Number.isFinite(previousStartMs)) return nowMs + waitMs;
  return Math.max(nowMs, previousStartMs + waitMs);
}

/**
 * Keeps the workflow's backfill memory small across continue-as-new: every running backfill, and the
 * most recently requested `limit` finished ones (entries are kept in request order).
 */
export function pruneBackfills(backfills: Record<string, BackfillStatus>, limit = MAX_REMEMBERED_BACKFILLS): Record<string, BackfillStatus> {
  const entries = Object.entries(backfills);
  const finished = entries.filter(([, b]) => b.state !== 'running');
  const dropped = new Set(finished.slice(0, Math.max(0, finished.length - limit)).map(([id]) => id));
  if (dropped.size === 0) return backfills;
  return Object.fromEntries(entries.filter(([id]) => !dropped.has(id)));
}

/**
 * The source and collection a workflow ID belongs to, for log lines: `zendesk-source-<name>` and its
 * backfill children `zendesk-source-<name>/backfill/<stream>/<range>`.
 */
export function sourceOfWorkflowId(workflowId: string): { source: string; collection?: string } | undefined {
  if (!workflowId.startsWith(SOURCE_WORKFLOW_PREFIX)) return undefined;
  const [source, kind, stream] = workflowId.slice(SOURCE_WORKFLOW_PREFIX.length).split('/');
  if (!source) return undefined;
  return kind === 'backfill' && stream ? { source, collection: stream } : { source };
}

/** The ID of the activity that syncs a stream (shown in the Web UI, read back for log lines). */
export function activityIdForStream(stream: string): string {
  return `sync ${stream}`;
}

export function streamOfActivityId(activityId: string): string | undefined {
  return /^sync (\w+)$/.exec(activityId)?.[1];
}

/** "1h", "3h", "90m", "45s": a duration as people say it. */
export function humanDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function isCollectionEnabled(config: SourceConfig, collection: string): boolean {
  const entry = collections.find((c) => c.name === collection);
  if (!entry) return false;
  return config.collections?.[collection] ?? entry.enabledByDefault;
}

export function enabledCollections(config: SourceConfig): string[] {
  return collections.filter((c) => isCollectionEnabled(config, c.name)).map((c) => c.name);
}

/** Streams with at least one enabled table, in catalog order. */
export function enabledStreams(config: SourceConfig): string[] {
  const enabled = new Set(enabledCollections(config));
  return streams.filter((s) => collections.some((c) => c.stream === s.name && enabled.has(c.name))).map((s) => s.name);
}

/** Streams that can load a past time range: the incremental exports. Lists are read in full anyway. */
export function backfillableStreams(): string[] {
  return streams.filter((s) => s.style === 'cursor_export' || s.style === 'time_export').map((s) => s.name);
}

export function unknownCollections(names: string[]): string[] {
  return names.filter((n) => !collections.some((c) => c.name === n));
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
  const wanted = new Set(
    request.collections.map((name) => collections.find((c) => c.name === name)!.stream),
  );
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
