/**
 * The end of a read window (a backfill's end time): Zendesk's exports have no end parameter, so the
 * read stops after the first page holding a record past the end. That page is the last one (marked
 * done) and is delivered whole; no page beyond it is requested.
 */
import type { StreamSpec } from '../../catalog/types';
import { recordTimeSeconds } from '../recordTime';
import type { JsonRecord, PageResult } from './types';

/** Largest value of the stream's time field among the records (epoch seconds). */
function latestTime(records: JsonRecord[], field: string | undefined): number | undefined {
  if (!field) return undefined;
  let latest: number | undefined;
  for (const record of records) {
    const t = recordTimeSeconds((record as Record<string, unknown> | null)?.[field]);
    if (t !== undefined && !Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/** The pages up to and including the first that reaches past `endTime` (epoch seconds). */
export async function* endingAt(pages: AsyncGenerator<PageResult>, stream: StreamSpec, endTime: number): AsyncGenerator<PageResult> {
  for await (const page of pages) {
    const latest = page.done ? undefined : latestTime(page.records, stream.timeField);
    if (latest !== undefined && latest > endTime) {
      yield { ...page, done: true };
      return;
    }
    yield page;
  }
}
