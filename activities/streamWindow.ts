/**
 * The read window of one run of a stream, decided here and nowhere else (`paginate` applies it):
 *
 *   resume position   the stream's cursor (incremental) or the previous attempt's heartbeat
 *   start time        a backfill: its range's start;
 *                     an export whose catalog lookback is null: 0, the whole history;
 *                     an export with a catalog lookback: the source's lookbackDays before now;
 *                     anything else (lists): none
 *   end time          a backfill: its range's end; otherwise none (read to the last page)
 */
import type { StreamSpec } from '../catalog/types';
import { DEFAULT_LOOKBACK_DAYS } from '../workflows/syncDefaults';
import type { StreamCursor, SyncStreamInput } from '../workflows/types';
import type { ReadWindow, ResumeCursor } from '../zendesk';

const DAY_SECONDS = 86_400;

export function streamWindow(input: SyncStreamInput, stream: StreamSpec, cursor: StreamCursor | null, now: () => number): ReadWindow {
  const resumeCursor = (cursor?.value ?? null) as ResumeCursor | null;
  if (input.mode === 'backfill') return { resumeCursor, startTime: input.range!.from, endTime: input.range!.to };
  if (stream.initialLookbackDays === null) return { resumeCursor, startTime: 0 };
  if (stream.initialLookbackDays !== undefined) {
    return { resumeCursor, startTime: Math.floor(now() / 1000) - (input.config.lookbackDays ?? DEFAULT_LOOKBACK_DAYS) * DAY_SECONDS };
  }
  return { resumeCursor };
}
