// The source workflow's life: bad credentials wait without a request storm, invalid settings and
// transient failures get states of their own, a pause or stop mid-cycle is not a success, a backfill
// child loads older history beside the regular cycles (and the same request never loads twice), the
// interval loop keeps history small, and the raw Temporal CLI drives it all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { saveCredential } from '../../credentials/store';
import { findTemporalCli } from '../../runtime/temporalCli';
import { querySourceStatus, sourceHandle } from '../../cli/sources';
import { backfillUpdate, pauseSignal, resumeSignal, syncNowSignal } from '../../workflows/messages';
import { MAX_REMEMBERED_BACKFILLS, pruneBackfills } from '../../workflows/backfillPlan';
import { UNREACHABLE_RETRY_SECONDS, unreachableRetryMs } from '../../workflows/rhythm';
import { workflowIdForSource } from '../../workflows/ids';
import { workflowSettingsProblems } from '../../workflows/settingsCheck';
import { openDestination } from '../../destinations/open';
import { cursorStateKey, parseStoredCursor } from '../../activities/syncStream';
import { LAST_SUCCESS, SYNC_STATE } from '../../workflows/searchAttributes';
import { API_TOKEN_RETIREMENT_WARNING } from '../../zendesk/auth';
import type { FaultRule } from '../../emulator';
import type { BackfillStatus, SourceConfig, SourceStatus, StreamCursor } from '../../workflows/types';
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

const run = promisify(execFile);
let stack: Stack;
let worker: RunningWorker;

before(async () => {
  stack = await startStack({ emulator: { tickets: 400, historyDays: 700 } });
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
});

/** How many runs (the first and every continue-as-new) the source's workflow has had. */
async function runsOf(name: string): Promise<number> {
  let runs = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdForSource(name)}'` })) runs++;
  return runs;
}

/**
 * The workflow's current run, read from its history (consistent, unlike the visibility store the
 * list reads, which may lag on a busy machine): whether it is the first run and what it scheduled.
 */
