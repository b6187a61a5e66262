/**
 * `client.ts verify`: per collection, what the warehouse holds against what Zendesk says it has.
 *
 * The warehouse is read first (it costs Zendesk nothing); from its row counts comes the plan of
 * Zendesk requests, which is handed to `onPlan` (printed) before any is sent. Zendesk is read through
 * the same client, rate budget and pagination engines as the worker (WorkerResources with the source's
 * rate settings), and never beyond `maxRequests`: collections that do not fit are skipped, and a list
 * that turns out longer than planned stops at the cap and is reported as not compared.
 */
import { collections, streamByName } from '../catalog/collections';
import type { CollectionSpec } from '../catalog/types';
import { WorkerResources } from '../activities/resources';
import { initialStartKey } from '../activities/syncStream';
import { openDestination } from '../destinations/open';
import { resolveDestinationReference } from '../destinations/reference';
import type { Destination, RowExclusion } from '../destinations/types';
import { isCollectionEnabled } from '../workflows/collectionSelection';
import type { SourceConfig, SourceStatus } from '../workflows/types';
import { DEFAULT_RATE_SETTINGS, type JsonRecord } from '../zendesk';
import { LIST_MAX_PAGE_SIZE } from '../zendesk/pagination/list';
import { recordTimeSeconds } from '../zendesk/recordTime';
import { diagnoseCount, diagnoseIds, type RepairBackfill, type VerifyRow } from './diagnose';
import { compareMethodOf } from './methods';

/** Collections Zendesk counts for us: the count endpoint, and which warehouse rows are deleted records. */
export const COUNTED_COLLECTIONS: Record<string, { path: string; deleted: RowExclusion; deletionMarker: string }> = {
  tickets: { path: '/api/v2/tickets/count.json', deleted: { column: 'status', equals: 'deleted' }, deletionMarker: "status = 'deleted'" },
  users: { path: '/api/v2/users/count.json', deleted: { column: 'active', equals: false }, deletionMarker: 'active = false' },
  organizations: {
    path: '/api/v2/organizations/count.json',
    deleted: { column: 'deleted_at', isSet: true },
    deletionMarker: 'deleted_at set',
  },
};

export const DEFAULT_MAX_REQUESTS = 100;

export interface PlannedCollection {
  collection: string;
  method: VerifyRow['method'];
  /** Zendesk requests it is expected to need (a list: its warehouse rows / 100, plus one). */
  requests: number;
  /** Set when it will not be read: why. */
  note?: string;
}

export interface VerifyPlan {
  source: string;
  collections: PlannedCollection[];
  /** Requests the collections that fit are expected to need, the ticket lookback probe included. */
  plannedRequests: number;
  maxRequests: number;
  /** The rate the reads are paced at (the source's settings, as the worker uses them). */
  rate: { corePerMinute: number; exportPerMinute: number; share: number };
}

export interface VerifyReport {
  source: string;
  plannedRequests: number;
  maxRequests: number;
  /** Zendesk requests actually sent, retries included. */
  spentRequests: number;
  rows: VerifyRow[];
  /** Collections that differ (beyond what Zendesk documents, see VerifyRow.expected). */
  differences: number;
  /** A backfill that would close a lookback gap (started by `--repair`). */
  repair?: RepairBackfill;
  warnings: string[];
}

export interface VerifyOptions {
  maxRequests?: number;
  /** The source's status from Temporal (synced-through times, backfills, skipped streams), when reachable. */
  status?: SourceStatus;
  /** Called once the plan is made, before the first Zendesk request. */
  onPlan?: (plan: VerifyPlan) => void;
  resources?: WorkerResources;
  destination?: Destination;
}

interface WarehouseSide {
  /** Counted collections: rows that are not deleted records, and the deleted ones. */
  live?: number;
  deleted?: number;
  /** Id collections. */
  ids?: string[];
  error?: string;
}

