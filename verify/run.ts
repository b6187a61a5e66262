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

type Session = Awaited<ReturnType<WorkerResources['session']>>;

/** One verification's shared state: what it reads with, and the Zendesk requests spent so far. */
interface VerifyRun {
  config: SourceConfig;
  status?: SourceStatus;
  resources: WorkerResources;
  destination: Destination;
  maxRequests: number;
  /** Zendesk requests sent so far, retries included (counted by a request listener). */
  spent: number;
  warnings: string[];
}

/** What the warehouse side tells before any Zendesk request. */
interface WarehouseReading {
  plan: VerifyPlan;
  sides: Map<string, WarehouseSide>;
  /** Where the tickets' regular lookback started (epoch seconds), when the source has synced tickets. */
  lookbackStart: number | undefined;
}

export async function verifySource(config: SourceConfig, options: VerifyOptions = {}): Promise<VerifyReport> {
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  if (!(Number.isInteger(maxRequests) && maxRequests > 0))
    throw new Error(`--max-requests must be a positive whole number, got ${maxRequests}`);
  const resources = options.resources ?? new WorkerResources();
  const ownsResources = !options.resources;
  const destination = options.destination ?? (await openDestination(resolveDestinationReference(config.destination, process.env)));
  const ownsDestination = !options.destination;
  const run: VerifyRun = { config, status: options.status, resources, destination, maxRequests, spent: 0, warnings: [] };
  const countRequest = (event: { attempts: number }) => {
    run.spent += event.attempts;
  };
  resources.requestListeners.push(countRequest);
  try {
    const reading = await readWarehouseAndPlan(run);
    options.onPlan?.(reading.plan);
    const rows: VerifyRow[] = [];
    let repair: RepairBackfill | undefined;
    const session = await resources.session(config);
    for (const item of reading.plan.collections) {
      const result = await verifyCollection(run, session, item, reading);
      rows.push(result.row);
      repair ??= result.repair;
    }
    const differences = rows.filter((r) => !r.expected && ((r.missing ?? 0) > 0 || (r.extra ?? 0) > 0)).length;
    return {
      source: config.name,
      plannedRequests: reading.plan.plannedRequests,
      maxRequests,
      spentRequests: run.spent,
      rows,
      differences,
      repair,
      warnings: run.warnings,
    };
  } finally {
    resources.requestListeners.splice(resources.requestListeners.indexOf(countRequest), 1);
    if (ownsResources) await resources.close();
    if (ownsDestination) await destination.close();
  }
}

const methodOf = (c: CollectionSpec) => (COUNTED_COLLECTIONS[c.name] ? { method: 'count' as const } : compareMethodOf(c));

/**
 * The warehouse side and the plan (no Zendesk request yet). The counts first: one request each says
 * the most; then the lists, then what is not compared.
 */
async function readWarehouseAndPlan(run: VerifyRun): Promise<WarehouseReading> {
  const { config, destination, maxRequests } = run;
  const priority = (c: CollectionSpec) => ({ count: 0, ids: 1, none: 2 })[methodOf(c).method];
  const enabled = collections.filter((c) => isCollectionEnabled(config, c.name)).sort((a, b) => priority(a) - priority(b));
  const sides = new Map<string, WarehouseSide>();
  const planned: PlannedCollection[] = [];
  let budgetLeft = maxRequests;
  const lookbackState = await destination.readState(config.name, initialStartKey('tickets'));
  const lookbackStart = lookbackState === null ? undefined : Number(lookbackState);
  for (const collection of enabled) {
    const item = await planCollection(run, collection, { sides, budgetLeft, lookbackStart });
    if (!item.note) budgetLeft -= item.requests;
    planned.push(item);
  }
  const plan: VerifyPlan = {
    source: config.name,
    collections: planned,
    plannedRequests: maxRequests - budgetLeft,
    maxRequests,
    rate: verifyRate(run),
  };
  return { plan, sides, lookbackStart };
}