async function currentRun(workflowId: string): Promise<{ first: boolean; timers: number; activities: number; continuedAsNew: boolean }> {
  const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return {
    first: !events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
    timers: events.filter((e) => e.timerStartedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    continuedAsNew: events.some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
  };
}

/** The Web UI list's view of a workflow: its ZendeskSyncState and ZendeskLastSuccess. */
async function listView(workflowId: string): Promise<{ state?: string; lastSuccess?: number }> {
  const attributes = (await stack.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
  return { state: attributes.get(SYNC_STATE), lastSuccess: attributes.get(LAST_SUCCESS)?.getTime() };
}

/** Runs `fn` with extra emulator faults, restoring the previous rules afterwards. */
async function withFaults<T>(rules: FaultRule[], fn: () => Promise<T>): Promise<T> {
  const previous = stack.emulator.faultRules();
  stack.emulator.setFaults([...previous, ...rules]);
  try {
    return await fn();
  } finally {
    stack.emulator.setFaults(previous);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = CONDITION_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('bad credentials: a clear error in status, the workflow waits, no request storm; fixed credentials sync', async () => {
  const name = 'bad_credentials';
  const credentialRef = `file:${path.join(stack.tmp, 'credentials', 'wrong.json')}`;
  await saveCredential(credentialRef, { type: 'api_token', email: stack.emulator.credentials.admin.email, token: 'wrong-token' });
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  stack.emulator.requestLog.reset();
  // A short interval, watched for several intervals: a continue-as-new loop would show as many runs.
  const intervalSeconds = 2;
  const watchMs = 8_000;
  const startedAt = Date.now();
  await startTestSource(stack, sourceConfig(stack, { name, destination, credentialRef, intervalSeconds }));
  const status = await waitForCycle(stack, name, 1);
  assert.equal(status.state, 'credentials_invalid');
  assert.equal(status.settingsError, undefined);
  assert.equal(status.unreachableError, undefined);
  assert.match(status.credentialError ?? '', /ZendeskAuthError/);
  assert.match(status.credentialError ?? '', /authenticate|credential/i);
  await sleep(watchMs);
  // Bounds that hold at any machine speed (a busy machine only checks less often): every request is
  // the credential check, not retried; cycles start at least an interval apart, so the checks since
  // the start are at most one per interval elapsed, plus the first; and one run per check at most
  // (the list may lag behind, which only lowers the count).
  const checks = stack.emulator.requestLog.entries();
  const elapsedIntervals = (Date.now() - startedAt) / (intervalSeconds * 1000);
  const runs = await runsOf(name);
  assert.ok(checks.length >= 1);
  assert.deepEqual([...new Set(checks.map((e) => `${e.endpoint} ${e.status}`))], ['GET /api/v2/users/me 401']);
  assert.ok(checks.length <= Math.floor(elapsedIntervals) + 1, `${checks.length} checks in ${elapsedIntervals.toFixed(1)} intervals`);
  assert.ok(runs <= checks.length + 1, `runs while credentials are bad: ${runs} for ${checks.length} checks`);

  await saveCredential(credentialRef, {
    type: 'api_token',
    email: stack.emulator.credentials.admin.email,
    token: stack.emulator.credentials.admin.apiToken,
  });
  const cyclesBefore = (await querySourceStatus(stack.client, name)).cycle;
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const fixed = await waitFor('a successful cycle', async () => {
    const s = await waitForCycle(stack, name, cyclesBefore + 1);
    return s.lastCycle ? s : undefined;
  });
  await sourceHandle(stack.client, name).signal(pauseSignal); // its short interval would keep it busy
  assert.equal(fixed.credentialError, undefined);
  assert.equal(fixed.state, 'idle');
  // The status may already show a later cycle of the 2-second interval (one with nothing new), so
  // the sync is judged by what it left in the warehouse: the account's tickets, exactly.
  const truth = await expectedRows(stack, name, ['tickets']);
  assert.ok(truth.tickets!.length > 0);
  await assertWarehouseMatches(destination, name, truth);

  // Per collection: the stream's cursor and requests of its last run; a list read in full has no cursor.
  const tickets = fixed.collections.tickets!;
  assert.deepEqual(tickets.cursor, fixed.streams.tickets!.cursor);
  assert.ok(tickets.cursor && tickets.cursor.seq > 0, JSON.stringify(tickets.cursor));
  assert.equal(tickets.lastRequests, fixed.streams.tickets!.lastRequests);
  assert.ok((tickets.lastRequests ?? 0) >= 1);
  assert.equal(fixed.collections.groups!.cursor, null);
  assert.ok((fixed.collections.groups!.lastRequests ?? 0) >= 1);
  // The credential check's warning (API tokens are legacy) is kept in the status.
  assert.deepEqual(fixed.warnings, [API_TOKEN_RETIREMENT_WARNING]);
});

test('invalid settings from a raw start: settings_invalid, no continue-as-new loop, no request; a stop says stopped', async () => {
  const name = 'invalid_interval';
  const workflowId = workflowIdForSource(name);
  const config = { ...sourceConfig(stack, { name, destination: `sqlite://${path.join(stack.tmp, 'warehouse')}` }), intervalSeconds: 0 };
  const checksBefore = stack.emulator.requestLog.entries('/api/v2/users/me').length;
  // Straight to Temporal, as `temporal workflow start` would: the client's validation is skipped.
  await stack.client.workflow.start('sourceWorkflow', { taskQueue: stack.taskQueue, workflowId, args: [{ config }] });
  const status = await waitFor('settings_invalid', async () => {
    const s = await querySourceStatus(stack.client, name);
    return s.state === 'settings_invalid' ? s : undefined;
  });
  assert.match(status.settingsError ?? '', /intervalSeconds: must be a number from 1 to 2678400 \(s\).*got 0/);
  assert.equal(status.nextRunAt, undefined);
  // Nothing is scheduled that could loop: the first run waits for a signal, with no timer and no activity.
  assert.deepEqual(
    await currentRun(workflowId),
    { first: true, timers: 0, activities: 0, continuedAsNew: false },
    'no continue-as-new while the settings cannot work',
  );
  assert.equal((await querySourceStatus(stack.client, name)).cycle, 0, 'no cycle ran');
  assert.equal(stack.emulator.requestLog.entries('/api/v2/users/me').length, checksBefore, 'no request to Zendesk');
  assert.equal((await listView(workflowId)).state, 'settings_invalid');

  // A stop while waiting: the list view and the status say stopped, not idle.
  await sourceHandle(stack.client, name).cancel();
  await assert.rejects(sourceHandle(stack.client, name).result());
  assert.equal((await querySourceStatus(stack.client, name)).state, 'stopped');
  assert.equal((await listView(workflowId)).state, 'stopped');
});

test('settings the worker rejects (an unset destination variable): settings_invalid until fixed and a sync-now', async () => {
  const name = 'unset_destination';
  const variable = `ZS_TEST_UNSET_DESTINATION_${process.pid}`;
  delete process.env[variable];
  await startTestSource(stack, sourceConfig(stack, { name, destination: `env:${variable}`, collections: { activities: false } }));
  const status = await waitForCycle(stack, name, 1);
  assert.equal(status.state, 'settings_invalid');
  assert.match(status.settingsError ?? '', /InvalidSettingsError: .*environment variable is not set/);
  assert.equal(status.credentialError, undefined);
  assert.equal(status.nextRunAt, undefined, 'no timer: waiting does not fix settings');
  const run = await currentRun(workflowIdForSource(name));
  assert.equal(run.first, true);
  assert.equal(run.timers, 0);

  process.env[variable] = `sqlite://${path.join(stack.tmp, 'warehouse')}`; // the worker reads it per check
  try {
    await sourceHandle(stack.client, name).signal(syncNowSignal);
    const fixed = await waitForCycle(stack, name, 2);
    assert.equal(fixed.state, 'idle');
    assert.equal(fixed.settingsError, undefined);
    assert.ok((fixed.collections.tickets?.lastRows ?? 0) > 0);
  } finally {
    await sourceHandle(stack.client, name).signal(pauseSignal);
  }
});

test('a transient check failure (Zendesk 5xx) is unreachable, retried after min(interval, 5 min), not a whole interval', () => {
  assert.equal(UNREACHABLE_RETRY_SECONDS, 300);
  assert.equal(unreachableRetryMs(3 * 3600 * 1000), 300_000);
  assert.equal(unreachableRetryMs(60_000), 60_000);
});

test("the workflow's own settings check names every setting that would break its loop", () => {
  const base: SourceConfig = { name: 'ok', baseUrl: 'http://127.0.0.1:1', credentialRef: 'env:ZD', destination: 'sqlite://x' };
  assert.deepEqual(workflowSettingsProblems(base), []);
  assert.deepEqual(workflowSettingsProblems({ ...base, intervalSeconds: 1 }), []);
  const problems = workflowSettingsProblems({
    ...base,
    intervalSeconds: 0,
    parallelStreams: 0,
    timing: { maxAttempts: -1 },
    collections: { nope: true },
  });
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['intervalSeconds', 'parallelStreams', 'timing.maxAttempts', 'collections'],
  );
  for (const interval of [Number.NaN, 0.5, -3, '60'] as unknown[]) {
    assert.equal(workflowSettingsProblems({ ...base, intervalSeconds: interval as number }).length, 1, String(interval));
  }
});

test('backfill memory keeps every running backfill and the most recent finished ones', () => {
  const entry = (i: number, state: BackfillStatus['state']): [string, BackfillStatus] => [
    `b${i}`,
    { workflowId: `b${i}`, stream: 'tickets', from: '2020-01-01T00:00:00.000Z', to: '2021-01-01T00:00:00.000Z', state },
  ];
  const many = Object.fromEntries([
    entry(0, 'running'),
    ...Array.from({ length: MAX_REMEMBERED_BACKFILLS + 10 }, (_, i) => entry(i + 1, i % 2 ? 'failed' : 'completed')),
  ]);
  const kept = pruneBackfills(many);
  assert.equal(Object.keys(kept).length, MAX_REMEMBERED_BACKFILLS + 1);
  assert.equal(kept.b0?.state, 'running', 'a running backfill is never forgotten: it reports back by signal');
  assert.equal(kept.b10, undefined, 'the oldest finished ones go');
  assert.ok(kept[`b${MAX_REMEMBERED_BACKFILLS + 10}`], 'the newest stay');
  const few = Object.fromEntries([entry(1, 'completed')]);
  assert.equal(pruneBackfills(few), few);
});

test('Zendesk answering 500 to the credential check: state unreachable, next try in 5 minutes; recovers', async () => {
  const name = 'zendesk_down';
  const startedAt = Date.now();
  const status = await withFaults([{ id: 'check-down', endpoint: '/api/v2/users/me', kind: 'status', status: 500 }], async () => {
    await startTestSource(
      stack,
      sourceConfig(stack, { name, destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`, intervalSeconds: 3600 }),
    );
    return waitForCycle(stack, name, 1);
  });
  assert.equal(status.state, 'unreachable');
  assert.match(status.unreachableError ?? '', /ZendeskServerError/);
  assert.equal(status.credentialError, undefined, 'a Zendesk outage is not a credential problem');
  // The retry is set from the workflow's clock when the check failed, some time between the start
  // and now: bracketed by both, whatever the machine's speed (a second of slack for clock rounding).
  const retryAt = Date.parse(status.nextRunAt!);
  assert.ok(retryAt >= startedAt + 300_000 - 1000 && retryAt <= Date.now() + 300_000, `next try at ${status.nextRunAt} (interval 1 h)`);

  const syncNowAt = Date.now();
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const recovered = await waitForCycle(stack, name, 2);
  assert.equal(recovered.state, 'idle');
  assert.equal(recovered.unreachableError, undefined);
  const nextAt = Date.parse(recovered.nextRunAt!);
  assert.ok(
    nextAt >= syncNowAt + 3600_000 - 1000 && nextAt <= Date.now() + 3600_000,
    `back to the interval: next run at ${recovered.nextRunAt}`,
  );
  await sourceHandle(stack.client, name).signal(pauseSignal);
});

test('a pause or a stop in mid-cycle is not a successful cycle; a stopped source says stopped', async () => {
  const name = 'interrupted';
  const workflowId = workflowIdForSource(name);
  const handle = sourceHandle(stack.client, name);
  const waitForState = (wanted: SourceStatus['state']) =>
    waitFor(wanted, async () => {
      const s = await querySourceStatus(stack.client, name);
      return s.state === wanted ? s : undefined;
    });
  await startTestSource(
    stack,
    sourceConfig(stack, { name, destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`, collections: { activities: false } }),
  );
  const first = await waitForCycle(stack, name, 1);
  assert.equal(first.lastCycle?.interruptedBy, undefined);
  const successAt = (await listView(workflowId)).lastSuccess;
  assert.equal(successAt, Date.parse(first.lastCycle!.finishedAt));

  // The tickets export is held unanswered (until the faults are restored), so the next cycles are
  // still running when the pause and the stop come, however slowly the machine gets there.
  await withFaults([{ id: 'held-tickets-interrupt', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'hold' }], async () => {
    await handle.signal(syncNowSignal);
    await waitForState('syncing');
    await handle.signal(pauseSignal);
    const paused = await waitForState('paused');
    assert.equal(paused.lastCycle?.interruptedBy, 'pause');
    assert.ok(paused.lastCycle?.unfinishedStreams?.includes('tickets'), JSON.stringify(paused.lastCycle));
    assert.equal((await listView(workflowId)).lastSuccess, successAt, 'a paused cycle is not a success');

    await handle.signal(resumeSignal);
    await waitForState('syncing');
    await handle.cancel();
    await assert.rejects(handle.result());
  });
  const stopped = await querySourceStatus(stack.client, name);
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.lastCycle?.interruptedBy, 'stop');
  assert.ok(stopped.lastCycle?.unfinishedStreams?.includes('tickets'));
  const view = await listView(workflowId);
  assert.equal(view.state, 'stopped');
  assert.equal(view.lastSuccess, successAt, 'a stopped cycle is not a success');
});

test('a backfill child loads history older than the lookback while a regular cycle runs; cursors stay right', async () => {
  const name = 'backfill_source';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  await startTestSource(stack, sourceConfig(stack, { name, destination, lookbackDays: 30, collections: { activities: false } }));
  const first = await waitForCycle(stack, name, 1);
  const ticketsBefore = first.collections.tickets!.lastRows!;
  const warehouse = await openDestination(destination);
  const readTicketsCursor = async (): Promise<StreamCursor> => {
    const { seq, value } = parseStoredCursor(await warehouse.readState(name, cursorStateKey('tickets')))!; // without the counts stored with it
    return { seq, value };
  };
  const cursorBefore = await readTicketsCursor();
  assert.deepEqual(cursorBefore, first.streams.tickets!.cursor, "the state table holds the cycle's cursor");

  const from = new Date((stack.emulator.now() - 800 * 86_400) * 1000).toISOString();
  const to = new Date((stack.emulator.now() - 120) * 1000).toISOString();
  const fromParam = `start_time=${Math.floor(Date.parse(from) / 1000)}`;
  const handle = sourceHandle(stack.client, name);
  const logMark = stack.emulator.requestLog.entries().at(-1)?.seq ?? 0;
  // The backfill's first export page is held unanswered until the regular cycle has finished (the
  // faults are restored when this block ends), so the regular cycle runs entirely while it is in
  // flight and commits its cursor before the backfill commits anything: a backfill that wrote the
  // regular cursor would overwrite it, and the exact comparisons below would catch it.
  const { started, cycle } = await withFaults(
    [{ id: 'slow-backfill-page', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'hold', firstN: 1 }],
    async () => {
      const started = await handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from, to }] });
      await waitFor("the backfill's first page to be requested", async () =>
        stack.emulator.firedFaults().some((f) => f.ruleId === 'slow-backfill-page' && f.url.includes(fromParam)) ? true : undefined,
      );
      await handle.signal(syncNowSignal); // a regular cycle while the backfill runs
      const cycle = await waitForCycle(stack, name, 2);
      return { started, cycle };
    },
  );
  assert.equal(started.length, 1);
  assert.equal(cycle.backfills[started[0]!.workflowId]?.state, 'running', 'the regular cycle finished while the backfill ran');
  // Readable in the Web UI: the range as ISO instants, not epoch seconds.
  assert.equal(
    started[0]!.workflowId,
    `${workflowIdForSource(name)}/backfill/tickets/${from.replace('.000Z', 'Z')}..${to.replace('.000Z', 'Z')}`,
  );
  // The same request again is idempotent: same child, nothing new started.
  const again = await handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from, to }] });
  assert.equal(again[0]!.workflowId, started[0]!.workflowId);

  const done = await waitFor('backfill to complete', async () => {
    const s = await querySourceStatus(stack.client, name);
    const b = s.backfills[started[0]!.workflowId];
    return b && b.state !== 'running' ? s : undefined;
  });
  assert.equal(done.backfills[started[0]!.workflowId]!.state, 'completed', JSON.stringify(done.backfills));

  // They overlapped: the regular cycle's export request ran inside the backfill's.
  const recent = stack.emulator.requestLog.entries((e) => e.path === '/api/v2/incremental/tickets/cursor' && e.seq > logMark);
  const backfillRequest = recent.find((e) => e.query.includes(fromParam));
  assert.ok(backfillRequest, 'the backfill requested its range');
  // (Matched by time, not by order: a source of an earlier test may still finish a request here.)
  const backfillArrived = backfillRequest.at - backfillRequest.durationMs;
  const regularRequests = recent.filter(
    (e) => new URLSearchParams(e.query).has('cursor') && e.at - e.durationMs >= backfillArrived && e.at <= backfillRequest.at,
  );
  assert.ok(
    regularRequests.length >= 1,
    `a regular export request ran while the backfill's page was in flight: ${recent.map((e) => `${Math.round(e.at - e.durationMs)}..${e.at} ${e.query}`).join(' | ')}`,
  );
  // The regular cycle resumed from exactly its own cursor …
  assert.equal(new URLSearchParams(regularRequests[0]!.query).get('cursor'), (cursorBefore.value as { cursor: string }).cursor);

  // Child shows under its parent: it records the parent's id.
  const child = await stack.client.workflow.getHandle(started[0]!.workflowId).describe();
  assert.equal(child.parentExecution?.workflowId, workflowIdForSource(name));

  // The warehouse now holds all tickets since the backfill's start, exactly.
  const truth = stack.emulator.groundTruth({ ticketsSince: Math.floor(Date.parse(from) / 1000), collections: ['tickets'] });
  assert.ok(truth.tickets!.length > ticketsBefore, `backfill added history: ${truth.tickets!.length} > ${ticketsBefore}`);
  await assertWarehouseMatches(destination, name, truth);
  // … and after the backfill finished, the regular cursor is exactly the one the regular cycle committed.
  const cursorAfter = await readTicketsCursor();
  const regularCursor = (await querySourceStatus(stack.client, name)).streams.tickets!.cursor!;
  assert.deepEqual(cursorAfter, regularCursor);
  assert.equal(cursorAfter.seq, cursorBefore.seq + cycle.streams.tickets!.lastPages!);
  await warehouse.close();
  await handle.signal(pauseSignal);
});

