/**
 * Offset-paginated lists: follow `next_page` (path and query only, on our base URL) until it is
 * null. Endpoints that are not paginated at all (ticket forms) answer once with no next_page.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { baseParams, withQuery } from './query';
import { nonEmptyString, recordsOf } from './records';
import type { EngineOptions, PageFetcher, PageResult, OffsetListResume } from './types';

export async function* offsetListPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  start: OffsetListResume,
  options: EngineOptions,
): AsyncGenerator<PageResult<OffsetListResume>> {
  let path = start.next_page ?? withQuery(stream.path, baseParams(stream.params, options.includes));
  const visited = new Set<string>();
  for (;;) {
    visited.add(path);
    const pathNow = path;
    const page = await fetcher.getPage(() => pathNow, {
      bucket: stream.bucket,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const records = recordsOf(stream, page);
    const link = nonEmptyString(page.next_page);
    const next = link === undefined ? null : fetcher.toRequestPath(link);
    if (next !== null && visited.has(next)) {
      throw new ZendeskPaginationError(`Zendesk's ${stream.name} list points next_page back to a page already read; stopping instead of looping.`);
    }
    yield { records, page, resumeCursor: { next_page: next }, done: next === null };
    if (next === null) return;
    path = next;
  }
}