async function readWarehouse(destination: Destination, schema: string, collection: CollectionSpec): Promise<WarehouseSide> {
  try {
    const counted = COUNTED_COLLECTIONS[collection.name];
    if (counted) {
      const all = await destination.countRows(schema, collection.name);
      const live = await destination.countRows(schema, collection.name, counted.deleted);
      return { live, deleted: all - live };
    }
    return { ids: await destination.readKeys(schema, collection.name, collection.primaryKey) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Epoch seconds of a record's creation (or last change) time, if it has one. */
function createdAt(record: JsonRecord): number | undefined {
  for (const field of ['created_at', 'updated_at']) {
    const raw = record[field];
    const seconds = typeof raw === 'string' ? recordTimeSeconds(raw) : undefined;
    if (seconds !== undefined) return Math.floor(seconds);
  }
  return undefined;
}

export async function verifySource(config: SourceConfig, options: VerifyOptions = {}): Promise<VerifyReport> {
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  if (!(Number.isInteger(maxRequests) && maxRequests > 0))
    throw new Error(`--max-requests must be a positive whole number, got ${maxRequests}`);
  const resources = options.resources ?? new WorkerResources();
  const ownsResources = !options.resources;
  const destination = options.destination ?? (await openDestination(resolveDestinationReference(config.destination, process.env)));
  const ownsDestination = !options.destination;
  let spent = 0;
  const countRequest = (event: { attempts: number }) => {
    spent += event.attempts;
  };
  resources.requestListeners.push(countRequest);
  const warnings: string[] = [];
  const status = options.status;
  try {
    // ---- the warehouse side and the plan (no Zendesk request yet) ----------------------------------
    // The counts first: one request each says the most; then the lists, then what is not compared.
    const methodOf = (c: CollectionSpec) => (COUNTED_COLLECTIONS[c.name] ? { method: 'count' as const } : compareMethodOf(c));
    const priority = (c: CollectionSpec) => ({ count: 0, ids: 1, none: 2 })[methodOf(c).method];
    const enabled = collections.filter((c) => isCollectionEnabled(config, c.name)).sort((a, b) => priority(a) - priority(b));
    const warehouse = new Map<string, WarehouseSide>();
    const planned: PlannedCollection[] = [];
    let budgetLeft = maxRequests;
    const lookbackState = await destination.readState(config.name, initialStartKey('tickets'));
    const lookbackStart = lookbackState === null ? undefined : Number(lookbackState);
    for (const collection of enabled) {
      const counted = COUNTED_COLLECTIONS[collection.name];
      const how = methodOf(collection);
      const method: VerifyRow['method'] = how.method;
      if (how.method === 'none') {
        planned.push({ collection: collection.name, method, requests: 0, note: how.note });
        continue;
      }
      const skipped = status?.collections[collection.name]?.skipped;
      if (skipped) {
        planned.push({ collection: collection.name, method, requests: 0, note: `skipped by the sync: ${skipped}` });
        continue;
      }
      const side = await readWarehouse(destination, config.name, collection);
      warehouse.set(collection.name, side);
      if (side.error) {
        planned.push({
          collection: collection.name,
          method,
          requests: 0,
          note: `warehouse table not readable (never synced?): ${side.error}`,
        });
        continue;
      }
      // A list's pages follow its length; the warehouse's length is the best guess before reading.
      // Ticket counts may need one more request: the oldest ticket, for a lookback backfill's --from.
      const requests = counted
        ? 1 + (collection.name === 'tickets' && lookbackStart ? 1 : 0)
        : Math.floor((side.ids?.length ?? 0) / LIST_MAX_PAGE_SIZE) + 1;
      if (requests > budgetLeft) {
        planned.push({
          collection: collection.name,
          method,
          requests,
          note: `skipped: over --max-requests ${maxRequests} (needs about ${requests})`,
        });
        continue;
      }
      budgetLeft -= requests;
      planned.push({ collection: collection.name, method, requests });
    }
    const sourceRate = resources.effectiveRateSettings(config);
    const rateSettings = { ...DEFAULT_RATE_SETTINGS, ...sourceRate };
    const plan: VerifyPlan = {
      source: config.name,
      collections: planned,
      plannedRequests: maxRequests - budgetLeft,
      maxRequests,
      rate: {
        corePerMinute: rateSettings.corePerMinute,
        // As the budget does: without an explicit cap, exports follow the High Volume add-on.
        exportPerMinute: sourceRate.exportPerMinute ?? (rateSettings.highVolumeAddOn ? 30 : 10),
        share: rateSettings.share,
      },
    };
    options.onPlan?.(plan);

    // ---- Zendesk, within the cap -------------------------------------------------------------------
    const rows: VerifyRow[] = [];
    let repair: RepairBackfill | undefined;
    const session = await resources.session(config);
    for (const item of planned) {
      const syncedThrough = status?.collections[item.collection]?.syncedThrough;
      if (item.note) {
        rows.push({ collection: item.collection, method: item.method, causes: [], note: item.note, requests: 0 });
        continue;
      }
      const side = warehouse.get(item.collection)!;
      const before = spent;
      try {
        if (item.method === 'count') {
          const counted = COUNTED_COLLECTIONS[item.collection]!;
          const body = await resources.probe(config, counted.path);
          const count = (body as { count?: { value?: unknown; refreshed_at?: unknown } })?.count;
          if (typeof count?.value !== 'number') throw new Error(`Zendesk answered ${counted.path} without a count.value`);
          const refreshedAt = typeof count.refreshed_at === 'string' ? count.refreshed_at : null;
          let lookback: Parameters<typeof diagnoseCount>[0]['lookback'];
          if (item.collection === 'tickets' && lookbackStart && count.value > side.live!) {
            let oldestInZendesk: number | undefined;
            if (spent < maxRequests) oldestInZendesk = await oldestTicketTime(session);
            else
              warnings.push(
                'tickets: no request left under --max-requests to find the oldest ticket; the suggested backfill starts at 1970-01-01',
              );
            const coveredByBackfill = Object.values(status?.backfills ?? {}).some(
              (b) =>
                b.stream === 'tickets' &&
                b.state === 'completed' &&
                Date.parse(b.from) / 1000 <= (oldestInZendesk ?? 0) &&
                Date.parse(b.to) / 1000 >= lookbackStart,
            );
            lookback = { start: lookbackStart, oldestInZendesk, coveredByBackfill };
          }
          const diagnosis = diagnoseCount({
            source: config.name,
            collection: item.collection,
            zendesk: { value: count.value, refreshedAt },
            warehouse: { live: side.live!, deleted: side.deleted! },
            deletionMarker: counted.deletionMarker,
            syncedThrough,
            lookback,
            requests: 0,
          });
          diagnosis.row.requests = spent - before;
          rows.push(diagnosis.row);
          repair ??= diagnosis.repair;
        } else {
          const ids = new Map<string, number | undefined>();
          const stream = streamByName(collections.find((c) => c.name === item.collection)!.stream);
          const key = collections.find((c) => c.name === item.collection)!.primaryKey;
          let complete = false;
          const pages = session.paginate(stream, { includes: [] })[Symbol.asyncIterator]();
          try {
            // Never start a page beyond the cap: the request count stays bounded whatever the list's length.
            while (spent < maxRequests) {
              const step = await pages.next();
              if (step.done) {
                complete = true;
                break;
              }
              for (const record of step.value.records) {
                const id = record[key];
                if (id !== null && id !== undefined) ids.set(String(id), createdAt(record));
              }
              if (step.value.done) {
                complete = true;
                break;
              }
            }
          } finally {
            await pages.return?.(undefined);
          }
          if (!complete) {
            rows.push({
              collection: item.collection,
              method: 'ids',
              zendesk: ids.size,
              warehouse: side.ids!.length,
              causes: [],
              note: `not compared: stopped at --max-requests ${maxRequests} after ${ids.size} ids (Zendesk lists more than the warehouse holds)`,
              requests: spent - before,
            });
            continue;
          }
          rows.push(
            diagnoseIds({ collection: item.collection, zendesk: ids, warehouse: side.ids!, syncedThrough, requests: spent - before }),
          );
        }
      } catch (err) {
        const refused = session.forbiddenReason(err);
        rows.push({
          collection: item.collection,
          method: item.method,
          causes: [],
          note: refused ? `not available to this plan or role: ${refused}` : `Zendesk: ${(err as Error).message}`,
          requests: spent - before,
        });
      }
    }
    const differences = rows.filter((r) => !r.expected && ((r.missing ?? 0) > 0 || (r.extra ?? 0) > 0)).length;
    return {
      source: config.name,
      plannedRequests: plan.plannedRequests,
      maxRequests,
      spentRequests: spent,
      rows,
      differences,
      repair,
      warnings,
    };
  } finally {
    resources.requestListeners.splice(resources.requestListeners.indexOf(countRequest), 1);
    if (ownsResources) await resources.close();
    if (ownsDestination) await destination.close();
  }
}

/** The ticket export's first record from the beginning of time: the oldest change Zendesk has (one export request). */
async function oldestTicketTime(session: Awaited<ReturnType<WorkerResources['session']>>): Promise<number | undefined> {
  const stream = streamByName('tickets');
  const pages = session.paginate(stream, { startTime: 0, pageSize: 1, includes: [] })[Symbol.asyncIterator]();
  try {
    const first = await pages.next();
    if (first.done) return undefined;
    const raw = first.value.records[0]?.[stream.timeField!];
    return typeof raw === 'number' ? raw : undefined;
  } finally {
    await pages.return?.(undefined);
  }
}
