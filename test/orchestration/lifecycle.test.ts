// The source workflow's life: bad credentials wait without a request storm, a backfill child loads
// older history beside the regular cycles, the interval loop keeps history small, and the raw
// Temporal CLI drives it all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { saveCredential } from '../../credentials/store';
import { findTemporalCli } from '../../orchestration/temporalCli';
import { querySourceStatus, sourceHandle } from '../../orchestration/sources';
import { backfillUpdate, pauseSignal, resumeSignal, syncNowSignal } from '../../workflows/messages';
import { workflowIdForSource } from '../../workflows/plan';
import { openDestination } from '../../destinations/open';
import { cursorStateKey } from '../../activities/syncStream';
import {
  assertWarehouseMatches,
  sourceConfig,
  startStack,
  startTestSource,
  startWorker,
  waitForCycle,
  type RunningWorker,
  type Stack,
} from '../support/stack';

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

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
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
  await startTestSource(stack, sourceConfig(stack, { name, destination, credentialRef, intervalSeconds: 3600 }));
  const status = await waitForCycle(stack, name, 1);
  assert.equal(status.state, 'credentials_invalid');
  assert.match(status.credentialError ?? '', /ZendeskAuthError/);
  assert.match(status.credentialError ?? '', /authenticate|credential/i);
  await new Promise((r) => setTimeout(r, 3000));
  const requests = stack.emulator.requestLog.entries().length;
  assert.ok(requests <= 2, `requests while credentials are bad: ${requests}`);

  await saveCredential(credentialRef, {
    type: 'api_token',
    email: stack.emulator.credentials.admin.email,
    token: stack.emulator.credentials.admin.apiToken,
  });
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const fixed = await waitForCycle(stack, name, 2);
  assert.equal(fixed.credentialError, undefined);
  assert.equal(fixed.state, 'idle');
  assert.ok((fixed.collections.tickets?.lastRows ?? 0) > 0);
});

test('a backfill child loads history older than the lookback while regular cycles run; cursors stay right', async () => {
  const name = 'backfill_source';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  await startTestSource(stack, sourceConfig(stack, { name, destination, lookbackDays: 30, collections: { activities: false } }));
  const first = await waitForCycle(stack, name, 1);
  const ticketsBefore = first.collections.tickets!.lastRows!;
  const warehouse = await openDestination(destination);
  const cursorBefore = JSON.parse((await warehouse.readState(name, cursorStateKey('tickets')))!);

  const from = new Date((stack.emulator.now() - 800 * 86_400) * 1000).toISOString();
  const to = new Date((stack.emulator.now() - 120) * 1000).toISOString();
  const handle = sourceHandle(stack.client, name);
  const [started] = await Promise.all([
    handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from, to }] }),
    handle.signal(syncNowSignal), // a regular cycle at the same time
  ]);
  assert.equal(started.length, 1);
  // Readable in the Web UI: the range as ISO instants, not epoch seconds.
  assert.equal(started[0]!.workflowId, `${workflowIdForSource(name)}/backfill/tickets/${from.replace('.000Z', 'Z')}..${to.replace('.000Z', 'Z')}`);
  // The same request again is idempotent: same child, nothing new started.
  const again = await handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from, to }] });
  assert.equal(again[0]!.workflowId, started[0]!.workflowId);

  const done = await waitFor('backfill to complete', async () => {
    const s = await querySourceStatus(stack.client, name);
    const b = s.backfills[started[0]!.workflowId];
    return b && b.state !== 'running' ? s : undefined;
  });
  assert.equal(done.backfills[started[0]!.workflowId]!.state, 'completed', JSON.stringify(done.backfills));
  await waitForCycle(stack, name, 2);

  // Child shows under its parent: it records the parent's id.
  const child = await stack.client.workflow.getHandle(started[0]!.workflowId).describe();
  assert.equal(child.parentExecution?.workflowId, workflowIdForSource(name));

  // The warehouse now holds all tickets since the backfill's start, exactly.
  const truth = stack.emulator.groundTruth({ ticketsSince: Math.floor(Date.parse(from) / 1000), collections: ['tickets'] });
  assert.ok(truth.tickets!.length > ticketsBefore, `backfill added history: ${truth.tickets!.length} > ${ticketsBefore}`);
  await assertWarehouseMatches(destination, name, truth);
  // The regular cursor never moved backwards.
  const cursorAfter = JSON.parse((await warehouse.readState(name, cursorStateKey('tickets')))!);
  assert.ok(cursorAfter.seq >= cursorBefore.seq, `cursor seq ${cursorBefore.seq} -> ${cursorAfter.seq}`);
  await warehouse.close();
});

test('the interval loop runs several cycles with continue-as-new; each run keeps a small history', async () => {
  const name = 'interval_loop';
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  await startTestSource(stack, sourceConfig(stack, { name, destination, intervalSeconds: 1, collections: { activities: false } }));
  await waitForCycle(stack, name, 4);
  const lengths: number[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdForSource(name)}'` })) {
    if (execution.status.name !== 'CONTINUED_AS_NEW') continue;
    lengths.push(execution.historyLength);
  }
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
  const config = sourceConfig(stack, { name, destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`, collections: { activities: false } });
  await run(cli, ['workflow', 'start', ...address, '--task-queue', stack.taskQueue, '--type', 'sourceWorkflow', '--workflow-id', workflowId, '--input', JSON.stringify({ config })]);
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
  const update = await run(cli, ['workflow', 'update', 'execute', ...address, '--workflow-id', workflowId, '--name', 'backfill', '--input', JSON.stringify({ collections: ['ticket_events'], from })]);
  assert.match(update.stdout, /backfill\/ticket_events\//);
  // A bad request is refused by the validator before anything reaches history.
  await assert.rejects(
    run(cli, ['workflow', 'update', 'execute', ...address, '--workflow-id', workflowId, '--name', 'backfill', '--input', JSON.stringify({ collections: ['groups'], from })]),
    /read in full every cycle/,
  );
  await sourceHandle(stack.client, name).signal(pauseSignal);
  void resumeSignal;
});
