import { EXPORT_DELAY_SECONDS, type ApiRequest, type EmulatorContext } from '../context';
import { errors, type ApiResponse } from '../http';
import type { Organization, Ticket, TicketEvent, TicketMetricEvent, User } from '../model';
import { joinBytes } from '../serialize';
import type { Table } from '../store';
import { cursorListPage } from './pagination';
import { identitiesOf } from '../changeStreams';

/**
 * The incremental exports (zendesk-api.md §4): cursor-based for tickets and users, time-based for
 * tickets, users, organizations, ticket events and ticket metric events.
 */
type ExportName = 'tickets' | 'users' | 'organizations' | 'ticket_events' | 'ticket_metric_events';

interface ExportSource<T extends { id: number }> {
  table: Table<T>;
  serialize: (record: T) => Buffer;
  /** Records kept by the request's filters (exclude_deleted and the deletion quirks). */
  keep: ((record: T) => boolean) | null;
}

/** Maximum and default page size of every incremental export (zendesk-api.md §4). */
const MAX_PER_PAGE = 1000;

/** The page size an export serves for a request: per_page clamped to 1..1000, default 1000. */
export function perPageOf(query: URLSearchParams): number {
  const raw = Number(query.get('per_page'));
  if (!Number.isFinite(raw) || raw < 1) return MAX_PER_PAGE;
  return Math.min(MAX_PER_PAGE, Math.floor(raw));
}