test('a backfill without "to" is idempotent: repeating it returns the same child, running or finished', async () => {
  const name = 'backfill_open_ended';
  const workflowId = workflowIdForSource(name);
  await startTestSource(
    stack,
    sourceConfig(stack, {
      name,
      destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
      lookbackDays: 30,
      collections: { activities: false },
    }),
  );
  await waitForCycle(stack, name, 1);
  const handle = sourceHandle(stack.client, name);
  const from = new Date((stack.emulator.now() - 500 * 86_400) * 1000).toISOString();
  const request = { collections: ['tickets'], from };
  const expectedId = `${workflowId}/backfill/tickets/${from.replace('.000Z', 'Z')}..now`;

  const [first] = await handle.executeUpdate(backfillUpdate, { args: [request] });
  assert.equal(first!.workflowId, expectedId);
  await sleep(1500); // workflow time moves on: an ID made from the request time would differ now
  const [whileRunning] = await handle.executeUpdate(backfillUpdate, { args: [request] });
  assert.equal(whileRunning!.workflowId, expectedId);
  assert.equal(whileRunning!.to, first!.to, 'the range ends where the first request fixed it');

  const done = await waitFor('backfill to complete', async () => {
    const s = await querySourceStatus(stack.client, name);
    return s.backfills[expectedId]?.state === 'completed' ? s.backfills[expectedId] : undefined;
  });
  assert.ok((done.rows ?? 0) > 0);
  // After completion the same request is answered with the recorded result, not a second load.
  const [afterDone] = await handle.executeUpdate(backfillUpdate, { args: [request] });
  assert.deepEqual(afterDone, done);
  let children = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${expectedId}'` })) children++;
  assert.equal(children, 1, 'one child workflow for three identical requests');
  const backfillsInStatus = Object.keys((await querySourceStatus(stack.client, name)).backfills);
  assert.deepEqual(backfillsInStatus, [expectedId]);
  // A re-run is a different request: an explicit range.
  await handle.signal(pauseSignal);
});

