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
} from '../support/stack';
import { syncNowSignal } from '../../workflows/messages';
import { sourceHandle } from '../../orchestration/sources';

let stack: Stack;
let worker: RunningWorker;
const allCollections = Object.fromEntries(collections.map((c) => [c.name, true]));

before(async () => {
  stack = await startStack();
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
    await startTestSource(stack, sourceConfig(stack, { name, destination, collections: allCollections }));
    const status = await waitForCycle(stack, name, 1);
    for (const [collection, s] of Object.entries(status.collections)) {
      assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
    }
    const tables = collections.map((c) => c.name);
    const { rowsCompared } = await assertWarehouseMatches(destination, name, await expectedRows(stack, destination, name, tables));
    assert.ok(rowsCompared > 500, `compared ${rowsCompared} rows`);

    // Changes between syncs: the next cycle fetches only what changed and lands the new truth.
    const m = stack.emulator.mutations;
    const ticket = m.createTicket({ subject: 'New printer on fire 🔥', comment: { body: 'It is on fire' } });
    const existing = stack.emulator.store.tickets.rows.values().next().value!;
    m.updateTicket(existing.id, { status: 'solved', comment: { body: 'Fixed', public: false } });
    m.deleteTicket(ticket.id);
    stack.emulator.advanceClock(120); // out of the last-minute exclusion window
    stack.emulator.requestLog.reset();
    await sourceHandle(stack.client, name).signal(syncNowSignal);
    const second = await waitForCycle(stack, name, 2);
    assert.equal(second.streams.tickets?.lastError, undefined);
    const exportRequests = stack.emulator.requestLog.entries().filter((e) => e.path.includes('/incremental/'));
    // One request per export stream when little changed: no re-read of history.
    assert.ok(exportRequests.length <= 4 * 2, `export requests in the incremental cycle: ${exportRequests.length}`);
    assert.ok(second.streams.tickets!.lastRows! >= 2 && second.streams.tickets!.lastRows! < 20, `tickets rows: ${second.streams.tickets!.lastRows}`);
    await assertWarehouseMatches(destination, name, await expectedRows(stack, destination, name, tables));
    t.diagnostic(`rows compared: ${rowsCompared}`);
  });
}
