/**
 * Scripted Zendesk paging behaviours for engine tests, reproducing spec §3–§4 exactly: cursor
 * exports with `"<ts>.0||<id>|"` cursors, time exports with inclusive start_time, boundary
 * duplicates and single-second expansion, cursor lists whose last page still has links.next, and
 * offset lists. Links are built on `canonicalHost` (another server in the hostile-host tests).
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from './stubServer';

export interface TimedRecord {
  id: number;
  ts: number;
  [key: string]: unknown;
}

const encodeCursor = (record: TimedRecord) => Buffer.from(`${record.ts}.0||${record.id}|`).toString('base64');
function decodeCursor(cursor: string): { ts: number; id: number } {
  const [ts, id] = Buffer.from(cursor, 'base64').toString('utf8').split('||');
  return { ts: Number.parseFloat(ts!), id: Number.parseInt(id!, 10) };
}

function byTsThenId(a: TimedRecord, b: TimedRecord): number {
  return a.ts - b.ts || a.id - b.id;
}

/** `/incremental/<key>/cursor`: exact per_page pages ordered by (ts, id), end_of_stream with after_cursor still set. */
export function cursorExport(records: TimedRecord[], key: string, canonicalHost: string) {
  return (request: RecordedRequest, res: ServerResponse) => {
    const sorted = [...records].sort(byTsThenId);
    const perPage = Number(request.query.get('per_page') ?? 1000);
    const cursor = request.query.get('cursor');
    let remaining: TimedRecord[];
    if (cursor !== null) {
      const after = decodeCursor(cursor);
      remaining = sorted.filter((r) => r.ts > after.ts || (r.ts === after.ts && r.id > after.id));
    } else {
      const start = Number(request.query.get('start_time'));
      remaining = sorted.filter((r) => r.ts >= start);
    }
    const page = remaining.slice(0, perPage);
    const last = page.at(-1);
    const afterCursor = last ? encodeCursor(last) : cursor;
    const body = {
      [key]: page.map((r) => ({ ...r, generated_timestamp: r.ts })),
      after_url: afterCursor ? `${canonicalHost}${request.path}?cursor=${encodeURIComponent(afterCursor)}&per_page=${perPage}` : null,
      before_url: null,
      after_cursor: afterCursor,
      before_cursor: null,
      end_of_stream: remaining.length <= perPage,
    };
    sendJson(res, 200, body, {}, request);
  };
}

/**
 * `/incremental/<key>` time-based, by the emulator rule of spec §4.2: records with ts >= start_time,
 * take per_page; a page of a single second takes that whole second and ends at ts+1; otherwise it
 * ends at the last record's second (whose records come back on the next page).
 */
export function timeExport(records: () => TimedRecord[], key: string, canonicalHost: string, timeField = 'updated_at') {
  return (request: RecordedRequest, res: ServerResponse) => {
    const start = Number(request.query.get('start_time'));
    const perPage = Number(request.query.get('per_page') ?? 1000);
    // Within one second the order is not by id (observed in real recordings).
    const selected = records()
      .filter((r) => r.ts >= start)
      .sort((a, b) => a.ts - b.ts || b.id - a.id);
    let page = selected.slice(0, perPage);
    let endTime: number;
    if (page.length > 0 && page[0]!.ts === page.at(-1)!.ts) {
      const second = page[0]!.ts;
      page = selected.filter((r) => r.ts === second);
      endTime = second + 1;
    } else {
      endTime = page.length > 0 ? page.at(-1)!.ts : start;
    }
    sendJson(
      res,
      200,
      {
        [key]: page.map((r) => ({ ...r, [timeField]: timeField === 'timestamp' ? r.ts : new Date(r.ts * 1000).toISOString() })),
        count: page.length,
        end_of_stream: selected.length < perPage,
        next_page: `${canonicalHost}${request.path}?start_time=${endTime}&per_page=${perPage}`,
        end_time: endTime,
      },
      {},
      request,
    );
  };
}

/** Cursor list: page[size] (max 100), meta.has_more; links.next and after_cursor stay set on the last page. */
export function cursorList(records: Array<{ id: number }>, key: string, canonicalHost: string) {
  return (request: RecordedRequest, res: ServerResponse) => {
    const size = Math.min(100, Number(request.query.get('page[size]') ?? 100));
    const after = request.query.get('page[after]');
    const startIndex = after === null ? 0 : Number(Buffer.from(after, 'base64').toString('utf8')) + 1;
    const page = records.slice(startIndex, startIndex + size);
    const lastIndex = startIndex + Math.max(page.length, 1) - 1;
    const afterCursor = Buffer.from(String(lastIndex)).toString('base64');
    const beforeCursor = Buffer.from(String(startIndex)).toString('base64');
    sendJson(
      res,
      200,
      {
        [key]: page,
        meta: { has_more: startIndex + size < records.length, after_cursor: afterCursor, before_cursor: beforeCursor },
        links: {
          prev: `${canonicalHost}${request.path}?page%5Bbefore%5D=${encodeURIComponent(beforeCursor)}&page%5Bsize%5D=${size}`,
          next: `${canonicalHost}${request.path}?page%5Bafter%5D=${encodeURIComponent(afterCursor)}&page%5Bsize%5D=${size}`,
        },
      },
      {},
      request,
    );
  };
}

/** Offset list: ?page=N, next_page on the canonical host until the last page. */
export function offsetList(records: Array<{ id: number }>, key: string, canonicalHost: string, perPage = 100) {
  return (request: RecordedRequest, res: ServerResponse) => {
    const pageNumber = Number(request.query.get('page') ?? 1);
    const page = records.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const more = pageNumber * perPage < records.length;
    sendJson(
      res,
      200,
      {
        [key]: page,
        next_page: more ? `${canonicalHost}${request.path}?page=${pageNumber + 1}` : null,
        previous_page: pageNumber > 1 ? `${canonicalHost}${request.path}?page=${pageNumber - 1}` : null,
        count: records.length,
      },
      {},
      request,
    );
  };
}
