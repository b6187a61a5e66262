// Three promises of the source workflow, end to end against a real Temporal dev server:
// - cycles start on a steady rhythm: `intervalSeconds` after the previous start, at once when a
//   cycle ran longer, and the next start is shown in the status and the Web UI's details;
// - a pause means pause: the running stream stops at the next page boundary, and the status says
//   `paused` only once the stream activity has ended, with no page committed after it;
// - a backfill asked for again after the source forgot it (stopped and started, or its entry pruned)
//   reports its real state: a completed one is completed with its rows, not "running" forever.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { collections } from '../../catalog/collections';
import { openDestination } from '../../destinations/open';
import { cursorStateKey } from '../../activities/syncStream';
import { querySourceStatus, sourceHandle, stopSourceAndWait } from '../../cli/sources';
import { backfillUpdate, pauseSignal, resumeSignal, syncNowSignal } from '../../workflows/messages';
import { MAX_REMEMBERED_BACKFILLS } from '../../workflows/backfillPlan';
import { nextCycleStartMs } from '../../workflows/rhythm';
import { workflowIdForSource } from '../../workflows/ids';
import type { BackfillStatus, SourceMemory, SourceStatus, StreamCursor } from '../../workflows/types';
import type { FaultRule } from '../../emulator';
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
let worker: RunningWorker;

before(async () => {
  // 2,500 tickets: three export pages of 1,000, so a test can hold the second page.
  stack = await startStack({ emulator: { tickets: 2500, historyDays: 700 } });
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
});

/** Only the tickets table: quick cycles, and its export is the stream the tests hold or slow down. */
const ONLY_TICKETS = Object.fromEntries(collections.map((c) => [c.name, c.name === 'tickets']));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = CONDITION_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function withFaults<T>(rules: FaultRule[], fn: () => Promise<T>): Promise<T> {
  const previous = stack.emulator.faultRules();
  stack.emulator.setFaults([...previous, ...rules]);
  try {
    return await fn();
  } finally {
    stack.emulator.setFaults(previous);
  }
}

const waitForState = (name: string, wanted: SourceStatus['state']) =>
  waitFor(wanted, async () => {
    const s = await querySourceStatus(stack.client, name);
    return s.state === wanted ? s : undefined;
  });

test('the next start: an interval after the previous start, at once when that has passed', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const hour = 3600_000;
  // A 20-minute cycle: the next starts at 01:00, not at 01:20.
  assert.equal(nextCycleStartMs(start, hour, start + 20 * 60_000), start + hour);
  // A 90-minute cycle: the next starts at once.
  assert.equal(nextCycleStartMs(start, hour, start + 90 * 60_000), start + 90 * 60_000);
  assert.equal(nextCycleStartMs(start, hour, start + hour), start + hour);
  // No previous start known: a whole interval from now.
  assert.equal(nextCycleStartMs(undefined, hour, start), start + hour);
});

test('cycles start an interval after the previous start; status and Web UI details show the next start', async () => {
  const name = 'rhythm';
  await startTestSource(
    stack,
    sourceConfig(stack, {
      name,
      destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
      intervalSeconds: 3600,
      collections: ONLY_TICKETS,
    }),
  );
  const status = await waitForCycle(stack, name, 1);
  try {
    assert.equal(status.state, 'idle');
    assert.ok(status.lastCycleStartedAt, "the rhythm's anchor is in the status");
    assert.equal(status.nextRunAt, new Date(Date.parse(status.lastCycleStartedAt!) + 3600_000).toISOString());
    // Not counted from the cycle's end (the cycle took time: its check and export ran in between).
    assert.ok(Date.parse(status.lastCycle!.finishedAt) > Date.parse(status.lastCycleStartedAt!));
    assert.notEqual(status.nextRunAt, new Date(Date.parse(status.lastCycle!.finishedAt) + 3600_000).toISOString());
    // The Web UI's "current details" say when the next cycle starts.
    const metadata = (await sourceHandle(stack.client, name).query('__temporal_workflow_metadata')) as { currentDetails?: string };
    assert.match(metadata.currentDetails ?? '', new RegExp(`next cycle starts ${status.nextRunAt!.replace(/[.]/g, '\\.')}`));
  } finally {
    await sourceHandle(stack.client, name).signal(pauseSignal);
  }
});

