import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall, walkCursorExport } from './helpers';

describe('cursor-based exports', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall();
  });
  after(() => emulator.close());

  test('walking tickets/cursor yields every ticket exactly once, in (generated_timestamp, id) order', async () => {
    const pages = await walkCursorExport(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=17', 'tickets');
    const tickets = pages.flatMap((p) => p.tickets);
    const ids = tickets.map((t: any) => t.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.equal(ids.length, emulator.store.tickets.size);
    for (let i = 1; i < tickets.length; i++) {
      const [a, b] = [tickets[i - 1], tickets[i]];
      assert.ok(a.generated_timestamp < b.generated_timestamp || (a.generated_timestamp === b.generated_timestamp && a.id < b.id));
    }
    // Every page but the last is exactly per_page; before_* are null; per_page is kept in after_url.
    pages.slice(0, -1).forEach((p) => assert.equal(p.tickets.length, 17));
    assert.ok(pages.every((p) => p.before_url === null && p.before_cursor === null));
    assert.match(pages[0].after_url, /per_page=17/);
    const last = pages[pages.length - 1];
    assert.equal(last.end_of_stream, true);
    assert.ok(last.after_cursor && last.after_url, 'last page still carries after_cursor/after_url');
    const decoded = Buffer.from(last.after_cursor, 'base64').toString();
    const lastTicket = tickets[tickets.length - 1];
    assert.equal(decoded, `${lastTicket.generated_timestamp}.0||${lastTicket.id}|`);
    // Resuming from the bookmark gives an empty, finished page.
    const resumed = await get(emulator, `/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(last.after_cursor)}`);
    assert.equal(resumed.body.tickets.length, 0);
    assert.equal(resumed.body.end_of_stream, true);
  });

  test('users/cursor yields every user once, inactive users included with email null', async () => {
    const pages = await walkCursorExport(emulator, '/api/v2/incremental/users/cursor?start_time=0&per_page=9', 'users');
    const users = pages.flatMap((p) => p.users);
    assert.equal(new Set(users.map((u: any) => u.id)).size, emulator.store.users.size);
    const inactive = users.filter((u: any) => u.active === false);
    assert.ok(inactive.length > 0);
    assert.ok(inactive.every((u: any) => u.email === null));
  });

  test('include=metric_sets returns one metric set per ticket of the page, with ticket_id', async () => {
    const { body } = await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=25&include=metric_sets');
    assert.equal(body.metric_sets.length, body.tickets.length);
    assert.deepEqual(body.metric_sets.map((m: any) => m.ticket_id).sort(), body.tickets.map((t: any) => t.id).sort());
    assert.ok(body.metric_sets.every((m: any) => m.reply_time_in_minutes && 'calendar' in m.reply_time_in_minutes));
    const plain = await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=5');
    assert.equal(plain.body.metric_sets, undefined);
  });

  test('quirks.metricSetsShape: the embedded metric_set form carries the same metric data as the top-level array', async () => {
    const path = '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=40&include=metric_sets';
    assert.equal(emulator.quirks().metricSetsShape, 'top_level', 'the documented sideload form is the default');
    const topLevel = (await get(emulator, path)).body;
    assert.ok(topLevel.tickets.every((t: any) => !('metric_set' in t)));
    emulator.setQuirks({ metricSetsShape: 'embedded' });
    try {
      const embedded = (await get(emulator, path)).body;
      assert.equal(embedded.metric_sets, undefined, 'no top-level array in the embedded form');
      assert.deepEqual(
        embedded.tickets.map((t: any) => t.id),
        topLevel.tickets.map((t: any) => t.id),
      );
      const byTicket = new Map(topLevel.metric_sets.map((m: any) => [m.ticket_id, m]));
      assert.equal(byTicket.size, embedded.tickets.length);
      for (const ticket of embedded.tickets) {
        assert.deepEqual(ticket.metric_set, byTicket.get(ticket.id), `ticket ${ticket.id}`);
        const { metric_set: _, ...rest } = ticket;
        assert.deepEqual(
          rest,
          topLevel.tickets.find((t: any) => t.id === ticket.id),
          'the ticket is otherwise unchanged',
        );
      }
      // Without the include, nothing is embedded.
      const plain = (await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=5')).body;
      assert.ok(plain.tickets.every((t: any) => !('metric_set' in t)));
    } finally {
      emulator.setQuirks({ metricSetsShape: 'top_level' });
    }
  });

  test('exclude_deleted=true drops deleted tickets; by default they appear with status deleted', async () => {
    const all = (await walkCursorExport(emulator, '/api/v2/incremental/tickets/cursor?start_time=0', 'tickets')).flatMap((p) => p.tickets);
    const deleted = all.filter((t: any) => t.status === 'deleted');
    assert.ok(deleted.length > 0);
    const kept = (await get(emulator, '/api/v2/incremental/tickets/cursor?start_time=0&exclude_deleted=true')).body.tickets;
    assert.equal(kept.length, all.length - deleted.length);
  });
});

describe('time-based exports', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({
      tickets: 1500,
      users: 30,
      sameSecondRun: 1100,
      eventsPerTicket: 1,
      commentsPerTicket: 1,
      attachmentsPerComment: 0,
    });
  });
  after(() => emulator.close());

  test('boundary duplicates and same-second page expansion past 1000 records (end_time = ts + 1)', async () => {
    const runTs = emulator.sameSecondRun.timestamp;
    assert.equal(emulator.sameSecondRun.tickets, 1100);
    const p1 = (await get(emulator, '/api/v2/incremental/tickets.json?start_time=0')).body;
    assert.equal(p1.count, 1000);
    assert.equal(p1.tickets.length, 1000);
    assert.equal(p1.end_of_stream, false);
    assert.equal(p1.end_time, runTs, 'a mixed page ends at its last record, inside the run');
    assert.equal(p1.next_page, `${emulator.baseUrl}/api/v2/incremental/tickets.json?start_time=${runTs}`);
    const p2 = (await get(emulator, p1.next_page)).body;
    assert.equal(p2.count, 1100, 'page stretched over the whole second');
    assert.ok(p2.tickets.every((t: any) => t.generated_timestamp === runTs));
    assert.equal(p2.end_time, runTs + 1);
    const p1Ids = new Set(p1.tickets.map((t: any) => t.id));
    const duplicates = p2.tickets.filter((t: any) => p1Ids.has(t.id));
    assert.ok(duplicates.length > 0, 'records of the boundary second come back');
    const p3 = (await get(emulator, p2.next_page)).body;
    assert.equal(p3.end_of_stream, true);
    assert.ok(p3.next_page.includes(`start_time=${p3.end_time}`), 'next_page is present on the final page');
    const seen = new Set([...p1.tickets, ...p2.tickets, ...p3.tickets].map((t: any) => t.id));
    assert.equal(seen.size, emulator.store.tickets.size);
    // The ticket events of the bulk update share the second too.
    const events = (await get(emulator, `/api/v2/incremental/ticket_events.json?start_time=${runTs}&per_page=10`)).body;
    assert.equal(events.count, 1100);
    assert.equal(events.end_time, runTs + 1);
  });

  test('per_page=1 on a shared second returns every record of that second', async () => {
    const runTs = emulator.sameSecondRun.timestamp;
    const { body } = await get(emulator, `/api/v2/incremental/tickets.json?start_time=${runTs}&per_page=1`);
    assert.equal(body.count, 1100);
    assert.equal(body.end_time, runTs + 1);
    assert.match(body.next_page, /per_page=1/);
    const before = (await get(emulator, `/api/v2/incremental/tickets.json?start_time=0&per_page=1`)).body;
    assert.equal(before.count, 1);
    assert.equal(before.end_time, before.tickets[0].generated_timestamp + 1);
  });

  test('a page with several timestamps ends at its last timestamp, which the next page repeats', async () => {
    const p1 = (await get(emulator, '/api/v2/incremental/organizations.json?start_time=0&per_page=3')).body;
    assert.equal(p1.count, 3);
    const lastTs = Date.parse(p1.organizations[2].updated_at) / 1000;
    assert.equal(p1.end_time, lastTs);
    const p2 = (await get(emulator, p1.next_page)).body;
    assert.equal(p2.organizations[0].id, p1.organizations[2].id, 'start_time is inclusive');
  });

  test('last-minute exclusion and 422 for a too-recent or future start_time', async () => {
    const now = emulator.now();
    for (const start of [now - 30, now + 3600]) {
      const { status, body } = await get(emulator, `/api/v2/incremental/tickets.json?start_time=${start}`);
      assert.equal(status, 422);
      assert.equal(body.error, 'InvalidValue');
      assert.match(body.description, /^Too recent start_time/);
    }
    const cursor = await get(emulator, `/api/v2/incremental/tickets/cursor.json?start_time=${now - 10}`);
    assert.equal(cursor.status, 422);
    const fresh = emulator.mutations.createTicket({ subject: 'Fresh ticket' });
    const exported = async () => {
      const { body } = await get(emulator, `/api/v2/incremental/tickets.json?start_time=${emulator.now() - 3600}`);
      return body.tickets.map((t: any) => t.id) as number[];
    };
    assert.ok(!(await exported()).includes(fresh.id), 'hidden during its first minute');
    emulator.advanceClock(61);
    assert.ok((await exported()).includes(fresh.id), 'visible a minute later');
  });

  test('ticket events carry system and a string via; comment_events sideloads full comments', async () => {
    const plain = (await get(emulator, '/api/v2/incremental/ticket_events.json?start_time=0&per_page=20')).body;
    const event = plain.ticket_events[0];
    assert.equal(typeof event.via, 'string');
    assert.deepEqual(Object.keys(event.system).sort(), ['client', 'ip_address', 'latitude', 'location', 'longitude']);
    const flag = plain.ticket_events.flatMap((e: any) => e.child_events).find((c: any) => c.event_type === 'Comment');
    assert.equal(flag.comment_present, true);
    assert.equal(typeof flag.comment_public, 'boolean');
    assert.equal(flag.body, undefined);
    const full = (await get(emulator, '/api/v2/incremental/ticket_events.json?start_time=0&per_page=20&include=comment_events')).body;
    const comment = full.ticket_events.flatMap((e: any) => e.child_events).find((c: any) => c.event_type === 'Comment');
    assert.equal(typeof comment.body, 'string');
    assert.ok(Array.isArray(comment.attachments));
    assert.equal(typeof comment.via, 'object');
  });

  test('quirks.sameSecondOrder: records of one second come in a stable seeded order instead of by id', async () => {
    const runTs = emulator.sameSecondRun.timestamp;
    const path = `/api/v2/incremental/tickets.json?start_time=${runTs}&per_page=10`;
    const byId = (await get(emulator, path)).body.tickets.map((t: any) => t.id) as number[];
    assert.deepEqual(
      byId,
      [...byId].sort((a, b) => a - b),
      'by id by default',
    );
    emulator.setQuirks({ sameSecondOrder: 'shuffled' });
    try {
      const first = (await get(emulator, path)).body;
      const shuffled = first.tickets.map((t: any) => t.id) as number[];
      assert.equal(first.count, byId.length);
      assert.notDeepEqual(shuffled, byId, 'not by id');
      assert.deepEqual(
        [...shuffled].sort((a, b) => a - b),
        byId,
        'the same records',
      );
      assert.equal(first.end_time, runTs + 1, 'the page boundary rules are unchanged');
      assert.deepEqual(
        (await get(emulator, path)).body.tickets.map((t: any) => t.id),
        shuffled,
        'the same order on every request',
      );
      // A page spanning several seconds stays in timestamp order; only ties are reordered.
      const mixed = (await get(emulator, '/api/v2/incremental/ticket_events.json?start_time=0')).body.ticket_events;
      for (let i = 1; i < mixed.length; i++) assert.ok(mixed[i - 1].timestamp <= mixed[i].timestamp);
    } finally {
      emulator.setQuirks({ sameSecondOrder: 'id' });
    }
  });

  test('end_of_stream is false on a full page even when it empties the stream; the next, short page says true', async () => {
    const total = emulator.store.organizations.size;
    const full = (await get(emulator, `/api/v2/incremental/organizations.json?start_time=0&per_page=${total}`)).body;
    assert.equal(full.count, total, 'exactly per_page records remained');
    assert.equal(full.end_of_stream, false, 'fewer than per_page did not remain, so not the end (spec §4.2)');
    const next = (await get(emulator, full.next_page)).body;
    assert.ok(next.count >= 1 && next.count < total, 'the last second comes back, short');
    assert.equal(next.end_of_stream, true);
  });

  test('quirks.missingStartTimeStatus: 422 by default, 400 when set', async () => {
    const missing = await get(emulator, '/api/v2/incremental/organizations.json');
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error, 'InvalidValue');
    emulator.setQuirks({ missingStartTimeStatus: 400 });
    try {
      const other = await get(emulator, '/api/v2/incremental/tickets/cursor.json');
      assert.equal(other.status, 400);
      assert.equal(other.body.error, 'InvalidValue');
    } finally {
      emulator.setQuirks({ missingStartTimeStatus: 422 });
    }
  });

  test('ticket_metric_events: time-based without page[size], cursor pagination with it', async () => {
    const time = (await get(emulator, '/api/v2/incremental/ticket_metric_events.json?start_time=0')).body;
    assert.ok(time.ticket_metric_events.length > 0 && typeof time.end_time === 'number');
    const cursor = (await get(emulator, '/api/v2/incremental/ticket_metric_events.json?start_time=0&page[size]=50')).body;
    assert.equal(cursor.ticket_metric_events.length, 50);
    assert.equal(cursor.meta.has_more, true);
  });
});
