/**
 * Cursor-paginated lists (`page[size]`, `meta.has_more`, `links.next`). Stops on
 * `meta.has_more == false`: Zendesk still sends links.next and after_cursor on the last page.
 * Next links are followed by path and query on our own base URL, with page[size] set to the
 * current size and the stream's params restored if the link dropped them.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { AdaptivePageSize } from './pageSize';
import { baseParams, overrideQuery, withDefaultQuery, withQuery } from './query';
import { nonEmptyString, recordsOf } from './records';
import type { CursorListResume, EngineOptions, JsonRecord, PageFetcher, PageResult } from './types';

export const LIST_MAX_PAGE_SIZE = 100;
export const LIST_MIN_PAGE_SIZE = 25;

export async function* cursorListPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  start: CursorListResume,
  options: EngineOptions,
): AsyncGenerator<PageResult<CursorListResume>> {
  const pageSize = new AdaptivePageSize(LIST_MAX_PAGE_SIZE, LIST_MIN_PAGE_SIZE, options.pageSize);
  const fixed = baseParams(stream.params, options.includes);
  let nextPath =
    start.after_cursor === null ? withQuery(stream.path, fixed) : withQuery(stream.path, [...fixed, ['page[after]', start.after_cursor]]);
  let lastCursor = start.after_cursor;
  for (;;) {
    const pathNow = nextPath;
    const page: JsonRecord = await fetcher.getPage(() => overrideQuery(pathNow, [['page[size]', String(pageSize.current)]]), {
      bucket: stream.bucket,
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: pageSize.onRetry,
    });
    const records = recordsOf(stream, page);
    const meta = (page.meta ?? {}) as JsonRecord;
    const links = (page.links ?? {}) as JsonRecord;
    const hasMore = meta.has_more === true;
    const afterCursor = nonEmptyString(meta.after_cursor);
    pageSize.recordSuccess();
    if (!hasMore) {
      yield { records, page, resumeCursor: { after_cursor: null }, done: true };
      return;
    }
    if (afterCursor === undefined || afterCursor === lastCursor) {
      throw new ZendeskPaginationError(
        `Zendesk's ${stream.name} list says has_more but gave ${afterCursor === undefined ? 'no' : 'the same'} after_cursor; stopping instead of looping.`,
      );
    }
    lastCursor = afterCursor;
    const nextLink = nonEmptyString(links.next);
    nextPath = nextLink
      ? withDefaultQuery(fetcher.toRequestPath(nextLink), fixed)
      : withQuery(stream.path, [...fixed, ['page[after]', afterCursor]]);
    yield { records, page, resumeCursor: { after_cursor: afterCursor }, done: false };
  }
}
