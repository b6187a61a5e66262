/**
 * Time-based incremental export (`/incremental/organizations`, `/incremental/ticket_events`, ...):
 * `start_time` → `end_time`, rebuilt on our own base URL rather than following next_page.
 *
 * start_time is inclusive and a full page ends on the last record's second, so the next page
 * starts by returning that second's records again. Those are dropped unless newer (by the stream's
 * timeField); only the previous page needs remembering because the following page always starts
 * at a later second. A page made of a single second is expanded by Zendesk beyond per_page with
 * end_time = second + 1, which needs nothing special here except never assuming a size.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { recordTimeSeconds } from '../recordTime';
import { EXPORT_MAX_PAGE_SIZE, EXPORT_MIN_PAGE_SIZE } from './cursorExport';
import { AdaptivePageSize } from './pageSize';
import { baseParams, withQuery } from './query';
import { recordsOf } from './records';
import { isTooRecentStartTime } from './tooRecent';
import type { EngineOptions, JsonRecord, PageFetcher, PageResult, TimeExportResume } from './types';

/** Comparable version time of a record (epoch seconds); -Infinity when it has none. */
function versionTime(record: JsonRecord, timeField: string | undefined): number {
  if (timeField === undefined) return Number.NEGATIVE_INFINITY;
  return recordTimeSeconds(record[timeField]) ?? Number.NEGATIVE_INFINITY;
}

function idOf(record: JsonRecord): string | undefined {
  const id = record.id;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}

/**
 * Removes records already emitted on the previous page (unless this copy is newer) and repeated
 * ids within the page (the newest copy is kept, at the first copy's position).
 */
export function dedupeAgainstPrevious(
  records: JsonRecord[],
  previous: ReadonlyMap<string, number>,
  timeField: string | undefined,
): { records: JsonRecord[]; seen: Map<string, number> } {
  const seen = new Map<string, number>();
  const output: JsonRecord[] = [];
  const indexById = new Map<string, number>();
  for (const record of records) {
    const id = idOf(record);
    if (id === undefined) {
      output.push(record);
      continue;
    }
    const time = versionTime(record, timeField);
    const earlierIndex = indexById.get(id);
    if (earlierIndex !== undefined) {
      if (time > seen.get(id)!) {
        output[earlierIndex] = record;
        seen.set(id, time);
      }
      continue;
    }
    const previousTime = previous.get(id);
    seen.set(id, Math.max(time, previousTime ?? Number.NEGATIVE_INFINITY));
    if (previousTime !== undefined && time <= previousTime) continue;
    indexById.set(id, output.length);
    output.push(record);
  }
  return { records: output, seen };
}

export async function* timeExportPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  start: TimeExportResume,
  options: EngineOptions,
): AsyncGenerator<PageResult<TimeExportResume>> {
  const pageSize = new AdaptivePageSize(EXPORT_MAX_PAGE_SIZE, EXPORT_MIN_PAGE_SIZE, options.pageSize);
  const fixed = baseParams(stream.params, options.includes);
  let startTime = start.start_time;
  let previous = new Map<string, number>();
  for (;;) {
    let requestedSize = pageSize.current;
    let page: JsonRecord;
    try {
      page = await fetcher.getPage(
        () => {
          requestedSize = pageSize.current;
          return withQuery(stream.path, [['start_time', String(startTime)], ['per_page', String(requestedSize)], ...fixed]);
        },
        { bucket: stream.bucket, ...(options.signal ? { signal: options.signal } : {}), onRetry: pageSize.onRetry },
      );
    } catch (error) {
      if (isTooRecentStartTime(error)) {
        yield { records: [], page: {}, resumeCursor: { start_time: startTime }, done: true };
        return;
      }
      throw error;
    }
    const raw = recordsOf(stream, page);
    const endTime = typeof page.end_time === 'number' && Number.isFinite(page.end_time) ? page.end_time : undefined;
    // end_of_stream is documented on Support's exports. Where it is missing (Help Center's article
    // export), a short page or a null next_page is the end; Support's exports send a next_page even
    // on their last page, so a next_page link alone never means more.
    const endOfStream =
      typeof page.end_of_stream === 'boolean' ? page.end_of_stream : page.next_page === null || raw.length < requestedSize;
    if (!endOfStream && (endTime === undefined || endTime <= startTime)) {
      throw new ZendeskPaginationError(
        `Zendesk's ${stream.name} export did not advance (start_time=${startTime}, end_time=${String(page.end_time)}, end_of_stream=false); stopping instead of looping forever.`,
      );
    }
    const deduped = dedupeAgainstPrevious(raw, previous, stream.timeField);
    previous = deduped.seen;
    startTime = endTime === undefined ? startTime : Math.max(startTime, endTime);
    pageSize.recordSuccess();
    yield { records: deduped.records, page, resumeCursor: { start_time: startTime }, done: endOfStream };
    if (endOfStream) return;
  }
}
