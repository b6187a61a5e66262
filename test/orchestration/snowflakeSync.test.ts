// The orchestration's full-sync and incremental test with Snowflake as the destination: the real
// snowflake-sdk against fakesnow (through the test shim), rows read back and compared with the
// emulator's ground truth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections } from '../../catalog/collections';
import { sourceHandle } from '../../orchestration/sources';
import { syncNowSignal } from '../../workflows/messages';
import { startSnowflakeEmulator, type SnowflakeEmulator } from '../snowflake/emulator';
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

let stack: Stack;
let worker: RunningWorker;
let snowflake: SnowflakeEmulator;

before(async () => {
  // fakesnow executes array binds row by row (~30 ms a row), so the account is tiny.
  [stack, snowflake] = await Promise.all([
    startStack({ emulator: { users: 12, organizations: 3, groups: 2, tickets: 25, eventsPerTicket: 2, commentsPerTicket: 1, activities: 8, auditLogs: 8 } }),
    startSnowflakeEmulator(),
  ]);
  process.env.ZS_SNOWFLAKE_PASSWORD = snowflake.settings().password; // fakesnow accepts any password
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
  await snowflake?.stop();
});

test('full sync of all 16 collections into Snowflake equals the ground truth, then an incremental cycle', async () => {
  const name = 'e2e_snowflake';
  const destination = snowflake.url();
  const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
  await startTestSource(stack, sourceConfig(stack, { name, destination, collections: allOn }));
  const status = await waitForCycle(stack, name, 1, 600_000);
  for (const [collection, s] of Object.entries(status.collections)) assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
  const tables = collections.map((c) => c.name);
  const { rowsCompared } = await assertWarehouseMatches(destination, name, await expectedRows(stack, destination, name, tables));
  assert.ok(rowsCompared > 100, `rows compared: ${rowsCompared}`);

  const m = stack.emulator.mutations;
  const created = m.createTicket({ subject: 'Snowflake ❄ ticket', comment: { body: 'hello' } });
  m.updateTicket(created.id, { status: 'pending' });
  stack.emulator.advanceClock(120);
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const second = await waitForCycle(stack, name, 2, 600_000);
  assert.equal(second.streams.tickets?.lastError, undefined);
  await assertWarehouseMatches(destination, name, await expectedRows(stack, destination, name, tables));
});