test('the interval loop runs several cycles with continue-as-new; each run keeps a small history', async () => {
  const name = 'interval_loop';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  await startTestSource(stack, sourceConfig(stack, { name, destination, intervalSeconds: 1, collections: { activities: false } }));
  await waitForCycle(stack, name, 4);
  // The list (visibility) may lag behind the runs on a busy machine: wait until it shows three.
  const lengths = await waitFor('three continued-as-new runs in the list', async () => {
    const found: number[] = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdForSource(name)}'` })) {
      if (execution.status.name === 'CONTINUED_AS_NEW') found.push(execution.historyLength);
    }
    return found.length >= 3 ? found : undefined;
  });
  await sourceHandle(stack.client, name).signal(pauseSignal);
  assert.ok(lengths.length >= 3, `runs: ${lengths.length}`);
  // One cycle = check + 12 stream activities + timers and markers; far below Temporal's 10k warning.
  for (const length of lengths) assert.ok(length < 250, `history length per cycle: ${length}`);
  assert.ok(Math.max(...lengths) - Math.min(...lengths) < 60, `history does not grow: ${lengths.join(', ')}`);
  console.log(`history events per cycle: ${lengths.join(', ')}`);
});

test('the raw Temporal CLI starts, queries, signals and updates a source', async () => {
  const cli = findTemporalCli();
  const name = 'cli_source';
  const workflowId = workflowIdForSource(name);
  const address = ['--address', stack.server.address];
  const config = sourceConfig(stack, {
    name,
    destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
    collections: { activities: false },
  });
  await run(cli, [
    'workflow',
    'start',
    ...address,
    '--task-queue',
    stack.taskQueue,
    '--type',
    'sourceWorkflow',
    '--workflow-id',
    workflowId,
    '--input',
    JSON.stringify({ config }),
  ]);
  await waitForCycle(stack, name, 1);

  const query = await run(cli, ['workflow', 'query', ...address, '--workflow-id', workflowId, '--type', 'status', '--output', 'json']);
  assert.match(query.stdout, /"source": ?"cli_source"/);
  await run(cli, ['workflow', 'signal', ...address, '--workflow-id', workflowId, '--name', 'pause']);
  await waitFor('paused', async () => ((await querySourceStatus(stack.client, name)).state === 'paused' ? true : undefined));
  await run(cli, ['workflow', 'signal', ...address, '--workflow-id', workflowId, '--name', 'resume']);
  await waitForCycle(stack, name, 2);
  await run(cli, ['workflow', 'signal', ...address, '--workflow-id', workflowId, '--name', 'syncNow']);
  await waitForCycle(stack, name, 3);

  const from = new Date((stack.emulator.now() - 900 * 86_400) * 1000).toISOString().slice(0, 10);
  const update = await run(cli, [
    'workflow',
    'update',
    'execute',
    ...address,
    '--workflow-id',
    workflowId,
    '--name',
    'backfill',
    '--input',
    JSON.stringify({ collections: ['ticket_events'], from }),
  ]);
  assert.match(update.stdout, /backfill\/ticket_events\//);
  // A bad request is refused by the validator before anything reaches history.
  await assert.rejects(
    run(cli, [
      'workflow',
      'update',
      'execute',
      ...address,
      '--workflow-id',
      workflowId,
      '--name',
      'backfill',
      '--input',
      JSON.stringify({ collections: ['groups'], from }),
    ]),
    /read in full every cycle/,
  );
  await sourceHandle(stack.client, name).signal(pauseSignal);
  void resumeSignal;
});
