import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { streams } from '../../catalog/collections';
import type { StreamSpec } from '../../catalog/types';
import { createZendeskClient, type PageResult, type ResumeCursor, ZendeskPaginationError } from '../../zendesk';
import { cursorExport, type TimedRecord, timeExport } from './fakeZendesk';
import { API_TOKEN_AUTH, FAST_HTTP, sendJson, sendText, type Stub, startStub } from './stubServer';

const streamNamed = (name: string): StreamSpec => streams.find((s) => s.name === name)!;
const TICKETS = streamNamed('tickets');
const ORGANIZATIONS = streamNamed('organizations');
const TICKET_EVENTS = streamNamed('ticket_events');

let stubs: Stub[] = [];
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  stubs = [];
});
async function stub(handler: Parameters<typeof startStub>[0]) {
  const s = await startStub(handler);
  stubs.push(s);
  return s;
}

/** A server on another port standing in for a hostile canonical host: it must never be contacted. */
async function hostile() {
  return stub((_request, res) => sendJson(res, 200, { tickets: [], end_of_stream: true }));
}

async function collect(pages: AsyncIterable<PageResult>): Promise<PageResult[]> {
  const out: PageResult[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const ids = (pages: PageResult[]) => pages.flatMap((p) => p.records.map((r) => r.id as number));

function dataset(count: number, tsOf: (i: number) => number): TimedRecord[] {
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, ts: tsOf(i) }));
}

function clientFor(s: Stub) {
  return createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
}

