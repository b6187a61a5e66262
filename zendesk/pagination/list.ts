/**
 * Core list endpoints (groups, ticket_fields, ticket_forms, memberships, ...). Zendesk lists answer
 * in one of two envelopes, and not always the one asked for: some endpoints ignore `page[size]` and
 * answer offset-style, others ignore `page`/`per_page` and answer cursor-style. So the catalog style
 * (`cursor_list` / `offset_list`) only decides how the FIRST request asks; every page is then read
 * by what it actually carries:
 *
 * - cursor style, `meta.has_more` present: stop on has_more == false (Zendesk still sends
 *   links.next and after_cursor on the last page); otherwise ask `page[after]=<after_cursor>`
 *   (links.next by path and query on our base URL when present), with page[size] set to the
 *   current size and the stream's params restored if the link dropped them.
 * - offset style, a `next_page` key: follow next_page (path and query on our base URL) until it is
 *   null. A walk that started at the first page and ends with fewer records than `count` fails.
 * - cursor signs without `has_more` (after_cursor or links.next only): whether more follow is
 *   unknown, so the next cursor is followed until a page comes back empty (a non-empty page with
 *   no next cursor at all fails).
 * - neither (no meta, no links, no next_page key): one unpaginated answer (ticket_forms), accepted
 *   only when nothing says there is more: `count`, when present, must equal the records received.
 *
 * Anything else fails the stream with a ZendeskPaginationError naming the stream and what was
 * missing: a list is read to its end or not at all, never silently cut short.
 */