/** One collection's plan: read its warehouse side (into `sides`) and say how many requests it needs, or why it is not read. */
async function planCollection(
  run: VerifyRun,
  collection: CollectionSpec,
  at: { sides: Map<string, WarehouseSide>; budgetLeft: number; lookbackStart: number | undefined },
): Promise<PlannedCollection> {
  const how = methodOf(collection);
  const method: VerifyRow['method'] = how.method;
  const name = collection.name;
  if (how.method === 'none') return { collection: name, method, requests: 0, note: how.note };
  const skipped = run.status?.collections[name]?.skipped;
  if (skipped) return { collection: name, method, requests: 0, note: `skipped by the sync: ${skipped}` };
  const side = await readWarehouse(run.destination, run.config.name, collection);
  at.sides.set(name, side);
  if (side.error) return { collection: name, method, requests: 0, note: `warehouse table not readable (never synced?): ${side.error}` };
  // A list's pages follow its length; the warehouse's length is the best guess before reading.
  // Ticket counts may need one more request: the oldest ticket, for a lookback backfill's --from.
  const requests = COUNTED_COLLECTIONS[name]
    ? 1 + (name === 'tickets' && at.lookbackStart ? 1 : 0)
    : Math.floor((side.ids?.length ?? 0) / LIST_MAX_PAGE_SIZE) + 1;
  if (requests > at.budgetLeft) {
    return { collection: name, method, requests, note: `skipped: over --max-requests ${run.maxRequests} (needs about ${requests})` };
  }
  return { collection: name, method, requests };
}

/** The rate the reads are paced at: the source's settings, as the worker uses them. */
function verifyRate(run: VerifyRun): VerifyPlan['rate'] {
  const sourceRate = run.resources.effectiveRateSettings(run.config);
  const rateSettings = { ...DEFAULT_RATE_SETTINGS, ...sourceRate };
  return {
    corePerMinute: rateSettings.corePerMinute,
    // As the budget does: without an explicit cap, exports follow the High Volume add-on.
    exportPerMinute: sourceRate.exportPerMinute ?? (rateSettings.highVolumeAddOn ? 30 : 10),
    share: rateSettings.share,
  };
}

/** One planned collection against Zendesk, within the cap; a Zendesk refusal or error becomes the row's note. */
async function verifyCollection(
  run: VerifyRun,
  session: Session,
  item: PlannedCollection,
  reading: WarehouseReading,
): Promise<{ row: VerifyRow; repair?: RepairBackfill }> {
  if (item.note) return { row: { collection: item.collection, method: item.method, causes: [], note: item.note, requests: 0 } };
  const side = reading.sides.get(item.collection)!;
  const before = run.spent;
  try {
    if (item.method === 'count')
      return await verifyCount(run, session, item.collection, { side, before, lookbackStart: reading.lookbackStart });
    return { row: await verifyIds(run, session, item.collection, { side, before }) };
  } catch (err) {
    const refused = session.forbiddenReason(err);
    return {
      row: {
        collection: item.collection,
        method: item.method,
        causes: [],
        note: refused ? `not available to this plan or role: ${refused}` : `Zendesk: ${(err as Error).message}`,
        requests: run.spent - before,
      },
    };
  }
}

