import type { ApiRequest, EmulatorContext } from '../context';
import { errors, jsonResponse, type ApiResponse } from '../http';

/**
 * The two list pagination families (zendesk-api.md §3.1–3.2). Records arrive sorted in the list's
 * order; a page is a slice joined from cached JSON strings.
 */
export type SortKey = [number | string, number];

export interface ListOrder<T> {
  /** The order spec written into cursors, e.g. `name,id` or `-created_at,id`. */
  spec: string;
  /** Descending on the first key component (ties always ascend by id). */
  desc: boolean;
  key: (record: T) => SortKey;
}

export interface ListPageInput<T> {
  key: string;
  records: T[];
  order: ListOrder<T>;
  serialize: (record: T) => string;
  /** The endpoint path without `.json`, for next/prev links. */
  path: string;
  /** Extra top-level arrays for the page (activities sideload `actors` and `users`). */
  sideloads?: (page: T[]) => string;
}

export function compareKeys(a: SortKey, b: SortKey, desc: boolean): number {
  const primary = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  return (desc ? -primary : primary) || a[1] - b[1];
}

export function comparatorOf<T>(order: ListOrder<T>): (a: T, b: T) => number {
  return (a, b) => compareKeys(order.key(a), order.key(b), order.desc);
}

/** Maximum and default page size of list endpoints in both paging modes (zendesk-api.md §3). */
export const MAX_PAGE_SIZE = 100;

/** The page size limit in force: Zendesk's 100, or a lower quirks.listMaxPageSize (tests). */
function maxPageSize(ctx: EmulatorContext): number {
  return Math.min(MAX_PAGE_SIZE, ctx.quirks().listMaxPageSize);
}

