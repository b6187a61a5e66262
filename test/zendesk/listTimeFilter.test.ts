// The query parameters of a list's time filter (zendesk/pagination/list.ts), as the catalog declares
// each, and where a newest-first read (skips) stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamByName } from '../../catalog/collections';
import { listPages, NewestFirstStop, timeFilterParams } from '../../zendesk/pagination/list';
import type { JsonRecord, PageFetcher } from '../../zendesk/pagination/types';

const since = 1_700_000_000; // 2023-11-14T22:13:20Z

test('a whole read sends no filter; each filtered list sends its parameter in its format', () => {
  assert.deepEqual(timeFilterParams(streamByName('satisfaction_ratings'), undefined), []);
  assert.deepEqual(timeFilterParams(streamByName('satisfaction_ratings'), since), [['start_time', String(since)]]);
  assert.deepEqual(timeFilterParams(streamByName('activities'), since), [['since', '2023-11-14T22:13:20Z']]);
  const audit = timeFilterParams(streamByName('audit_logs'), since);
  assert.equal(audit.length, 2, 'a created_at range needs both bounds');
  assert.deepEqual(audit[0], ['filter[created_at][]', '2023-11-14T22:13:20Z']);
  assert.equal(audit[1]![0], 'filter[created_at][]');
  assert.ok(Date.parse(audit[1]![1]) > Date.now(), 'the upper bound lies ahead of now');
});

test('a list without a time filter refuses one rather than reading it whole under a filtered read', () => {
  assert.throws(() => timeFilterParams(streamByName('organization_memberships'), since), /no time filter/);
});

test('skips are asked newest first (sort_order=desc) for a read from a lower bound, and in the default order for a whole read', () => {
  assert.deepEqual(timeFilterParams(streamByName('ticket_skips'), undefined), []);
  assert.deepEqual(timeFilterParams(streamByName('ticket_skips'), since), [['sort_order', 'desc']]);
});

const at = (seconds: number): JsonRecord => ({ created_at: new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') });

test('a newest-first read stops after the page that reaches before its bound, only once the order is seen descending', () => {
  const stop = new NewestFirstStop('created_at', since);
  assert.equal(stop.afterPage([at(since + 300), at(since + 200)]), false, 'still after the bound');
  assert.equal(stop.afterPage([at(since + 100), at(since - 1)]), true, 'reached before the bound');
  assert.equal(stop.outOfOrder, false);

  // All of one time proves no order: no stop, even before the bound.
  const flat = new NewestFirstStop('created_at', since);
  assert.equal(flat.afterPage([at(since - 10), at(since - 10)]), false);

  // Oldest first (sort_order ignored): never stops, and says so.
  const ascending = new NewestFirstStop('created_at', since);
  assert.equal(ascending.afterPage([at(since - 900), at(since - 800)]), false);
  assert.equal(ascending.afterPage([at(since - 200), at(since - 300)]), false, 'a step down later does not undo a step up');
  assert.equal(ascending.outOfOrder, true);

  // A record without a readable time turns stopping off.
  const unreadable = new NewestFirstStop('created_at', since);
  assert.equal(unreadable.afterPage([at(since + 5), { created_at: null }, at(since - 5)]), false);
  assert.equal(unreadable.outOfOrder, true);
});

/** A fake cursor list of `records` pages of `size`, served in the order given; counts requests. */
function fakeList(records: JsonRecord[], size: number): PageFetcher & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    toRequestPath: (link) => link,
    getPage: async (path) => {
      const asked = path();
      requests.push(asked);
      const after = Number(new URL(asked, 'http://x').searchParams.get('page[after]') ?? 0);
      const page = records.slice(after, after + size);
      const more = after + size < records.length;
      return { skips: page, meta: { has_more: more, after_cursor: String(after + size), before_cursor: String(after) } };
    },
  };
}

test('the skips engine reads newest first down to the bound (then stops), and a list served oldest first to its end', async () => {
  const stream = streamByName('ticket_skips');
  const times = Array.from({ length: 50 }, (_, i) => since + 2000 - i * 100); // newest first, 100 s apart
  const newestFirst = fakeList(times.map(at), 10);
  const pages = [];
  for await (const page of listPages(stream, newestFirst, { after_cursor: null }, { includes: [], changedSince: since }, 'cursor'))
    pages.push(page);
  assert.equal(pages.length, 3, 'the third page holds the first skip before the bound');
  assert.equal(pages.at(-1)!.done, true);
  assert.equal(pages.at(-1)!.warning, undefined);
  assert.ok(
    newestFirst.requests.every((r) => r.includes('sort_order=desc')),
    newestFirst.requests.join(' '),
  );

  const oldestFirst = fakeList([...times].reverse().map(at), 10);
  const all = [];
  for await (const page of listPages(stream, oldestFirst, { after_cursor: null }, { includes: [], changedSince: since }, 'cursor'))
    all.push(page);
  assert.equal(all.length, 5, 'read to the end');
  assert.match(all.at(-1)!.warning ?? '', /did not come newest first/);

  // A whole read (a reconciliation) asks in the default order and reads everything.
  const whole = fakeList(times.map(at), 10);
  const every = [];
  for await (const page of listPages(stream, whole, { after_cursor: null }, { includes: [] }, 'cursor')) every.push(page);
  assert.equal(every.length, 5);
  assert.ok(whole.requests.every((r) => !r.includes('sort_order')));
});