test('a cycle longer than the interval is followed at once: no wait between the cycles', async () => {
  const name = 'rhythm_overdue';
  const workflowId = workflowIdForSource(name);
  // Every tickets export request takes 1.5 s, so every cycle lasts longer than the 1 s interval.
  await withFaults(
    [{ id: 'slow-export-overdue', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 1500 }],
    async () => {
      await startTestSource(
        stack,
        sourceConfig(stack, {
          name,
          destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
          intervalSeconds: 1,
          collections: ONLY_TICKETS,
        }),
      );
      await waitForCycle(stack, name, 3);
      await sourceHandle(stack.client, name).signal(pauseSignal);
    },
  );
  const finishedRuns: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    if (execution.status.name === 'CONTINUED_AS_NEW') finishedRuns.push(execution.runId);
  }
  assert.ok(finishedRuns.length >= 2, `runs: ${finishedRuns.length}`);
  for (const runId of finishedRuns) {
    const events = (await stack.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    assert.ok(
      events.some((e) => e.activityTaskCompletedEventAttributes),
      'the run ran a cycle',
    );
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    assert.equal(timers.length, 0, `run ${runId} waited after a cycle longer than the interval`);
  }
});

test('a pause stops the running stream at the page boundary: activity cancelled, no page committed after it', async () => {
  const name = 'pause_boundary';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  const handle = sourceHandle(stack.client, name);
  const warehouse = await openDestination(destination);
  const committedSeq = async () => {
    const stored = await warehouse.readState(name, cursorStateKey('tickets'));
    return stored ? (JSON.parse(stored) as StreamCursor).seq : 0;
  };
  try {
    // The second tickets page is held by the emulator until long after the test: that stream can
    // only end by being cancelled. The ticket-events stream, in another lane, fails and waits an hour
    // to retry: its cancellation is immediate, and the pause must still wait for the tickets stream.
    const pausedStatus = await withFaults(
      [
        { id: 'hold-second-page', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 3_600_000, everyNth: 2 },
        { id: 'events-down', endpoint: '/api/v2/incremental/ticket_events', kind: 'status', status: 500 },
      ],
      async () => {
        // The default heartbeat timeout (60 s), whose 80 % the SDK would otherwise hold heartbeats back.
        const config = sourceConfig(stack, {
          name,
          destination,
          lookbackDays: 3650,
          collections: { ...ONLY_TICKETS, ticket_events: true },
        });
        await startTestSource(stack, {
          ...config,
          timing: { ...config.timing, heartbeatTimeoutSeconds: 60, retryInitialSeconds: 3600, retryMaximumSeconds: 3600 },
        });
        await waitFor('page 1 committed, page 2 requested, the events stream waiting to retry', async () => {
          if ((await committedSeq()) !== 1 || !stack.emulator.firedFaults().some((f) => f.ruleId === 'hold-second-page')) return undefined;
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          return pending.some((a) => a.activityId === 'sync ticket_events' && (a.attempt ?? 1) >= 2) ? true : undefined;
        });
        const pausedAt = Date.now();
        await handle.signal(pauseSignal);
        const paused = await waitForState(name, 'paused');
        console.log(`pause took effect after ${Date.now() - pausedAt} ms`);
        return paused;
      },
    );
    assert.equal(pausedStatus.lastCycle?.interruptedBy, 'pause');
    assert.deepEqual(pausedStatus.lastCycle?.unfinishedStreams, ['tickets', 'ticket_events']);
    // `paused` is said only once every stream activity has ended, as cancelled.
    const events = (await handle.fetchHistory()).events ?? [];
    for (const activityId of ['sync tickets', 'sync ticket_events']) {
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === activityId);
      assert.ok(scheduled, `${activityId} ran`);
      const scheduledId = String(scheduled.eventId);
      const ends = events.filter((e) =>
        [
          e.activityTaskCanceledEventAttributes,
          e.activityTaskCompletedEventAttributes,
          e.activityTaskFailedEventAttributes,
          e.activityTaskTimedOutEventAttributes,
        ].some((a) => a && String(a.scheduledEventId) === scheduledId),
      );
      assert.equal(ends.length, 1, `${activityId} had ended when the status said paused`);
      assert.ok(ends[0]!.activityTaskCanceledEventAttributes, `${activityId} ended as cancelled`);
    }
    // The activities have ended, so nothing writes any more: exactly the first page is in the warehouse.
    assert.equal(await committedSeq(), 1);
    assert.equal(await warehouse.countRows(name, 'tickets'), 1000);

    // Resumed without the hold, the stream continues after the committed page and completes.
    await handle.signal(resumeSignal);
    const resumed = await waitFor('a full cycle after the resume', async () => {
      const s = await querySourceStatus(stack.client, name);
      return s.state === 'idle' && s.lastCycle && !s.lastCycle.interruptedBy ? s : undefined;
    });
    assert.equal(await committedSeq(), 3);
    assert.equal(resumed.collections.tickets?.lastRows, 1500, 'the resumed cycle read pages 2 and 3 only');
    await assertWarehouseMatches(destination, name, await expectedRows(stack, name, ['tickets']));
  } finally {
    await handle.signal(pauseSignal).catch(() => {});
    await warehouse.close();
  }
});