/** Query parameters other than paging ones, repeated on next/prev links. */
function otherParams(query: URLSearchParams): string {
  let out = '';
  for (const [key, value] of query) {
    if (key === 'page' || key === 'per_page' || key.startsWith('page[')) continue;
    out += `&${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  }
  return out;
}

function encodeCursor(spec: string, key: SortKey): string {
  const v = Buffer.from(JSON.stringify(key)).toString('base64');
  return Buffer.from(JSON.stringify({ o: spec, v })).toString('base64');
}

function decodeCursor(cursor: string, spec: string): SortKey | null {
  try {
    const outer = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { o?: string; v?: string };
    if (outer.o !== spec || typeof outer.v !== 'string') return null;
    const key = JSON.parse(Buffer.from(outer.v, 'base64').toString('utf8')) as unknown;
    if (!Array.isArray(key) || key.length !== 2 || typeof key[1] !== 'number') return null;
    return key as SortKey;
  } catch {
    return null;
  }
}

/** First index whose key compares > `key` (or >= when `inclusive`). */
function search<T>(records: T[], order: ListOrder<T>, key: SortKey, inclusive: boolean): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(order.key(records[mid]!), key, order.desc);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function usesCursorPaging(query: URLSearchParams): boolean {
  for (const key of query.keys()) if (key.startsWith('page[')) return true;
  return false;
}

/** How a list endpoint answers a request: by its parameters, or forced by quirks.listStyle. */
export type ListAnswer = 'cursor' | 'offset' | 'asked_offset_or_whole';

export function listAnswerFor(ctx: EmulatorContext, req: ApiRequest, key: string): ListAnswer {
  const setting = ctx.quirks().listStyle;
  const style = typeof setting === 'string' ? setting : (setting[key] ?? 'as_asked');
  if (style === 'offset') return 'offset';
  if (style === 'cursor') return 'cursor';
  return usesCursorPaging(req.query) ? 'cursor' : 'asked_offset_or_whole';
}

export function cursorListPage<T>(ctx: EmulatorContext, req: ApiRequest, input: ListPageInput<T>): ApiResponse {
  const rawSize = req.query.get('page[size]');
  const max = maxPageSize(ctx);
  let size = max;
  if (rawSize !== null) {
    if (!/^\d+$/.test(rawSize) || Number(rawSize) < 1) return errors.invalidPageSize(`${input.path.slice(1)}/index`);
    size = Number(rawSize);
    if (size > max) {
      // Above Zendesk's own 100 the quirk decides; below it, a lowered test maximum always clamps.
      if (size > MAX_PAGE_SIZE && ctx.quirks().cursorPageSizeAboveMax === 'error')
        return errors.invalidPageSize(`${input.path.slice(1)}/index`);
      size = max;
    }
  }
  const { records, order } = input;
  const after = req.query.get('page[after]');
  const before = req.query.get('page[before]');
  let start = 0;
  let end = Math.min(records.length, size);
  let hasMore = end < records.length;
  if (after !== null || before !== null) {
    const key = decodeCursor((after ?? before)!, order.spec);
    if (!key) return errors.invalidValue('Invalid cursor');
    if (after !== null) {
      start = search(records, order, key, false);
      end = Math.min(records.length, start + size);
      hasMore = end < records.length;
    } else {
      end = search(records, order, key, true);
      start = Math.max(0, end - size);
      hasMore = start > 0;
    }
  }
  const page = records.slice(start, end);
  const afterCursor = page.length ? encodeCursor(order.spec, order.key(page[page.length - 1]!)) : null;
  const beforeCursor = page.length ? encodeCursor(order.spec, order.key(page[0]!)) : null;
  const base = `${ctx.baseUrl()}${input.path}.json?`;
  const rest = `&page%5Bsize%5D=${size}${otherParams(req.query)}`;
  // Zendesk keeps links.next (and after_cursor) on the last page: clients must stop on has_more.
  const links = {
    prev: beforeCursor ? `${base}page%5Bbefore%5D=${encodeURIComponent(beforeCursor)}${rest}` : null,
    next: afterCursor ? `${base}page%5Bafter%5D=${encodeURIComponent(afterCursor)}${rest}` : null,
  };
  const meta: Record<string, unknown> = { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor };
  if (page.length === 0 && ctx.quirks().emptyCursorPage === 'omit') {
    // What an empty result sends is UNCONFIRMED: this variant leaves the null cursors and links out.
    delete meta.after_cursor;
    delete meta.before_cursor;
    delete (links as Partial<typeof links>).prev;
    delete (links as Partial<typeof links>).next;
  }
  const body =
    `{"${input.key}":[${page.map(input.serialize).join(',')}]${input.sideloads ? input.sideloads(page) : ''}` +
    `,"meta":${JSON.stringify(meta)},"links":${JSON.stringify(links)}}`;
  return jsonResponse(200, body);
}

/** Offset pages: beyond the first 10,000 records Zendesk answers 400 InvalidPaginationDepth. */
export function offsetListPage<T>(ctx: EmulatorContext, req: ApiRequest, input: ListPageInput<T>): ApiResponse {
  const pageNumber = Math.max(1, Math.floor(Number(req.query.get('page') ?? '1')) || 1);
  const requestedPerPage = req.query.get('per_page');
  const max = maxPageSize(ctx);
  const perPage = Math.min(max, Math.max(1, Math.floor(Number(requestedPerPage ?? String(max))) || max));
  const offset = (pageNumber - 1) * perPage;
  if (offset >= 10_000) return errors.paginationDepth();
  const { records } = input;
  const page = records.slice(offset, offset + perPage);
  const link = (n: number) =>
    `${ctx.baseUrl()}${input.path}.json?page=${n}${requestedPerPage !== null ? `&per_page=${perPage}` : ''}${otherParams(req.query)}`;
  const next = offset + perPage < records.length ? link(pageNumber + 1) : null;
  const previous = pageNumber > 1 ? link(pageNumber - 1) : null;
  const body =
    `{"${input.key}":[${page.map(input.serialize).join(',')}]${input.sideloads ? input.sideloads(page) : ''}` +
    `,"next_page":${JSON.stringify(next)},"previous_page":${JSON.stringify(previous)},"count":${records.length}}`;
  return jsonResponse(200, body);
}

/** Endpoints Zendesk does not paginate without paging parameters (ticket_fields, ticket_forms). */
export function unpaginatedList<T>(input: ListPageInput<T>): ApiResponse {
  const body =
    `{"${input.key}":[${input.records.map(input.serialize).join(',')}]${input.sideloads ? input.sideloads(input.records) : ''}` +
    `,"next_page":null,"previous_page":null,"count":${input.records.length}}`;
  return jsonResponse(200, body);
}