describe('cursor export engine', () => {
  it('reads every record exactly once; start_time only first, then cursor with per_page/include/params re-appended', async () => {
    const evil = await hostile();
    const records = dataset(23, (i) => 1000 + Math.floor(i / 4)); // several records share each second
    const s = await stub(cursorExport(records, 'tickets', evil.baseUrl));
    const client = clientFor(s);
    const stream = { ...TICKETS, params: { exclude_deleted: 'true' } };
    try {
      const pages = await collect(client.paginate(stream, { startTime: 1000, pageSize: 5 }));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.equal(pages.length, 5);
      assert.deepEqual(
        pages.map((p) => p.done),
        [false, false, false, false, true],
      );
      const [first, ...rest] = s.requests;
      assert.equal(first!.query.get('start_time'), '1000');
      assert.equal(first!.query.get('cursor'), null);
      for (const request of s.requests) {
        assert.equal(request.query.get('per_page'), '5');
        assert.equal(request.query.get('include'), 'metric_sets');
        assert.equal(request.query.get('exclude_deleted'), 'true');
      }
      for (const request of rest) {
        assert.equal(request.query.get('start_time'), null, 'never start_time together with cursor');
        assert.ok(request.query.get('cursor'));
      }
      assert.equal(evil.requests.length, 0);
      // The final after_cursor is the bookmark for the next sync.
      const last = pages.at(-1)!;
      assert.deepEqual(last.resumeCursor, { cursor: last.page.after_cursor });
      assert.equal(Buffer.from((last.resumeCursor as { cursor: string }).cursor, 'base64').toString(), '1005.0||23|');
    } finally {
      await client.close();
    }
  });

  it('resuming from any page cursor yields exactly the rest', async () => {
    const evil = await hostile();
    const records = dataset(17, (i) => 50 + Math.floor(i / 3));
    const s = await stub(cursorExport(records, 'tickets', evil.baseUrl));
    const client = clientFor(s);
    try {
      const full = await collect(client.paginate(TICKETS, { startTime: 0, pageSize: 4 }));
      const all = ids(full);
      for (let k = 0; k < full.length; k++) {
        const cursor = JSON.parse(JSON.stringify(full[k]!.resumeCursor)) as ResumeCursor;
        const resumed = await collect(client.paginate(TICKETS, { resumeCursor: cursor, pageSize: 4 }));
        const prefix = ids(full.slice(0, k + 1));
        assert.deepEqual([...prefix, ...ids(resumed)], all, `resume after page ${k}`);
      }
      // Resuming from the bookmark of a finished sync returns no records and keeps the bookmark.
      const after = await collect(client.paginate(TICKETS, { resumeCursor: full.at(-1)!.resumeCursor }));
      assert.equal(ids(after).length, 0);
      assert.deepEqual(after.at(-1)!.resumeCursor, full.at(-1)!.resumeCursor);
    } finally {
      await client.close();
    }
  });

  it('continues past an empty page that is not end_of_stream', async () => {
    const s = await stub((request, res) => {
      const cursor = request.query.get('cursor');
      if (cursor === null) return sendJson(res, 200, { users: [], after_cursor: 'c1', end_of_stream: false });
      if (cursor === 'c1') return sendJson(res, 200, { users: [{ id: 7 }], after_cursor: 'c2', end_of_stream: true });
      return sendText(res, 500, 'unexpected');
    });
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(streamNamed('users'), { startTime: 0 }));
      assert.deepEqual(ids(pages), [7]);
      assert.deepEqual(pages.at(-1)!.resumeCursor, { cursor: 'c2' });
    } finally {
      await client.close();
    }
  });

  it('fails instead of looping when the cursor does not advance', async () => {
    const s = await stub((_request, res) => sendJson(res, 200, { users: [], after_cursor: 'stuck', end_of_stream: false }));
    const client = clientFor(s);
    try {
      await assert.rejects(collect(client.paginate(streamNamed('users'), { startTime: 0 })), ZendeskPaginationError);
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });

  it('treats 422 Too recent start_time as nothing new', async () => {
    const s = await stub((_request, res) =>
      sendJson(res, 422, { error: 'InvalidValue', description: 'Too recent start_time. Use a start_time older than 5 minutes' }),
    );
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKETS, { startTime: 1_700_000_000 }));
      assert.deepEqual(
        pages.map((p) => [p.records.length, p.done, p.resumeCursor]),
        [[0, true, { start_time: 1_700_000_000 }]],
      );
    } finally {
      await client.close();
    }
  });

  it('without a start time reads from the beginning of the history (start_time=0)', async () => {
    const s = await stub((_request, res) => sendJson(res, 200, { tickets: [], after_cursor: 'x', end_of_stream: true }));
    const client = clientFor(s);
    try {
      await collect(client.paginate(TICKETS));
      assert.equal(s.requests[0]!.query.get('start_time'), '0');
      assert.equal(s.requests[0]!.query.get('per_page'), '1000');
    } finally {
      await client.close();
    }
  });

  it("ends at the window's end time: the first page past it is the last, and nothing after it is requested", async () => {
    const evil = await hostile();
    const records = dataset(20, (i) => 1000 + i); // one record per second: pages of 5 end at 1004, 1009, 1014, 1019
    const s = await stub(cursorExport(records, 'tickets', evil.baseUrl));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKETS, { startTime: 1000, endTime: 1006, pageSize: 5 }));
      assert.deepEqual(
        pages.map((p) => [p.records.length, p.done]),
        [
          [5, false],
          [5, true],
        ],
        'the page reaching 1009 is the last, whole',
      );
      assert.equal(s.requests.length, 2);
      const exact = await collect(client.paginate(TICKETS, { startTime: 1000, endTime: 1004, pageSize: 5 }));
      assert.deepEqual(
        exact.map((p) => p.done),
        [false, true],
        'a page ending exactly at the end time is not past it',
      );
      const beyond = await collect(client.paginate(TICKETS, { startTime: 1000, endTime: 5000, pageSize: 5 }));
      assert.deepEqual(
        ids(beyond),
        records.map((r) => r.id),
        'an end past the last record reads to the end of the stream',
      );
    } finally {
      await client.close();
    }
  });
});