function includes(query: URLSearchParams): Set<string> {
  return new Set(
    (query.get('include') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

const erase = <T extends { id: number }>(source: ExportSource<T>) => source as unknown as ExportSource<{ id: number }>;

function sourceFor(ctx: EmulatorContext, name: ExportName, req: ApiRequest): ExportSource<{ id: number }> {
  const { store, serializer } = ctx;
  const quirks = ctx.quirks();
  const excludeDeleted = req.query.get('exclude_deleted') === 'true';
  switch (name) {
    case 'tickets':
      return erase<Ticket>({
        table: store.tickets,
        serialize: (t) => serializer.ticketBytes(t),
        keep: excludeDeleted ? (t) => t.status !== 'deleted' : null,
      });
    case 'users':
      return erase<User>({
        table: store.users,
        serialize: (u) => serializer.userBytes(u),
        keep: quirks.deletedUsersInExport ? null : (u) => u.active,
      });
    case 'organizations':
      return erase<Organization>({
        table: store.organizations,
        serialize: (o) => serializer.plainBytes(store.organizations, o, 'organizations'),
        keep: quirks.deletedOrganizationsInExport ? null : (o) => o.deleted_at === null,
      });
    case 'ticket_events': {
      const withComments = includes(req.query).has('comment_events');
      return erase<TicketEvent>({
        table: store.ticketEvents,
        serialize: (e) => serializer.ticketEventBytes(e, withComments),
        keep: null,
      });
    }
    case 'ticket_metric_events':
      return erase<TicketMetricEvent>({
        table: store.ticketMetricEvents,
        serialize: (m) => serializer.plainBytes(store.ticketMetricEvents, m, null),
        keep: excludeDeleted ? (m) => store.tickets.get(m.ticket_id)?.status !== 'deleted' : null,
      });
  }
}

/** First index whose ts >= value (ts sorted ascending). */
function lowerBound(ts: Float64Array, value: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Validates start_time; returns it or an error response. */
function startTimeOf(ctx: EmulatorContext, req: ApiRequest, name?: ExportName): number | ApiResponse {
  const raw = req.query.get('start_time');
  if (raw === null || raw === '') {
    const missing = errors.invalidValue('start_time is required');
    return { ...missing, status: ctx.quirks().missingStartTimeStatus };
  }
  // By default the leading integer, as Zendesk reads it (quirks.startTimeValues): Singer's tap-zendesk
  // sends `946684800.0` and is served in production.
  const leading = ctx.quirks().startTimeValues === 'integer_only' ? /^-?\d+$/.exec(raw) : /^-?\d+/.exec(raw);
  if (!leading) return errors.invalidValue('start_time must be an integer (Unix epoch seconds)');
  const startTime = Math.max(0, Number(leading[0]));
  const tooRecentIsServed = name === 'ticket_metric_events' && ctx.quirks().metricEventsTooRecentStartTime === 'empty_page';
  if (startTime > ctx.clock.now() - EXPORT_DELAY_SECONDS && !tooRecentIsServed)
    return errors.invalidValue(ctx.quirks().tooRecentStartTimeMessage);
  return startTime;
}

/** Extra query parameters repeated on next links: per_page always, the rest by quirk setting. */
function carriedParams(ctx: EmulatorContext, query: URLSearchParams): string {
  let out = '';
  if (query.get('per_page') !== null) out += `&per_page=${encodeURIComponent(query.get('per_page')!)}`;
  if (ctx.quirks().carryIncludeInNextLinks) {
    for (const key of ['include', 'exclude_deleted']) {
      const value = query.get(key);
      if (value !== null) out += `&${key}=${encodeURIComponent(value)}`;
    }
  }
  return out;
}

const wantsMetricSets = (req: ApiRequest, name: ExportName) => name === 'tickets' && includes(req.query).has('metric_sets');

/**
 * `include=metric_sets` in the top-level form (quirks.metricSetsShape 'top_level'): one metric set
 * per ticket of the page, as an array next to the tickets.
 */
function topLevelMetricSets(ctx: EmulatorContext, req: ApiRequest, name: ExportName, page: Array<{ id: number }>): Buffer[] | null {
  if (!wantsMetricSets(req, name) || ctx.quirks().metricSetsShape !== 'top_level') return null;
  const sets: Buffer[] = [];
  for (const ticket of page) {
    const bytes = ctx.serializer.metricSetBytes(ticket.id);
    if (bytes) sets.push(bytes);
  }
  return sets;
}

const METRIC_SET_KEY = Buffer.from(',"metric_set":');
const NULL_JSON = Buffer.from('null');
const CLOSE_BRACE = Buffer.from('}');

/**
 * The page's records as bytes. With `include=metric_sets` in the embedded form
 * (quirks.metricSetsShape 'embedded') each ticket carries its metric set as `metric_set` (null when
 * it has none), spliced into the ticket's cached bytes: the metric set changes on its own, so the
 * combination is not cached.
 */
function recordBytes(
  ctx: EmulatorContext,
  req: ApiRequest,
  name: ExportName,
  source: ExportSource<{ id: number }>,
  page: Array<{ id: number }>,
): Buffer[] {
  if (!wantsMetricSets(req, name) || ctx.quirks().metricSetsShape !== 'embedded') return page.map(source.serialize);
  return page.map((ticket) => {
    const bytes = source.serialize(ticket);
    const metricSet = ctx.serializer.metricSetBytes(ticket.id) ?? NULL_JSON;
    return Buffer.concat([bytes.subarray(0, bytes.length - 1), METRIC_SET_KEY, metricSet, CLOSE_BRACE]);
  });
}

/** `{"<key>":[records],"metric_sets":[...]` (or `"identities"`) + tail, joined from cached bytes. */
function pageBody(key: string, records: Buffer[], sets: Buffer[] | null, tail: string, setsKey = 'metric_sets'): Buffer {
  if (!sets) return joinBytes(`{"${key}":[`, records, `]${tail}`);
  return Buffer.concat([joinBytes(`{"${key}":[`, records, `],"${setsKey}":[`), joinBytes('', sets, `]${tail}`)]);
}

/**
 * The page's top-level sideload: metric sets on tickets, or the users' identities on users with
 * `include=identities` (quirks.identitiesOnUserExport; off, the include is ignored).
 */
function pageSideload(
  ctx: EmulatorContext,
  req: ApiRequest,
  name: ExportName,
  page: Array<{ id: number }>,
): { key: string; items: Buffer[] } | null {
  if (name === 'users' && includes(req.query).has('identities') && ctx.quirks().identitiesOnUserExport) {
    const items: Buffer[] = [];
    for (const user of page as User[])
      for (const identity of identitiesOf(user, ctx.baseUrl())) items.push(Buffer.from(JSON.stringify(identity)));
    return { key: 'identities', items };
  }
  const sets = topLevelMetricSets(ctx, req, name, page);
  return sets ? { key: 'metric_sets', items: sets } : null;
}

/**
 * A stable pseudo-random rank of a record within its second (quirks.sameSecondOrder 'shuffled'):
 * a 32-bit mix of the seed and the id, so the order looks arbitrary, as Zendesk's does, yet every
 * request (and every run with the same seed) sees the same one.
 */
export function sameSecondRank(seed: number, id: number): number {
  let h = Math.imul((id % 0x1_0000_0000) ^ seed, 0x9e3779b1);
  h ^= Math.floor(id / 0x1_0000_0000);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Reorder each run of records sharing a timestamp by their rank (page and pageTs stay aligned). */
function shuffleWithinSeconds(seed: number, page: Array<{ id: number }>, pageTs: number[]): void {
  let start = 0;
  while (start < page.length) {
    let end = start + 1;
    while (end < page.length && pageTs[end] === pageTs[start]) end++;
    if (end - start > 1) {
      const run = page.slice(start, end).map((record) => ({ record, rank: sameSecondRank(seed, record.id) }));
      run.sort((a, b) => a.rank - b.rank || a.record.id - b.record.id);
      run.forEach((r, k) => (page[start + k] = r.record));
    }
    start = end;
  }
}

/**
 * Time-based page (§4.2): records with start_time <= ts <= now-60 in (ts, id) order; a full page
 * made of one timestamp is stretched to every record of that second with end_time = ts + 1;
 * otherwise end_time is the last record's ts, so its second comes back on the next page.
 * end_of_stream follows the spec's rule: true when fewer than per_page records remained — so a page
 * that exactly empties the stream still says false, and the next (short) page says true.
 */
export function timeExport(ctx: EmulatorContext, req: ApiRequest, name: ExportName): ApiResponse {
  if (name === 'ticket_metric_events' && (req.query.has('page[size]') || req.query.has('page[after]'))) {
    return metricEventsCursor(ctx, req);
  }
  const startTime = startTimeOf(ctx, req, name);
  if (typeof startTime !== 'number') return startTime;
  const perPage = perPageOf(req.query);
  const source = sourceFor(ctx, name, req);
  const { records, ts } = source.table.byExportTime();
  const upper = lowerBound(ts, ctx.clock.now() - EXPORT_DELAY_SECONDS + 1);
  const keep = source.keep;
  const page: Array<{ id: number }> = [];
  const pageTs: number[] = [];
  let i = lowerBound(ts, startTime);
  for (; i < upper && page.length < perPage; i++) {
    if (keep && !keep(records[i]!)) continue;
    page.push(records[i]!);
    pageTs.push(ts[i]!);
  }
  let endTime = startTime;
  if (page.length > 0) {
    const first = pageTs[0]!;
    const last = pageTs[pageTs.length - 1]!;
    if (page.length === perPage && first === last) {
      for (; i < upper && ts[i] === first; i++) {
        if (keep && !keep(records[i]!)) continue;
        page.push(records[i]!);
        pageTs.push(first);
      }
      endTime = first + 1;
    } else {
      endTime = last;
    }
  }
  const reachedTheEnd = page.length < perPage;
  if (ctx.quirks().sameSecondOrder === 'shuffled') shuffleWithinSeconds(ctx.seed, page, pageTs);
  const nextPage = `${ctx.baseUrl()}/api/v2/incremental/${name}.json?start_time=${endTime}${carriedParams(ctx, req.query)}`;
  const endOfStream = name === 'ticket_metric_events' && !ctx.quirks().metricEventsEndOfStream ? '' : `,"end_of_stream":${reachedTheEnd}`;
  const tail = `,"count":${page.length}${endOfStream},"next_page":${JSON.stringify(nextPage)},"end_time":${endTime}}`;
  const sideload = pageSideload(ctx, req, name, page);
  return { status: 200, body: pageBody(name, recordBytes(ctx, req, name, source, page), sideload?.items ?? null, tail, sideload?.key) };
}

export function encodeExportCursor(ts: number, id: number): string {
  return Buffer.from(`${ts}.0||${id}|`).toString('base64');
}

function decodeExportCursor(cursor: string): { ts: number; id: number } | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const m = /^(\d+)(?:\.\d+)?\|\|(\d+)\|$/.exec(text);
  return m ? { ts: Number(m[1]), id: Number(m[2]) } : null;
}

/**
 * Cursor-based page (§4.1): exactly per_page records after the cursor position (ts, id), no
 * duplicates; after_cursor names the last record; end_of_stream with after_url still present.
 */
export function cursorExport(ctx: EmulatorContext, req: ApiRequest, name: 'tickets' | 'users'): ApiResponse {
  const cursorParam = req.query.get('cursor');
  let position: { ts: number; id: number };
  if (cursorParam !== null) {
    const decoded = decodeExportCursor(cursorParam);
    if (!decoded) return errors.invalidValue('Invalid cursor');
    position = decoded;
  } else {
    const startTime = startTimeOf(ctx, req);
    if (typeof startTime !== 'number') return startTime;
    // Everything at or after start_time = strictly after (start_time, id 0).
    position = { ts: startTime, id: 0 };
  }
  const perPage = perPageOf(req.query);
  const source = sourceFor(ctx, name, req);
  const { records, ts } = source.table.byExportTime();
  const upper = lowerBound(ts, ctx.clock.now() - EXPORT_DELAY_SECONDS + 1);
  let i = lowerBound(ts, position.ts);
  while (i < upper && ts[i] === position.ts && records[i]!.id <= position.id) i++;
  const keep = source.keep;
  const page: Array<{ id: number }> = [];
  let lastTs = position.ts;
  let lastId = position.id;
  for (; i < upper && page.length < perPage; i++) {
    if (keep && !keep(records[i]!)) continue;
    page.push(records[i]!);
    lastTs = ts[i]!;
    lastId = records[i]!.id;
  }
  let more = false;
  for (let j = i; j < upper; j++) {
    if (!keep || keep(records[j]!)) {
      more = true;
      break;
    }
  }
  const afterCursor = page.length || cursorParam === null ? encodeExportCursor(lastTs, lastId) : cursorParam;
  const afterUrl = `${ctx.baseUrl()}/api/v2/incremental/${name}/cursor.json?cursor=${encodeURIComponent(afterCursor)}${carriedParams(ctx, req.query)}`;
  const tail =
    `,"after_url":${JSON.stringify(afterUrl)},"before_url":null` +
    `,"after_cursor":${JSON.stringify(afterCursor)},"before_cursor":null,"end_of_stream":${!more}}`;
  const sideload = pageSideload(ctx, req, name, page);
  return { status: 200, body: pageBody(name, recordBytes(ctx, req, name, source, page), sideload?.items ?? null, tail, sideload?.key) };
}

/** ticket_metric_events with page[size]: standard cursor pagination over events with time >= start_time. */
function metricEventsCursor(ctx: EmulatorContext, req: ApiRequest): ApiResponse {
  const startTime = startTimeOf(ctx, req, 'ticket_metric_events');
  if (typeof startTime !== 'number') return startTime;
  const { store, serializer } = ctx;
  const { records, ts } = store.ticketMetricEvents.byExportTime();
  const excludeDeleted = req.query.get('exclude_deleted') === 'true';
  const upper = lowerBound(ts, ctx.clock.now() - EXPORT_DELAY_SECONDS + 1);
  let selected = records.slice(lowerBound(ts, startTime), upper);
  if (excludeDeleted) selected = selected.filter((m) => store.tickets.get(m.ticket_id)?.status !== 'deleted');
  return cursorListPage(ctx, req, {
    key: 'ticket_metric_events',
    records: selected,
    order: { spec: 'time,id', desc: false, key: (m) => [Date.parse(m.time) / 1000, m.id] },
    serialize: (m) => serializer.plain(store.ticketMetricEvents, m, null),
    path: '/api/v2/incremental/ticket_metric_events',
  });
}
