// A full sync of every collection through the real stack (dev server, worker, emulator) equals the
// emulator's ground truth, row for row, in SQLite and in Postgres; the next cycle fetches only changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { collections } from '../../catalog/collections';
import {
  assertWarehouseMatches,
  expectedRows,
  sourceConfig,
  startStack,
  startTestSource,
  startWorker,
  waitForCycle,
  type RunningWorker,
  type Stack,
} from '../../harness/stack';
import { syncNowSignal } from '../../workflows/messages';
import { sourceHandle } from '../../cli/sources';

let stack: Stack;
let worker: RunningWorker;
const allCollections = Object.fromEntries(collections.map((c) => [c.name, true]));

/** Export streams whose full read takes several 1000-record pages on this account, and their paths. */
const pagedExports = {
  users: '/api/v2/incremental/users/cursor',
  organizations: '/api/v2/incremental/organizations',
  ticket_events: '/api/v2/incremental/ticket_events',
} as const;

before(async () => {
  // Large enough that re-reading users, organizations or ticket events from the start would take
  // more than one page each (all history inside the one-year lookback: ~1800 ticket events): an
  // incremental cycle that reads one page per stream read from its cursor.
  stack = await startStack({ emulator: { users: 1100, organizations: 1050, tickets: 600, historyDays: 300 } });
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`full sync of all 16 collections into ${kind} equals the ground truth, then an incremental cycle`, async (t) => {
    const pgUrl = process.env.ZS_PG_URL;
    if (kind === 'postgres' && !pgUrl) {
      assert.fail('ZS_PG_URL is not set: npm test starts a Postgres server for this test');
    }
    const name = `e2e_${kind}_${process.pid}`;
    const destination = kind === 'sqlite' ? `sqlite://${path.join(stack.tmp, 'warehouse')}` : pgUrl!;
    const logMark = stack.emulator.requestLog.entries().at(-1)?.seq ?? 0;
    // Every cycle a reconciliation, so the second cycle's reads of the time-filtered lists (ratings,
    // activities) settle the deletions below; between reconciliations see test/activities/incrementalLists.
    await startTestSource(stack, sourceConfig(stack, { name, destination, collections: allCollections, reconcileEveryHours: 0 }));
    const status = await waitForCycle(stack, name, 1);
    const firstCycleLog = stack.emulator.requestLog.entries((e) => e.seq > logMark);
    for (const [collection, s] of Object.entries(status.collections)) {
      assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
    }
    const tables = collections.map((c) => c.name);
    const { rowsCompared } = await assertWarehouseMatches(destination, name, await expectedRows(stack, name, tables));
    assert.ok(rowsCompared > 500, `compared ${rowsCompared} rows`);

    // Changes between syncs: the next cycle fetches only what changed and lands the new truth.
    const m = stack.emulator.mutations;
    const ticket = m.createTicket({ subject: 'New printer on fire 🔥', comment: { body: 'It is on fire' } });
    const existing = stack.emulator.store.tickets.rows.values().next().value!;
    m.updateTicket(existing.id, { status: 'solved', comment: { body: 'Fixed', public: false } });
    m.deleteTicket(ticket.id);
    // Records deleted from the lists read in full: the next cycle's complete reads remove their rows.
    const store = stack.emulator.store;
    const firstOf = <T>(rows: Map<number, T>) => rows.values().next().value!;
    m.deleteGroupMembership(firstOf(store.groupMemberships.rows).id);
    m.deleteOrganizationMembership(firstOf(store.organizationMemberships.rows).id);
    m.deleteSatisfactionRating(firstOf(store.satisfactionRatings.rows).id);
    m.deleteSkip(firstOf(store.skips.rows).id);
    m.deleteTicketForm([...store.ticketForms.rows.values()].find((f) => !f.default)!.id);
    m.deleteActivity((stack.emulator.groundTruth({ collections: ['activities'] }).activities![0] as { id: number }).id);
    stack.emulator.advanceClock(120); // out of the last-minute exclusion window
    stack.emulator.requestLog.reset();
    await sourceHandle(stack.client, name).signal(syncNowSignal);
    const second = await waitForCycle(stack, name, 2);
    assert.equal(second.streams.tickets?.lastError, undefined);
    // Support's exports (the per-article Help Center streams list the articles from their start each cycle, by design).
    const exportRequests = stack.emulator.requestLog.entries().filter((e) => e.path.startsWith('/api/v2/incremental/'));
    // One request per export stream when little changed: no re-read of history.
    assert.ok(exportRequests.length <= 4 * 2, `export requests in the incremental cycle: ${exportRequests.length}`);
    assert.ok(
      second.streams.tickets!.lastRows! >= 2 && second.streams.tickets!.lastRows! < 20,
      `tickets rows: ${second.streams.tickets!.lastRows}`,
    );
    // Per stream: the first cycle needed several pages; the second asked exactly once, from exactly
    // the cursor the first cycle committed (never from the lookback start again).
    const secondCycleLog = stack.emulator.requestLog.entries();
    for (const [stream, exportPath] of Object.entries(pagedExports)) {
      const firstRequests = firstCycleLog.filter((e) => e.path === exportPath);
      const secondRequests = secondCycleLog.filter((e) => e.path === exportPath);
      assert.ok(firstRequests.length >= 2, `${stream}: a full read takes ${firstRequests.length} requests`);
      assert.equal(
        secondRequests.length,
        1,
        `${stream}: requests in the incremental cycle: ${secondRequests.map((e) => e.query).join(' | ')}`,
      );
      assert.equal(second.streams[stream]!.lastRequests, 1, `${stream}: requests counted by the activity`);
      const sent = new URLSearchParams(secondRequests[0]!.query);
      const resumeFrom = status.streams[stream]!.cursor!.value as { cursor?: string; start_time?: number };
      if (resumeFrom.cursor !== undefined) {
        assert.equal(sent.get('cursor'), resumeFrom.cursor, `${stream}: resumed from its cursor`);
        assert.equal(sent.get('start_time'), null);
      } else {
        const firstStart = Number(new URLSearchParams(firstRequests[0]!.query).get('start_time'));
        assert.equal(Number(sent.get('start_time')), resumeFrom.start_time, `${stream}: resumed from its cursor`);
        assert.ok(
          resumeFrom.start_time! > firstStart,
          `${stream}: start_time ${resumeFrom.start_time} is past the first read's ${firstStart}`,
        );
      }
    }
    await assertWarehouseMatches(destination, name, await expectedRows(stack, name, tables));
    t.diagnostic(`rows compared: ${rowsCompared}`);
  });
}
