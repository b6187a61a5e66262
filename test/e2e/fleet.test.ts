// Two workers, three sources of ONE Zendesk account, the emulator enforcing the account's real limits:
// every request of the account comes from the one worker hosting it (no rate share set by hand, 0 429s).
// The host is stopped mid-list; the other worker takes the account over, every source finishes its
// cycle, the warehouse equals the ground truth, and the list resumed from its last committed page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { liveProgress } from '../../cli/sources';
import { WorkerResources } from '../../activities/resources';
import { accountHostStatusQuery } from '../../workflows/accountHostMessages';
import { workflowIdForAccount } from '../../workflows/ids';
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
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

let stack: Stack;
const workers: RunningWorker[] = [];

before(async () => {
  stack = await startStack({
    emulator: {
      activities: 450, // five list pages of 100
      historyDays: 300,
      // The account's real limits (Zendesk's 10 export requests a minute, the plan's core limit).
      rateLimits: {},
      faults: [
        // The list's third page waits unanswered until the host worker is stopped: the stop is
        // certainly mid-list, after two committed pages, however slowly the machine gets there.
        { id: 'held-third-page', endpoint: '/api/v2/activities', kind: 'hold', everyNth: 3, maxCount: 1 },
      ],
    },
  });
});
after(async () => {
  for (const w of workers) await w.stop().catch(() => {});
  await stack?.close();
});

test('one account, one budget, any number of workers; a dead host hands the account over', async () => {
  const requestsBy = new Map<string, number>();
  for (const identity of ['worker-a', 'worker-b']) {
    const worker = await startWorker(stack, { identity, shutdownGraceSeconds: 1 });
    requestsBy.set(worker.hostQueue, 0);
    worker.resources.requestListeners.push((event) => requestsBy.set(worker.hostQueue, requestsBy.get(worker.hostQueue)! + event.attempts));
    workers.push(worker);
  }
  const names = ['fleet_a', 'fleet_b', 'fleet_c'];
  for (const name of names) {
    await startTestSource(
      stack,
      sourceConfig(stack, {
        name,
        destination: `sqlite://${path.join(stack.tmp, `warehouse-${name}`)}`,
        // No rate settings: the client keeps Zendesk's own limits, with no share set by hand.
        rate: undefined,
        // Only the first source reads the list the test stops the host in.
        collections: { activities: name === 'fleet_a' },
      }),
    );
  }

  // The list has committed two pages and asked for the (held) third.
  const deadline = Date.now() + CONDITION_WAIT_MS;
  const heldAsked = () => stack.emulator.firedFaults().some((f) => f.ruleId === 'held-third-page');
  let committedPages = 0;
  while (committedPages < 2 || !heldAsked()) {
    assert.ok(Date.now() < deadline, 'the list never reached its third page');
    const live = await liveProgress(stack.client, 'fleet_a').catch(() => ({}) as Record<string, { pages: number }>);
    committedPages = live.activities?.pages ?? 0;
    await new Promise((r) => setTimeout(r, 200));
  }

  // So far one worker made every request of the account.
  const [host, other] = [...workers].sort((a, b) => requestsBy.get(b.hostQueue)! - requestsBy.get(a.hostQueue)!);
  assert.ok(requestsBy.get(host!.hostQueue)! > 0);
  assert.equal(requestsBy.get(other!.hostQueue), 0, 'the worker not hosting the account made no Zendesk request');

  await host!.stop();
  workers.splice(workers.indexOf(host!), 1);
  stack.emulator.releaseHeld('held-third-page'); // answered to a closed socket; later requests pass
  const requestsOfStoppedHost = requestsBy.get(host!.hostQueue)!;

  for (const name of names) {
    const status = await waitForCycle(stack, name, 1);
    for (const [stream, s] of Object.entries(status.streams)) assert.equal(s.lastError, undefined, `${name} ${stream}`);
  }
  assert.equal(requestsBy.get(host!.hostQueue), requestsOfStoppedHost);
  assert.ok(requestsBy.get(other!.hostQueue)! > 0, 'the other worker took the account over');

  const account = await stack.client.workflow
    .getHandle(workflowIdForAccount(WorkerResources.accountKey({ baseUrl: stack.emulator.baseUrl }), stack.taskQueue))
    .query(accountHostStatusQuery);
  assert.equal(account.host, other!.hostQueue);
  assert.equal(account.claims, 2);

  // Zendesk's limits kept for the account as a whole.
  assert.deepEqual(stack.emulator.requestLog.countByStatus()[429] ?? 0, 0, '429s');

  // Resumed from its last committed page: every page once, plus at most the one in flight.
  const status = await waitForCycle(stack, 'fleet_a', 1);
  const listPages = status.streams.activities!.lastPages!;
  const listRequests = stack.emulator.requestLog.entries('/api/v2/activities').length;
  assert.ok(listPages >= 5, `list pages: ${listPages}`);
  assert.ok(listRequests <= listPages + 1, `list requests ${listRequests} for ${listPages} pages`);

  const tables = ['tickets', 'ticket_metrics', 'users', 'ticket_events', 'attachments', 'groups', 'organizations'];
  for (const name of names) {
    const withList = name === 'fleet_a' ? [...tables, 'activities'] : tables;
    await assertWarehouseMatches(`sqlite://${path.join(stack.tmp, `warehouse-${name}`)}`, name, await expectedRows(stack, name, withList));
  }
});
