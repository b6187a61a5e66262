/**
 * From what Zendesk says and what the warehouse holds to a difference and its likely causes. Pure:
 * every input is an observation made by `run.ts`, so the rules are unit-tested on their own.
 */

/** Zendesk refreshes counts above this only once a day (Count Tickets/Users/Organizations docs). */
export const ZENDESK_EXACT_COUNT_LIMIT = 100_000;

/** At most this many ids of each side are listed in a report. */
export const LISTED_IDS = 20;

export interface VerifyRow {
  collection: string;
  /** How Zendesk's side was read: its count endpoint, a full read of its ids, or not at all. */
  method: 'count' | 'ids' | 'none';
  zendesk?: number;
  /** Rows the warehouse holds that Zendesk also counts (deleted rows left out for the count endpoints). */
  warehouse?: number;
  /** Warehouse rows of deleted records (kept with their deletion marker); not compared. */
  warehouseDeleted?: number;
  /** Zendesk has them, the warehouse does not (exact for id reads; the net shortfall for counts). */
  missing?: number;
  /** The warehouse has them, Zendesk does not (exact for id reads; the net surplus for counts). */
  extra?: number;
  missingIds?: string[];
  extraIds?: string[];
  /** Likely causes of the difference, the most likely first; empty when there is none. */
  causes: string[];
  /** Why the collection was not compared (skipped, not available, over the request cap, …). */
  note?: string;
  /**
   * The difference is what Zendesk documents, not a gap: activities older than Zendesk's 30 days are
   * no longer listed while the warehouse keeps them. Not counted among the differences.
   */
  expected?: boolean;
  /** Zendesk requests spent on this collection (retries included). */
  requests: number;
}

/** A backfill that would close a lookback gap: the same request `client.ts backfill` sends. */
export interface RepairBackfill {
  collections: string[];
  from: string;
  to: string;
}

/** `2024-05-01T10:00:00.000Z` → `2024-05-01T10:00:00Z`. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function isoDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

export function backfillCommand(source: string, repair: RepairBackfill): string {
  return `client.ts backfill ${source} --collections ${repair.collections.join(',')} --from ${repair.from} --to ${repair.to}`;
}

export interface CountObservation {
  source: string;
  collection: string;
  zendesk: { value: number; refreshedAt: string | null };
  warehouse: { live: number; deleted: number };
  /** How the warehouse marks a record Zendesk deleted, e.g. "status = deleted". */
  deletionMarker: string;
  /** ISO time up to which the warehouse holds the collection's changes (from the source's status). */
  syncedThrough?: string;
  /**
   * Exports whose first sync started a number of days back (tickets): where the warehouse's history
   * begins, the oldest record Zendesk has (epoch seconds), and whether a finished backfill already
   * covers the range between them.
   */
  lookback?: { start: number; oldestInZendesk?: number; coveredByBackfill: boolean };
  requests: number;
}

export interface CountDiagnosis {
  row: VerifyRow;
  repair?: RepairBackfill;
}

/** Whether Zendesk's number may lag behind its data: cached daily above 100,000, or being refreshed. */
function approximateNote(observation: CountObservation): string | undefined {
  const { value, refreshedAt } = observation.zendesk;
  if (refreshedAt === null)
    return `approximate count (refreshed_at null: Zendesk is refreshing it, the value is capped at ${ZENDESK_EXACT_COUNT_LIMIT.toLocaleString('en-US')})`;
  if (value >= ZENDESK_EXACT_COUNT_LIMIT)
    return `approximate count (refreshed_at ${refreshedAt}: Zendesk refreshes counts above ${ZENDESK_EXACT_COUNT_LIMIT.toLocaleString('en-US')} once a day)`;
  if (observation.syncedThrough && Date.parse(refreshedAt) < Date.parse(observation.syncedThrough)) {
    return `approximate count (refreshed_at ${refreshedAt}, older than the warehouse's data)`;
  }
  return undefined;
}

function notSyncedYet(syncedThrough: string | undefined): string {
  return syncedThrough
    ? `not synced yet since ${syncedThrough}: created or changed in Zendesk after the last sync; the next cycle brings it`
    : 'not synced yet: the collection has no successful sync';
}