test('a backfill asked for again after a stop and start, or after its entry was pruned, reports its real state', async () => {
  const name = 'backfill_again';
  const workflowId = workflowIdForSource(name);
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  const config = sourceConfig(stack, { name, destination, lookbackDays: 30, collections: ONLY_TICKETS });
  const handle = sourceHandle(stack.client, name);
  await startTestSource(stack, config);
  await waitForCycle(stack, name, 1);

  const from = new Date((stack.emulator.now() - 600 * 86_400) * 1000).toISOString();
  const to = new Date((stack.emulator.now() - 300 * 86_400) * 1000).toISOString();
  const ranged = { collections: ['tickets'], from, to };
  const openEnded = { collections: ['tickets'], from: to };
  const [rangedChild] = await handle.executeUpdate(backfillUpdate, { args: [ranged] });
  const [openChild] = await handle.executeUpdate(backfillUpdate, { args: [openEnded] });
  const finished = await waitFor('both backfills to complete', async () => {
    const s = await querySourceStatus(stack.client, name);
    const a = s.backfills[rangedChild!.workflowId];
    const b = s.backfills[openChild!.workflowId];
    return a?.state === 'completed' && b?.state === 'completed' ? { ranged: a, open: b } : undefined;
  });
  assert.ok((finished.ranged.rows ?? 0) > 0 && (finished.open.rows ?? 0) > 0, JSON.stringify(finished));

  // Stopped and started again (as `npm start` does when settings change): a new run, no memory.
  await stopSourceAndWait(stack.client, name, CONDITION_WAIT_MS);
  await startTestSource(stack, config);
  const [rangedAgain] = await handle.executeUpdate(backfillUpdate, { args: [ranged] });
  const [openAgain] = await handle.executeUpdate(backfillUpdate, { args: [openEnded] });
  assert.deepEqual(rangedAgain, finished.ranged, 'the completed backfill, with its rows');
  // The open-ended one keeps the range its first request fixed, not this request's "now".
  assert.deepEqual(openAgain, finished.open);
  const status = await querySourceStatus(stack.client, name);
  assert.deepEqual(status.backfills[finished.ranged.workflowId], finished.ranged);
  let runs = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${finished.ranged.workflowId}'` })) runs++;
  assert.equal(runs, 1, 'not loaded a second time');

  // Pruned: a run whose memory holds the completed backfill as its oldest of more finished ones than
  // are kept forgets it at its continue-as-new; asked again, it is still completed with its rows.
  await stopSourceAndWait(stack.client, name, CONDITION_WAIT_MS);
  const others: Record<string, BackfillStatus> = {};
  for (let i = 0; i < MAX_REMEMBERED_BACKFILLS; i++) {
    const id = `${workflowId}/backfill/tickets/filler-${i}`;
    others[id] = {
      workflowId: id,
      stream: 'tickets',
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-02-01T00:00:00.000Z',
      state: 'completed',
      rows: 0,
    };
  }
  const memory: SourceMemory = {
    cycle: 0,
    paused: false,
    streams: {},
    backfills: { [finished.ranged.workflowId]: finished.ranged, ...others },
    totalRows: 0,
  };
  await stack.client.workflow.start('sourceWorkflow', { taskQueue: stack.taskQueue, workflowId, args: [{ config, memory }] });
  const before = await waitForCycle(stack, name, 1);
  assert.ok(before.backfills[finished.ranged.workflowId], 'remembered in the first run');
  await handle.signal(syncNowSignal);
  const pruned = await waitForCycle(stack, name, 2);
  assert.equal(pruned.backfills[finished.ranged.workflowId], undefined, 'pruned at the continue-as-new');
  const [afterPrune] = await handle.executeUpdate(backfillUpdate, { args: [ranged] });
  assert.deepEqual(afterPrune, finished.ranged);
  await handle.signal(pauseSignal);
});