describe('time export engine', () => {
  it('drops boundary duplicates (inclusive start_time) and follows end_time on our own origin', async () => {
    const evil = await hostile();
    // 5 per page; each page ends on a second that has more records, so those come back next page.
    const records = dataset(22, (i) => 2000 + Math.floor(i / 3));
    const s = await stub(timeExport(() => records, 'organizations', evil.baseUrl));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(ORGANIZATIONS, { startTime: 2000, pageSize: 5 }));
      const emitted = ids(pages);
      const rawCount = pages.reduce((n, p) => n + (p.page.organizations as unknown[]).length, 0);
      assert.ok(rawCount > records.length, `the server re-sent boundary records (${rawCount} raw for ${records.length})`);
      assert.equal(emitted.length, records.length);
      assert.deepEqual(
        [...emitted].sort((a, b) => a - b),
        records.map((r) => r.id),
      );
      assert.equal(evil.requests.length, 0);
      assert.ok(pages.at(-1)!.done);
      assert.deepEqual(pages.at(-1)!.resumeCursor, { start_time: pages.at(-1)!.page.end_time });
      for (const page of pages) {
        assert.deepEqual(page.resumeCursor, { start_time: page.page.end_time });
      }
      assert.ok(s.requests.slice(1).every((r, i) => Number(r.query.get('start_time')) === pages[i]!.page.end_time));
    } finally {
      await client.close();
    }
  });

  it('emits a re-returned record again when the copy is newer', async () => {
    const evil = await hostile();
    // Seconds 3000..3002, three records each; with 5 per page, page 1 ends inside second 3001
    // (ids 6 and 5), which page 2 returns again.
    const records = dataset(9, (i) => 3000 + Math.floor(i / 3));
    const s = await stub((request, res) => {
      // Between page 1 and page 2, record 5 changes (same second, newer version).
      if (s.requests.length === 2) records[4] = { id: 5, ts: 3001, version: 2 };
      return timeExport(() => records, 'organizations', evil.baseUrl)(request, res);
    });
    const client = clientFor(s);
    try {
      const stream = { ...ORGANIZATIONS, timeField: 'version' };
      const pages = await collect(client.paginate(stream, { startTime: 3000, pageSize: 5 }));
      const fives = pages.flatMap((p) => p.records).filter((r) => r.id === 5);
      assert.deepEqual(
        fives.map((r) => r.version),
        [undefined, 2],
      );
      const others = ids(pages).filter((id) => id !== 5);
      assert.equal(new Set(others).size, others.length, 'unchanged boundary records are not repeated');
    } finally {
      await client.close();
    }
  });

  it('survives a same-second page larger than 1000 (end_time = ts+1)', async () => {
    const evil = await hostile();
    const records = [
      ...dataset(10, (i) => 100 + i),
      ...Array.from({ length: 1500 }, (_, i) => ({ id: 100 + i, ts: 500 })),
      ...Array.from({ length: 7 }, (_, i) => ({ id: 5000 + i, ts: 600 + i })),
    ];
    const s = await stub(timeExport(() => records, 'ticket_events', evil.baseUrl, 'timestamp'));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKET_EVENTS, { startTime: 0, includes: [] }));
      const emitted = ids(pages);
      assert.equal(emitted.length, records.length);
      assert.equal(new Set(emitted).size, records.length);
      assert.ok(pages.some((p) => (p.page.ticket_events as unknown[]).length === 1500));
      assert.ok(pages.some((p) => p.page.end_time === 501));
      assert.equal(s.requests[0]!.query.get('include'), null);
    } finally {
      await client.close();
    }
  });

  it('treats 422 InvalidValue (too recent start_time) as nothing new, cursor unchanged', async () => {
    const s = await stub((_request, res) =>
      sendJson(res, 422, { error: 'InvalidValue', description: 'Too recent start_time. Use a start_time older than 5 minutes' }),
    );
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(ORGANIZATIONS, { resumeCursor: { start_time: 1_800_000_000 } }));
      assert.equal(pages.length, 1);
      assert.deepEqual(pages[0]!.records, []);
      assert.equal(pages[0]!.done, true);
      assert.deepEqual(pages[0]!.resumeCursor, { start_time: 1_800_000_000 });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('fails loudly when end_time does not advance and end_of_stream is false', async () => {
    const s = await stub((request, res) => {
      const start = Number(request.query.get('start_time'));
      sendJson(res, 200, {
        organizations: [{ id: 1, updated_at: '2024-01-01T00:00:00Z' }],
        count: 1,
        end_of_stream: false,
        end_time: start,
        next_page: `x?start_time=${start}`,
      });
    });
    const client = clientFor(s);
    try {
      await assert.rejects(collect(client.paginate(ORGANIZATIONS, { startTime: 42 })), (error: unknown) => {
        assert.ok(error instanceof ZendeskPaginationError);
        assert.equal(error.retryable, false);
        assert.match(error.message, /did not advance/);
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('shrinks the page size on 504 and grows it back after successful pages', async () => {
    const evil = await hostile();
    const records = dataset(4000, (i) => 10_000 + i);
    let failures = 0;
    const s = await stub((request, res) => {
      if (failures < 2) {
        failures += 1;
        return sendText(res, 504, 'Gateway Timeout');
      }
      return timeExport(() => records, 'organizations', evil.baseUrl)(request, res);
    });
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(ORGANIZATIONS, { startTime: 0 }));
      const sizes = s.requests.map((r) => Number(r.query.get('per_page')));
      assert.deepEqual(sizes.slice(0, 5), [1000, 500, 250, 250, 250]);
      assert.equal(sizes[5], 500, 'grows back after three good pages');
      assert.ok(sizes.includes(1000, 5), 'and back to the full 1000');
      assert.equal(new Set(ids(pages)).size, 4000);
    } finally {
      await client.close();
    }
  });
});