/** A counted collection: Zendesk's count against the warehouse's live rows (and, for tickets, a lookback gap). */
async function verifyCount(
  run: VerifyRun,
  session: Session,
  collection: string,
  at: { side: WarehouseSide; before: number; lookbackStart: number | undefined },
): Promise<{ row: VerifyRow; repair?: RepairBackfill }> {
  const { side, lookbackStart } = at;
  const counted = COUNTED_COLLECTIONS[collection]!;
  const body = await run.resources.probe(run.config, counted.path);
  const count = (body as { count?: { value?: unknown; refreshed_at?: unknown } })?.count;
  if (typeof count?.value !== 'number') throw new Error(`Zendesk answered ${counted.path} without a count.value`);
  const refreshedAt = typeof count.refreshed_at === 'string' ? count.refreshed_at : null;
  const lookback =
    collection === 'tickets' && lookbackStart && count.value > side.live! ? await lookbackGap(run, session, lookbackStart) : undefined;
  const diagnosis = diagnoseCount({
    source: run.config.name,
    collection,
    zendesk: { value: count.value, refreshedAt },
    warehouse: { live: side.live!, deleted: side.deleted! },
    deletionMarker: counted.deletionMarker,
    syncedThrough: run.status?.collections[collection]?.syncedThrough,
    lookback,
    requests: 0,
  });
  diagnosis.row.requests = run.spent - at.before;
  return { row: diagnosis.row, repair: diagnosis.repair };
}

/** Zendesk holds more tickets than the warehouse: how far back they go, and whether a completed backfill covers that. */
async function lookbackGap(
  run: VerifyRun,
  session: Session,
  lookbackStart: number,
): Promise<Parameters<typeof diagnoseCount>[0]['lookback']> {
  let oldestInZendesk: number | undefined;
  if (run.spent < run.maxRequests) oldestInZendesk = await oldestTicketTime(session);
  else
    run.warnings.push(
      'tickets: no request left under --max-requests to find the oldest ticket; the suggested backfill starts at 1970-01-01',
    );
  const coveredByBackfill = Object.values(run.status?.backfills ?? {}).some(
    (b) =>
      b.stream === 'tickets' &&
      b.state === 'completed' &&
      Date.parse(b.from) / 1000 <= (oldestInZendesk ?? 0) &&
      Date.parse(b.to) / 1000 >= lookbackStart,
  );
  return { start: lookbackStart, oldestInZendesk, coveredByBackfill };
}

/** A listed collection: Zendesk's ids against the warehouse's, unless the list outgrows the cap. */
async function verifyIds(
  run: VerifyRun,
  session: Session,
  collection: string,
  at: { side: WarehouseSide; before: number },
): Promise<VerifyRow> {
  const { ids, complete } = await readZendeskIds(run, session, collection);
  const warehouseIds = at.side.ids!;
  if (!complete) {
    return {
      collection,
      method: 'ids',
      zendesk: ids.size,
      warehouse: warehouseIds.length,
      causes: [],
      note: `not compared: stopped at --max-requests ${run.maxRequests} after ${ids.size} ids (Zendesk lists more than the warehouse holds)`,
      requests: run.spent - at.before,
    };
  }
  const syncedThrough = run.status?.collections[collection]?.syncedThrough;
  return diagnoseIds({ collection, zendesk: ids, warehouse: warehouseIds, syncedThrough, requests: run.spent - at.before });
}

/** The collection's ids in Zendesk (with their creation times), and whether the list was read to its end. */
async function readZendeskIds(
  run: VerifyRun,
  session: Session,
  collection: string,
): Promise<{ ids: Map<string, number | undefined>; complete: boolean }> {
  const ids = new Map<string, number | undefined>();
  const spec = collections.find((c) => c.name === collection)!;
  const stream = streamByName(spec.stream);
  const key = spec.primaryKey;
  const pages = session.paginate(stream, { includes: [] })[Symbol.asyncIterator]();
  try {
    // Never start a page beyond the cap: the request count stays bounded whatever the list's length.
    while (run.spent < run.maxRequests) {
      const step = await pages.next();
      if (step.done) return { ids, complete: true };
      for (const record of step.value.records) {
        const id = record[key];
        if (id !== null && id !== undefined) ids.set(String(id), createdAt(record));
      }
      if (step.value.done) return { ids, complete: true };
    }
    return { ids, complete: false };
  } finally {
    await pages.return?.(undefined);
  }
}

/** The ticket export's first record from the beginning of time: the oldest change Zendesk has (one export request). */
async function oldestTicketTime(session: Session): Promise<number | undefined> {
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
