// SIGKILL the worker in the middle of the tickets export; a new worker finishes the cycle from the
// last committed page: at most one page is fetched twice, and no row is missing or duplicated. The
// counts a resumed run reports include what the attempts before it committed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { once } from 'node:events';
import { liveProgress } from '../../cli/sources';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import { openDestination } from '../../destinations/open';
import { activityIdForStream, workflowIdForSource } from '../../workflows/ids';
import { decodeTimeoutType } from '@temporalio/common';
import {
  assertWarehouseMatches,
  expectedRows,
  sourceConfig,
  spawnWorkerProcess,
  startStack,
  startTestSource,
  waitForCycle,
  type Stack,
} from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

let stack: Stack;

before(async () => {
  stack = await startStack({
    emulator: {
      tickets: 4200, // five export pages of 1000, including a same-second run of 1100 tickets
      historyDays: 300, // everything inside the one-year lookback
      faults: [
        { id: 'slow-tickets', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 1500 },
        // The second page is held unanswered until the worker has been killed: the kill is certainly
        // mid-export, however slowly the machine gets there.
        { id: 'held-second-page', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'hold', everyNth: 2, maxCount: 1 },
      ],
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

  // Wait until the tickets export has committed at least one page and asked for the (held) second,
  // then kill the worker outright.
  const deadline = Date.now() + CONDITION_WAIT_MS;
  let pagesAtKill = 0;
  const secondPageAsked = () => stack.emulator.firedFaults().some((f) => f.ruleId === 'held-second-page');
  while (pagesAtKill < 1 || !secondPageAsked()) {
    assert.ok(Date.now() < deadline, 'tickets export never started');
    const live = await liveProgress(stack.client, name).catch(() => ({}) as Record<string, { pages: number }>);
    pagesAtKill = live.tickets?.pages ?? 0;
    await new Promise((r) => setTimeout(r, 200));
  }
  first.kill('SIGKILL');
  await once(first, 'exit');
  stack.emulator.releaseHeld('held-second-page'); // answered to a dead socket; later requests pass

  const second = spawnWorkerProcess(stack);
  try {
    const status = await waitForCycle(stack, name, 1);
    assert.equal(status.streams.tickets?.lastError, undefined);
    const ticketPages = stack.emulator.requestLog.entries().filter((e) => e.path.startsWith('/api/v2/incremental/tickets/cursor'));
    const pagesNeeded = status.streams.tickets!.lastPages!;
    // Every page once, plus at most the one in flight when the worker died.
    assert.ok(ticketPages.length <= pagesNeeded + 1, `ticket export requests ${ticketPages.length} for ${pagesNeeded} pages`);
    assert.ok(pagesNeeded >= 4, `pages: ${pagesNeeded}`);
    const tables = ['tickets', 'ticket_metrics', 'users', 'ticket_events', 'attachments'];
    await assertWarehouseMatches(destination, name, await expectedRows(stack, name, tables));
    // The export's activity ended on its heartbeat timeout and moved to the new worker at once:
    // Temporal did not first retry it on the dead worker's queue, which would have ended in a
    // schedule-to-start timeout (a second heartbeat timeout of waiting).
    const timeouts = await timeoutsOfActivity(name, activityIdForStream('tickets'));
    assert.equal(timeouts[0], 'HEARTBEAT', `timeouts: ${timeouts.join(', ')}`);
    assert.ok(!timeouts.includes('SCHEDULE_TO_START'), `timeouts: ${timeouts.join(', ')}`);
    // The status counts the pages the killed attempt committed too: every ticket was loaded in this
    // one cycle, so its row count is the warehouse's.
    const warehouse = await openDestination(destination);
    try {
      assert.equal(status.collections.tickets?.lastRows, await warehouse.countRows(name, 'tickets'));
      assert.equal(
        status.streams.tickets?.lastRows,
        Object.values(status.streams.tickets!.rowsByTable!).reduce((a, b) => a + b, 0),
      );
    } finally {
      await warehouse.close();
    }
  } finally {
    second.kill('SIGTERM');
    await once(second, 'exit');
  }
});

/** The timeout type of every scheduling of the activity that ended in a timeout, in order. */
async function timeoutsOfActivity(source: string, activityId: string): Promise<Array<string | undefined>> {
  const events = (await stack.client.workflow.getHandle(workflowIdForSource(source)).fetchHistory()).events ?? [];
  const scheduled = new Set<number>();
  const timeouts: Array<string | undefined> = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityId === activityId) scheduled.add(Number(e.eventId));
    const timedOut = e.activityTaskTimedOutEventAttributes;
    if (timedOut && scheduled.has(Number(timedOut.scheduledEventId)))
      timeouts.push(decodeTimeoutType(timedOut.failure?.timeoutFailureInfo?.timeoutType));
  }
  return timeouts;
}

test('a retried stream reports the rows and requests of every attempt, per table', async () => {
  // Activity level, without Temporal: attempt 1 is cancelled right after its first committed page;
  // attempt 2 starts from attempt 1's last heartbeat, as Temporal hands it to a retry.
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse_counts')}`;
  const resources = new WorkerResources();
  try {
    const run = async (name: string, control: { abortAfterPages?: number; previousHeartbeat?: SyncHeartbeat }) => {
      const config = sourceConfig(stack, { name, destination, collections: { activities: false } });
      const abort = new AbortController();
      const beats: SyncHeartbeat[] = [];
      const result = await runSyncStream(
        { config, stream: 'tickets', cursor: null, mode: 'incremental', runTag: name },
        {
          destination: await resources.destination(destination),
          session: await resources.session(config),
          heartbeat: (details) => {
            beats.push(details);
            if (control.abortAfterPages !== undefined && details.pages >= control.abortAfterPages) abort.abort();
          },
          previousHeartbeat: control.previousHeartbeat,
          signal: abort.signal,
          log: () => {},
        },
      ).catch((err: unknown) => err);
      return { result, lastBeat: beats.at(-1) };
    };

    const uninterrupted = await run('counts_clean', {});
    assert.ok(!(uninterrupted.result instanceof Error), String(uninterrupted.result));
    const clean = uninterrupted.result as Awaited<ReturnType<typeof runSyncStream>>;
    assert.ok(clean.pages >= 4, `pages: ${clean.pages}`);

    const cut = await run('counts_resumed', { abortAfterPages: 1 });
    assert.ok(cut.result instanceof Error, 'the first attempt was cancelled');
    assert.equal(cut.lastBeat?.pages, 1);
    assert.ok(Object.keys(cut.lastBeat?.rowsByTable ?? {}).length > 0, 'the heartbeat carries rows per table');
    const retried = await run('counts_resumed', { previousHeartbeat: cut.lastBeat });
    assert.ok(!(retried.result instanceof Error), String(retried.result));
    const resumed = retried.result as Awaited<ReturnType<typeof runSyncStream>>;

    // The same rows per table as a run that was never interrupted, and as the warehouse holds.
    assert.equal(resumed.pages, clean.pages);
    assert.equal(resumed.rows, clean.rows);
    assert.deepEqual(resumed.rowsByTable, clean.rowsByTable);
    const warehouse = await openDestination(destination);
    try {
      assert.equal(resumed.rowsByTable.tickets, await warehouse.countRows('counts_resumed', 'tickets'));
    } finally {
      await warehouse.close();
    }
    // Requests of both attempts: every page once, plus at most the prefetch the cancellation cut off
    // and the retry's own reading of the field definitions (what the clean run needed beyond pages).
    const preparation = clean.requests - clean.pages;
    assert.ok(
      resumed.requests >= clean.requests && resumed.requests <= clean.requests + 1 + preparation,
      `requests ${resumed.requests} vs ${clean.requests}`,
    );
  } finally {
    await resources.close();
  }
});
