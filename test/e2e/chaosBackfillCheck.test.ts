// The chaos run's end-of-run check must fail when the backfill is broken: its expected rows come from
// the backfill that was asked for (and the lookback setting), not from what the product recorded, so
// a backfill that loads nothing leaves rows older than the lookback missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { collections } from '../../catalog/collections';
import { checkRun, pendingActivities, retriedAfterKill, type PendingSync } from '../../scripts/chaos';
import { querySourceStatus, sourceHandle } from '../../cli/sources';
import { backfillUpdate } from '../../workflows/messages';
import { sourceConfig, startStack, startTestSource, startWorker, waitForCycle, type RunningWorker, type Stack } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

let stack: Stack;
let worker: RunningWorker;
before(async () => {
  stack = await startStack();
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
});

async function backfill(name: string, request: { collections: string[]; from: string; to?: string }): Promise<void> {
  const started = await sourceHandle(stack.client, name).executeUpdate(backfillUpdate, { args: [request] });
  assert.equal(started.length, request.collections.length, 'one backfill per collection');
  const ids = new Set(started.map((b) => b.workflowId));
  const deadline = Date.now() + CONDITION_WAIT_MS;
  for (;;) {
    const status = await querySourceStatus(stack.client, name);
    const mine = Object.values(status.backfills).filter((b) => ids.has(b.workflowId));
    if (mine.length === ids.size && mine.every((b) => b.state !== 'running')) {
      assert.ok(
        mine.every((b) => b.state === 'completed'),
        JSON.stringify(mine),
      );
      return;
    }
    assert.ok(Date.now() < deadline, `backfills did not finish: ${JSON.stringify(status.backfills)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('the chaos check fails when the backfill loaded nothing, and passes once it loads the old history; an activity not killed is not counted as killed', async () => {
  const name = 'backfill_check';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
  await startTestSource(stack, sourceConfig(stack, { name, destination, lookbackDays: 30, collections: allOn }));
  await waitForCycle(stack, name, 1);
  const from = new Date((stack.emulator.now() - 1000 * 86_400) * 1000).toISOString();
  const asked = [{ collections: ['tickets', 'ticket_events'], from }];

  // Broken: the run asked for all history, and nothing older than the lookback arrived (here the
  // backfill never reached the product at all, the extreme of one that loads nothing).
  const broken = await checkRun(stack, name, destination, asked);
  assert.equal(broken.backfilledRows, 0);
  assert.ok(broken.mismatches > 0, 'a backfill that loaded nothing fails the check');
  assert.match(broken.error ?? '', /missing/);

  // Working: the same request, open-ended, loads the history older than the lookback. Its first
  // export page is held, so its activity is caught in flight: with no worker killed, the chaos run's
  // kill counter must not count it.
  stack.emulator.addFault({ id: 'hold-backfill-page', endpoint: '/api/v2/incremental/*', kind: 'latency', latencyMs: 3000, firstN: 1 });
  const done = backfill(name, { collections: ['tickets', 'ticket_events'], from });
  let inFlight: PendingSync[] = [];
  const deadline = Date.now() + CONDITION_WAIT_MS;
  while (inFlight.length === 0) {
    assert.ok(Date.now() < deadline, 'the held backfill page was never caught in flight');
    if (stack.emulator.firedFaults().some((f) => f.ruleId === 'hold-backfill-page')) inFlight = await pendingActivities(stack, name);
    await new Promise((r) => setTimeout(r, 100));
  }
  await done;
  for (const activity of inFlight) assert.equal(await retriedAfterKill(stack, activity), false, `${activity.activityId} was not killed`);
  const working = await checkRun(stack, name, destination, asked);
  assert.equal(working.error, undefined, working.error);
  assert.equal(working.mismatches, 0);
  assert.ok(working.backfilledRows > 0, `backfilled rows: ${working.backfilledRows}`);
});