import type { IncrementalListFilter, StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { AdaptivePageSize } from './pageSize';
import { baseParams, overrideQuery, withDefaultQuery, withQuery, type QueryParams } from './query';
import { nonEmptyString, recordsOf } from './records';
import type { EngineOptions, JsonRecord, ListResume, PageFetcher, PageResult } from './types';

export const LIST_MAX_PAGE_SIZE = 100;
export const LIST_MIN_PAGE_SIZE = 25;

/** How the first request of a fresh read asks: with `page[size]` (cursor_list) or bare (offset_list). */
export type FirstAsk = 'cursor' | 'plain';

/** The next request: a path, and whether it is a cursor request (page[size] is set on it). */
interface NextRequest {
  path: string;
  cursor: boolean;
}

function isObject(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DAY_SECONDS = 86_400;

function formatTime(seconds: number, format: IncrementalListFilter['format']): string {
  return format === 'epoch' ? String(seconds) : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The query parameters of a list's time filter (the catalog's `incrementalFilter`) from `since`, or
 * none for a whole read. They are fixed parameters of the read: re-applied to every next link that
 * dropped them, so a read resumed mid-list stays the same filtered read.
 */
export function timeFilterParams(stream: StreamSpec, since: number | undefined): QueryParams {
  const filter = stream.incrementalFilter;
  if (since === undefined) return [];
  if (!filter) {
    throw new ZendeskPaginationError(`Zendesk's ${stream.name} list (${stream.path}) has no time filter; it can only be read in full.`);
  }
  // Newest first: no time is sent; the read stops by itself (NewestFirstStop).
  if (filter.shape === 'newest_first') return [[filter.param, 'desc']];
  const from: [string, string] = [filter.param, formatTime(since, filter.format)];
  if (filter.shape === 'from') return [from];
  // Both bounds: the upper one a day past now, so that no clock skew hides a record created meanwhile.
  return [from, [filter.param, formatTime(Math.floor(Date.now() / 1000) + DAY_SECONDS, filter.format)]];
}

/**
 * A newest-first read (filter shape 'newest_first') of records from `since` on: after each page,
 * whether the read may stop. It may once the records so far came in newest-first order (at least one
 * step down, none up: a list served in another order, or all of one time, proves nothing) and the
 * page's last record is older than `since`: every later record is older still. A record without a
 * readable time, or any step up, turns stopping off for the rest of the read, which then reads to the
 * list's end like a full read (deleting nothing: it is not a reconciliation).
 */
export class NewestFirstStop {
  private previous: number | undefined;
  private descending = false;
  private unordered = false;

  constructor(
    private readonly field: string,
    private readonly since: number,
  ) {}

  /** Feeds one page's records in order; true when the read may end after this page. */
  afterPage(records: JsonRecord[]): boolean {
    for (const record of records) {
      const time = Date.parse(String(record[this.field])) / 1000;
      if (!Number.isFinite(time)) this.unordered = true;
      else if (this.previous !== undefined && time > this.previous) this.unordered = true;
      else if (this.previous !== undefined && time < this.previous) this.descending = true;
      if (Number.isFinite(time)) this.previous = time;
    }
    return !this.unordered && this.descending && this.previous !== undefined && this.previous < this.since;
  }

  /** The list did not come newest first: say so once (the read goes on to the end). */
  get outOfOrder(): boolean {
    return this.unordered;
  }
}

export async function* listPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  start: ListResume,
  options: EngineOptions,
  firstAsk: FirstAsk,
): AsyncGenerator<PageResult<ListResume>> {
  const pageSize = new AdaptivePageSize(LIST_MAX_PAGE_SIZE, LIST_MIN_PAGE_SIZE, options.pageSize);
  const fixed = [...baseParams(stream.params, options.includes), ...timeFilterParams(stream, options.changedSince)];
  const finished: ListResume = firstAsk === 'cursor' ? { after_cursor: null } : { next_page: null };
  const fail: (what: string) => never = (what) => {
    throw new ZendeskPaginationError(
      `Zendesk's ${stream.name} list (${stream.path}) ${what}; stopping the stream instead of losing the rest.`,
    );
  };

  let request: NextRequest;
  if ('after_cursor' in start && start.after_cursor) {
    request = { path: withQuery(stream.path, [...fixed, ['page[after]', start.after_cursor]]), cursor: true };
  } else if ('next_page' in start && start.next_page) {
    request = { path: withDefaultQuery(start.next_page, fixed), cursor: false };
  } else {
    request = { path: withQuery(stream.path, fixed), cursor: firstAsk === 'cursor' };
  }
  // Records of this run, when it began at the list's first page: checked against an offset `count`.
  const fromFirstPage = 'after_cursor' in start ? !start.after_cursor : !start.next_page;
  let seenFromStart: number | undefined = fromFirstPage ? 0 : undefined;
  let lastCursor: string | null = 'after_cursor' in start ? start.after_cursor : null;
  const visited = new Set<string>();
  const filter = stream.incrementalFilter;
  const newestFirst =
    filter?.shape === 'newest_first' && options.changedSince !== undefined
      ? new NewestFirstStop(filter.field, options.changedSince)
      : undefined;

  for (;;) {
    const sent = request;
    visited.add(sent.path);
    const page: JsonRecord = await fetcher.getPage(
      () => (sent.cursor ? overrideQuery(sent.path, [['page[size]', String(pageSize.current)]]) : sent.path),
      {
        bucket: stream.bucket,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(sent.cursor ? { onRetry: pageSize.onRetry } : {}),
      },
    );
    const records = recordsOf(stream, page);
    if (sent.cursor) pageSize.recordSuccess();
    if (seenFromStart !== undefined) seenFromStart += records.length;

    const meta = isObject(page.meta) ? page.meta : undefined;
    const links = isObject(page.links) ? page.links : undefined;
    const afterCursor = nonEmptyString(meta?.after_cursor);
    const nextLink = nonEmptyString(links?.next);
    const cursorNext = (): NextRequest => {
      if (afterCursor !== undefined && afterCursor === lastCursor) fail('gave the after_cursor it was just sent');
      const path = nextLink
        ? withDefaultQuery(fetcher.toRequestPath(nextLink), fixed)
        : withQuery(stream.path, [...fixed, ['page[after]', afterCursor!]]);
      if (afterCursor === undefined && visited.has(path)) {
        fail('points links.next back to a page already read');
      }
      return { path, cursor: true };
    };

    let next: NextRequest | null;
    if (typeof meta?.has_more === 'boolean') {
      // Cursor style.
      if (!meta.has_more) {
        next = null;
      } else {
        if (afterCursor === undefined && nextLink === undefined) fail('says has_more but gives neither meta.after_cursor nor links.next');
        next = cursorNext();
      }
    } else if ('next_page' in page && (page.next_page === null || typeof page.next_page === 'string')) {
      // Offset style (the endpoint ignored page[size], or was asked bare).
      const link = nonEmptyString(page.next_page);
      if (link === undefined) {
        const count = page.count;
        if (typeof count === 'number' && seenFromStart !== undefined && seenFromStart < count) {
          fail(`ended (next_page null) after ${seenFromStart} records read from its first page, but its count says ${count}`);
        }
        next = null;
      } else {
        const path = withDefaultQuery(fetcher.toRequestPath(link), fixed);
        if (visited.has(path)) fail('points next_page back to a page already read');
        next = { path, cursor: false };
      }
    } else if ('next_page' in page) {
      fail(`sent a next_page that is neither a link nor null (${JSON.stringify(page.next_page)})`);
    } else if (meta !== undefined || links !== undefined) {
      // Cursor signs without has_more: only an empty page surely ends the list; a next cursor is followed.
      if (records.length === 0) {
        next = null;
      } else {
        if (afterCursor === undefined && nextLink === undefined) {
          fail(
            'answered a page with meta/links but without has_more, after_cursor, links.next or next_page, so whether more follow is unknown',
          );
        }
        next = cursorNext();
      }
    } else {
      // Neither envelope: a single unpaginated answer, complete only if nothing says otherwise.
      const count = page.count;
      if (count !== undefined && count !== null && count !== records.length) {
        fail(`answered without has_more or next_page, with ${records.length} records but a count of ${JSON.stringify(count)}`);
      }
      next = null;
    }

    // A newest-first read ends once it reaches records older than its lower bound.
    if (newestFirst?.afterPage(records)) next = null;
    if (next === null) {
      const warning = newestFirst?.outOfOrder
        ? `Zendesk's ${stream.name} list did not come newest first as asked (${filter!.param}=desc): read to its end instead of stopping at the previous read`
        : undefined;
      yield { records, page, resumeCursor: finished, done: true, ...(warning && { warning }) };
      return;
    }
    // The resume position records the style being followed: a cursor, or the next offset page's path
    // (also used for a cursor link that came without after_cursor; it carries its own page[size]).
    const resume: ListResume = next.cursor && afterCursor !== undefined ? { after_cursor: afterCursor } : { next_page: next.path };
    if (afterCursor !== undefined) lastCursor = afterCursor;
    request = next;
    yield { records, page, resumeCursor: resume, done: false };
  }
}