test('a backfill whose child was terminated (it cannot report back) is started again when asked again', async () => {
  const name = 'backfill_terminated';
  const config = sourceConfig(stack, {
    name,
    destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
    lookbackDays: 30,
    collections: ONLY_TICKETS,
  });
  const handle = sourceHandle(stack.client, name);
  await startTestSource(stack, config);
  await waitForCycle(stack, name, 1);
  const request = {
    collections: ['tickets'],
    from: new Date((stack.emulator.now() - 600 * 86_400) * 1000).toISOString(),
    to: new Date((stack.emulator.now() - 300 * 86_400) * 1000).toISOString(),
  };
  try {
    // The source is idle (an hour's interval), so the next tickets export request is the backfill's.
    const childId = await withFaults(
      [{ id: 'hold-backfill', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 3_600_000, firstN: 1 }],
      async () => {
        const [child] = await handle.executeUpdate(backfillUpdate, { args: [request] });
        await waitFor("the backfill's page to be requested", async () =>
          stack.emulator.firedFaults().some((f) => f.ruleId === 'hold-backfill') ? true : undefined,
        );
        await stack.client.workflow.getHandle(child!.workflowId).terminate('test: an operator terminated the backfill');
        return child!.workflowId;
      },
    );
    assert.equal((await querySourceStatus(stack.client, name)).backfills[childId]?.state, 'running', 'memory still says running');

    const [again] = await handle.executeUpdate(backfillUpdate, { args: [request] });
    assert.equal(again!.workflowId, childId);
    assert.equal(again!.state, 'running');
    assert.equal((await stack.client.workflow.getHandle(childId).describe()).status.name, 'RUNNING', 'a new run of the child was started');
    const done = await waitFor('the new run to complete', async () => {
      const b = (await querySourceStatus(stack.client, name)).backfills[childId];
      return b?.state === 'completed' ? b : undefined;
    });
    assert.ok((done.rows ?? 0) > 0);
    let runs = 0;
    for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${childId}'` })) runs++;
    assert.equal(runs, 2, 'the terminated run and the new one');
  } finally {
    await handle.signal(pauseSignal);
  }
});
