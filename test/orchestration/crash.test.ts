// SIGKILL the worker in the middle of the tickets export; a new worker finishes the cycle from the
// last committed page: at most one page is fetched twice, and no row is missing or duplicated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { once } from 'node:events';
import { liveProgress } from '../../orchestration/sources';
import {
  assertWarehouseMatches,
  expectedRows,
  sourceConfig,
  spawnWorkerProcess,
  startStack,
  startTestSource,
  waitForCycle,
  type Stack,
} from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack({
    emulator: {
      tickets: 4200, // five export pages of 1000, including a same-second run of 1100 tickets
      historyDays: 300, // everything inside the one-year lookback
      faults: [{ id: 'slow-tickets', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 1500 }],
    },
  });
});
after(async () => {
  await stack?.close();
});

test('a worker killed mid-export is replaced and the cycle completes without loss or duplication', async () => {
  const name = 'crash_source';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  const first = spawnWorkerProcess(stack);
  await startTestSource(stack, sourceConfig(stack, { name, destination, collections: { activities: false } }));

  // Wait until the tickets export has committed at least one page, then kill the worker outright.
  const deadline = Date.now() + 180_000;
  let pagesAtKill = 0;
  while (pagesAtKill < 1) {
    assert.ok(Date.now() < deadline, 'tickets export never started');
    const live = await liveProgress(stack.client, name).catch(() => ({}) as Record<string, { pages: number }>);
    pagesAtKill = live.tickets?.pages ?? 0;
    await new Promise((r) => setTimeout(r, 200));
  }
  first.kill('SIGKILL');
  await once(first, 'exit');

  const second = spawnWorkerProcess(stack);
  try {
    const status = await waitForCycle(stack, name, 1, 300_000);
    assert.equal(status.streams.tickets?.lastError, undefined);
    const ticketPages = stack.emulator.requestLog.entries().filter((e) => e.path.startsWith('/api/v2/incremental/tickets/cursor'));
    const pagesNeeded = status.streams.tickets!.lastPages!;
    // Every page once, plus at most the one in flight when the worker died.
    assert.ok(ticketPages.length <= pagesNeeded + 1, `ticket export requests ${ticketPages.length} for ${pagesNeeded} pages`);
    assert.ok(pagesNeeded >= 4, `pages: ${pagesNeeded}`);
    const tables = ['tickets', 'ticket_metrics', 'users', 'ticket_events', 'attachments'];
    await assertWarehouseMatches(destination, name, await expectedRows(stack, destination, name, tables));
  } finally {
    second.kill('SIGTERM');
    await once(second, 'exit');
  }
});
