/**
 * Cursor-based incremental export (`/incremental/tickets/cursor`, `/incremental/users/cursor`):
 * `start_time` on the first request only, then `cursor=<after_cursor>` with per_page/include and
 * the stream's params re-appended (never start_time with cursor: that skips records). Pages hold
 * exactly per_page records, no boundary duplicates. Stops on `end_of_stream`; the final
 * after_cursor is the bookmark for the next sync.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { AdaptivePageSize } from './pageSize';
import { baseParams, withQuery } from './query';
import { nonEmptyString, recordsOf } from './records';
import { isTooRecentStartTime } from './tooRecent';
import type { CursorExportResume, EngineOptions, PageFetcher, PageResult } from './types';

export const EXPORT_MAX_PAGE_SIZE = 1000;
export const EXPORT_MIN_PAGE_SIZE = 100;

export async function* cursorExportPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  start: CursorExportResume,
  options: EngineOptions,
): AsyncGenerator<PageResult<CursorExportResume>> {
  const pageSize = new AdaptivePageSize(EXPORT_MAX_PAGE_SIZE, EXPORT_MIN_PAGE_SIZE, options.pageSize);
  const fixed = baseParams(stream.params, options.includes);
  let position = start;
  for (;;) {
    const sent = position;
    const positionParam: [string, string] = 'cursor' in sent ? ['cursor', sent.cursor] : ['start_time', String(sent.start_time)];
    let page;
    try {
      page = await fetcher.getPage(() => withQuery(stream.path, [positionParam, ['per_page', String(pageSize.current)], ...fixed]), {
        bucket: stream.bucket,
        ...(options.signal ? { signal: options.signal } : {}),
        onRetry: pageSize.onRetry,
      });
    } catch (error) {
      if ('start_time' in sent && isTooRecentStartTime(error)) {
        yield { records: [], page: {}, resumeCursor: sent, done: true };
        return;
      }
      throw error;
    }
    const records = recordsOf(stream, page);
    const endOfStream = page.end_of_stream === true;
    const afterCursor = nonEmptyString(page.after_cursor);
    if (afterCursor !== undefined) {
      if (!endOfStream && 'cursor' in sent && sent.cursor === afterCursor) {
        throw new ZendeskPaginationError(
          `Zendesk's ${stream.name} export returned the cursor it was given without reaching end_of_stream; stopping instead of looping.`,
        );
      }
      position = { cursor: afterCursor };
    } else if (!endOfStream) {
      throw new ZendeskPaginationError(`Zendesk's ${stream.name} export page has no after_cursor and no end_of_stream.`);
    }
    pageSize.recordSuccess();
    yield { records, page, resumeCursor: position, done: endOfStream };
    if (endOfStream) return;
  }
}