/** A count endpoint's number against the warehouse's rows of records that are not deleted. */
export function diagnoseCount(observation: CountObservation): CountDiagnosis {
  const difference = observation.warehouse.live - observation.zendesk.value;
  const row: VerifyRow = {
    collection: observation.collection,
    method: 'count',
    zendesk: observation.zendesk.value,
    warehouse: observation.warehouse.live,
    warehouseDeleted: observation.warehouse.deleted,
    missing: Math.max(0, -difference),
    extra: Math.max(0, difference),
    causes: [],
    requests: observation.requests,
  };
  if (difference === 0) return { row };
  const approximate = approximateNote(observation);
  const capped = observation.zendesk.refreshedAt === null || observation.zendesk.value >= ZENDESK_EXACT_COUNT_LIMIT;
  // A capped or day-old count explains any difference first; otherwise it is a last resort.
  if (approximate && capped) row.causes.push(approximate);
  let repair: RepairBackfill | undefined;
  if (difference < 0) {
    const lookback = observation.lookback;
    const olderRecordsExist =
      lookback && lookback.start > 0 && (lookback.oldestInZendesk === undefined || lookback.oldestInZendesk < lookback.start);
    if (lookback && olderRecordsExist && !lookback.coveredByBackfill) {
      repair = {
        collections: [observation.collection],
        from: lookback.oldestInZendesk === undefined ? '1970-01-01' : isoDate(lookback.oldestInZendesk),
        to: isoSeconds(lookback.start),
      };
      row.causes.push(
        `older than the lookback: the warehouse's history starts ${isoSeconds(lookback.start)}; run ${backfillCommand(observation.source, repair)} (or verify --repair)`,
      );
    }
    row.causes.push(notSyncedYet(observation.syncedThrough));
  } else {
    row.causes.push(
      `deleted in Zendesk${observation.syncedThrough ? ` since the last sync (synced through ${observation.syncedThrough})` : ''}: the next cycle marks them (${observation.deletionMarker})`,
    );
  }
  if (approximate && !capped) row.causes.push(approximate);
  return { row, repair };
}

export interface IdObservation {
  collection: string;
  /** Every id Zendesk lists, with the record's creation time (epoch seconds) when it has one. */
  zendesk: Map<string, number | undefined>;
  warehouse: string[];
  /** ISO time the last complete read of the list began (the source's status). */
  syncedThrough?: string;
  requests: number;
}

/** Why the warehouse has rows Zendesk no longer lists, per collection. */
function extraCause(collection: string, syncedThrough: string | undefined): string {
  const since = syncedThrough ? ` since the last full read (synced through ${syncedThrough})` : '';
  if (collection === 'activities') return `no longer listed by Zendesk: it keeps 30 days of activity (or they were deleted${since})`;
  if (collection === 'ticket_skips') return `no longer listed by Zendesk: skip removed, or its ticket deleted or archived${since}`;
  if (collection === 'deleted_tickets' || collection === 'deleted_users') {
    return `no longer listed by Zendesk: restored, or deleted for good (Zendesk purges them after 30 days)${since}`;
  }
  if (collection === 'suspended_tickets') return `no longer listed by Zendesk: recovered or deleted${since}`;
  return `deleted in Zendesk${since}`;
}

/** A full read of Zendesk's ids against the warehouse's ids: exact missing and extra ids. */
export function diagnoseIds(observation: IdObservation): VerifyRow {
  const inWarehouse = new Set(observation.warehouse);
  const missing = [...observation.zendesk.keys()].filter((id) => !inWarehouse.has(id));
  const extra = observation.warehouse.filter((id) => !observation.zendesk.has(id));
  const byNumber = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  missing.sort(byNumber);
  extra.sort(byNumber);
  const row: VerifyRow = {
    collection: observation.collection,
    method: 'ids',
    zendesk: observation.zendesk.size,
    warehouse: observation.warehouse.length,
    missing: missing.length,
    extra: extra.length,
    missingIds: missing.slice(0, LISTED_IDS),
    extraIds: extra.slice(0, LISTED_IDS),
    causes: [],
    requests: observation.requests,
  };
  if (missing.length) {
    const syncedAt = observation.syncedThrough === undefined ? undefined : Date.parse(observation.syncedThrough) / 1000;
    // Created after the last full read began: that read could not see them.
    const newer =
      syncedAt === undefined ? missing : missing.filter((id) => (observation.zendesk.get(id) ?? Number.POSITIVE_INFINITY) >= syncedAt);
    const older = missing.length - newer.length;
    if (newer.length) row.causes.push(`${newer.length} ${notSyncedYet(observation.syncedThrough)}`);
    if (older) {
      row.causes.push(
        `${older} listed by Zendesk before the last full read (synced through ${observation.syncedThrough}) yet not in the warehouse: run sync-now; if they stay missing, report it`,
      );
    }
  }
  if (extra.length) row.causes.push(`${extra.length} ${extraCause(observation.collection, observation.syncedThrough)}`);
  if (observation.collection === 'activities' && extra.length && !missing.length) row.expected = true;
  return row;
}
