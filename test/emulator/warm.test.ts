import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

/** Renders (cache misses) of the tables behind the first pages a sync reads. */
const renders = (emulator: Emulator) =>
  emulator.store.tickets.renders +
  emulator.store.ticketMetrics.renders +
  emulator.store.ticketEvents.renders +
  emulator.store.users.renders;

const FIRST_PAGES = [
  '/api/v2/incremental/tickets/cursor.json?start_time=0&include=metric_sets',
  '/api/v2/incremental/tickets.json?start_time=0&include=metric_sets',
  '/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events',
  '/api/v2/incremental/users/cursor.json?start_time=0',
];

/**
 * "Fast" (issue 2) without a timed assertion: after the default background warm-up, the first walk
 * of every export is assembled from cached bytes — no record is rendered while serving it.
 */
describe('warming the export cache', () => {
  test('by default the cache is warmed in the background: first pages need no rendering', async () => {
    const emulator = await startSmall({ tickets: 1500, users: 60 });
    try {
      await emulator.warmedUp();
      const before = renders(emulator);
      assert.ok(before >= emulator.store.tickets.size + emulator.store.ticketEvents.size, 'every export record was rendered once');
      for (const path of FIRST_PAGES) assert.equal((await get(emulator, path)).status, 200, path);
      assert.equal(renders(emulator), before, 'served from the cache');
      // A change is rendered afresh (the cache never serves a stale record).
      const ticket = emulator.mutations.updateTicket(1, { status: 'open', comment: { body: 'warm and changed' } });
      emulator.advanceClock(61);
      const page = (await get(emulator, `/api/v2/incremental/tickets.json?start_time=${ticket.generated_timestamp}`)).body;
      assert.equal(page.tickets.find((t: any) => t.id === 1).status, 'open');
      assert.ok(renders(emulator) > before);
    } finally {
      await emulator.close();
    }
  });

  test('a new canonical base URL empties the cache and warms it again, with the new host', async () => {
    const emulator = await startSmall({ tickets: 300, users: 30 });
    try {
      await emulator.warmedUp();
      emulator.setCanonicalBaseUrl('https://moved.example');
      await emulator.warmedUp();
      const before = renders(emulator);
      const page = await get(emulator, FIRST_PAGES[0]!);
      assert.equal(renders(emulator), before, 'served from the re-warmed cache');
      assert.ok(page.body.tickets.every((t: any) => t.url.startsWith('https://moved.example/')));
    } finally {
      await emulator.close();
    }
  });

  test('requests are answered while the warm-up is still running, with the same bytes as a cold emulator', async () => {
    const options = { tickets: 3000, users: 60, referenceTime: 1_780_000_000, canonicalBaseUrl: 'https://same.example' };
    const cold = await startSmall({ ...options, warm: 'off' });
    const warming = await startSmall(options);
    try {
      // Held half-way through the first round (the three time indexes, 1000 tickets, then 500 of
      // the 1000 ticket events of the page asked for): a page that is partly cached, partly not.
      // The hold, not a race with the clock, keeps the warm-up unfinished while the page is served.
      await warming.holdWarmUp(3 + 1000 + 500);
      let settled = false;
      void warming.warmedUp().then(() => (settled = true));
      const rendersBefore = renders(warming);
      assert.ok(
        rendersBefore > 0 && rendersBefore < warming.store.tickets.size + warming.store.ticketEvents.size,
        `part-way: ${rendersBefore} renders`,
      );
      const early = await get(warming, FIRST_PAGES[2]!);
      assert.equal(early.status, 200);
      assert.equal(settled, false, 'answered before the warm-up finished');
      assert.ok(renders(warming) > rendersBefore, 'the uncached part of the page was rendered for the request');
      assert.ok(early.text === (await get(cold, FIRST_PAGES[2]!)).text, 'the same page as a cold emulator serves');
      warming.resumeWarmUp();
      await warming.warmedUp();
      assert.equal(settled, true);
    } finally {
      await Promise.all([warming.close(), cold.close()]);
    }
  });

  test('the warm-up hold is only for a background warm-up in progress', async () => {
    const blocking = await startSmall({ tickets: 20, users: 5, warm: 'blocking' });
    try {
      await assert.rejects(blocking.holdWarmUp(1), /no background warm-up/);
    } finally {
      await blocking.close();
    }
  });

  test("warm: 'off' leaves the first walk to render every record (what the default avoids)", async () => {
    const emulator = await startSmall({ tickets: 300, users: 30, warm: 'off' });
    try {
      await emulator.warmedUp();
      assert.equal(renders(emulator), 0);
      await get(emulator, FIRST_PAGES[0]!);
      assert.ok(renders(emulator) >= emulator.store.tickets.size, 'rendered while serving');
    } finally {
      await emulator.close();
    }
  });

  test("warm: 'blocking' (and the legacy prewarm: true) is done when start-up returns", async () => {
    for (const options of [{ warm: 'blocking' as const }, { prewarm: true }]) {
      const emulator = await startSmall({ tickets: 200, users: 20, ...options });
      try {
        const before = renders(emulator);
        assert.ok(before >= emulator.store.tickets.size);
        await get(emulator, FIRST_PAGES[2]!);
        assert.equal(renders(emulator), before);
      } finally {
        await emulator.close();
      }
    }
  });
});
