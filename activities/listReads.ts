/**
 * Lists Zendesk lets filter by time, or read newest first down to a time (the catalog's
 * `incrementalFilter`): whether this run reads the whole list (a reconciliation, which settles
 * deletions) or only what changed since the last complete read (which deletes nothing), decided from
 * the warehouse's own state so no workflow change is needed.
 *
 * The state table holds, per stream, when the last complete read and the last complete full read
 * began (`list_read:<stream>`). A run reads in full when there is no complete full read yet or when
 * the last one began at least `reconcileEveryHours` ago; otherwise it asks for the records from the
 * last complete read's start minus the filter's overlap. The plan travels in the heartbeat, so a
 * retry continues the same read (same filter, same start) rather than deciding again.
 */
import { collectionsOfStream } from '../catalog/collections';
import type { StreamSpec } from '../catalog/types';
import type { SourceConfig, SyncStreamInput } from '../workflows/types';

/** Hours between reconciliations when the source does not set `reconcileEveryHours`. */
export const DEFAULT_RECONCILE_EVERY_HOURS = 24;

export function listReadStateKey(stream: string): string {
  return `list_read:${stream}`;
}

/** What the state table holds for a time-filtered list (epoch seconds). */
export interface ListReadState {
  /** Start of the last read (full or filtered) that reached the list's last page. */
  lastReadStartedAt: number;
  /** Start of the last full read that reached the last page and settled deletions. */
  lastFullReadStartedAt?: number;
}

/** How this run reads the list; carried in the heartbeat. */
export interface ListReadPlan {
  /** true: the whole list (a reconciliation); false: only records from `since` on. */
  full: boolean;
  /** The filter's lower bound (epoch seconds), for a filtered read. */
  since?: number;
  /** When the read began (epoch seconds): recorded once it reaches the last page. */
  startedAt: number;
}

export function parseListReadState(text: string | null): ListReadState | null {
  if (!text) return null;
  const parsed = JSON.parse(text) as Partial<ListReadState>;
  return typeof parsed.lastReadStartedAt === 'number' ? (parsed as ListReadState) : null;
}

/**
 * Lists with no time filter that the source reads only on reconciliations (its setting
 * `reconciliationOnly` names one of their collections): between them such a list is not read at all.
 */
export function readsOnlyOnReconciliation(stream: StreamSpec, config: Pick<SourceConfig, 'reconciliationOnly'>): boolean {
  if (!stream.fullRefresh || stream.incrementalFilter) return false;
  const named = new Set(config.reconciliationOnly ?? []);
  return collectionsOfStream(stream.name).some((c) => named.has(c.name));
}

/** Whether a run of this stream in this mode reads by the list-read plan at all. */
export function usesListReadPlan(
  stream: StreamSpec,
  mode: SyncStreamInput['mode'],
  config: Pick<SourceConfig, 'reconciliationOnly'> = {},
): boolean {
  if (!stream.fullRefresh || mode !== 'incremental') return false;
  return (stream.incrementalFilter !== undefined && !stream.perParent) || readsOnlyOnReconciliation(stream, config);
}

/**
 * The plan of a fresh read (not a retry) starting at `nowSeconds`. For a list with no filter (read
 * only on reconciliations) a plan that is not full means: not due, nothing to read this cycle.
 */
export function planListRead(
  stream: StreamSpec,
  state: ListReadState | null,
  reconcileEveryHours: number | undefined,
  nowSeconds: number,
): ListReadPlan {
  const every = (reconcileEveryHours ?? DEFAULT_RECONCILE_EVERY_HOURS) * 3600;
  const lastFull = state?.lastFullReadStartedAt;
  if (!state || lastFull === undefined || nowSeconds - lastFull >= every) return { full: true, startedAt: nowSeconds };
  const overlap = stream.incrementalFilter?.overlapSeconds ?? 0;
  return { full: false, since: Math.max(0, state.lastReadStartedAt - overlap), startedAt: nowSeconds };
}

/** A plan that reads nothing: a list read only on reconciliations, between two of them. */
export function isNotDue(stream: StreamSpec, plan: ListReadPlan | undefined): boolean {
  return plan !== undefined && !plan.full && !stream.incrementalFilter;
}

/**
 * The state after a read that reached the last page. A full read counts as a reconciliation only when
 * it settled deletions (`settled`); otherwise the last reconciliation stays as it was, so the next
 * cycle reads in full again.
 */
export function stateAfterRead(previous: ListReadState | null, plan: ListReadPlan, settled: boolean): ListReadState {
  const lastFull = plan.full && settled ? plan.startedAt : previous?.lastFullReadStartedAt;
  return { lastReadStartedAt: plan.startedAt, ...(lastFull === undefined ? {} : { lastFullReadStartedAt: lastFull }) };
}
