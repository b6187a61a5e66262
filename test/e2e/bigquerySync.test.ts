// The orchestration's full-sync and incremental test with BigQuery as the destination: the writer on
// Google's Node client against local-bigquery (harness/bigquery/emulator.ts). The authority on what
// landed is plain REST queries against the emulator (test/destinations/bigquery/landed-vs-truth.ts), which share
// no code with the writer or the client; every column of every table is compared, typed, with the
// Zendesk emulator's ground truth. Cycle 2 then lands a new, an updated and a deleted ticket and two
// records deleted from lists read in full, and must stage only the changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections } from '../../catalog/collections';
import { openBigQueryDestination } from '../../destinations/bigquery/destination';
import { registerDestinationScheme } from '../../destinations/open';
import { sourceHandle } from '../../cli/sources';
import { syncNowSignal } from '../../workflows/messages';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../harness/bigquery/emulator';
import { assertBigQueryMatchesTruth, type BigQueryTarget } from '../destinations/bigquery/landed-vs-truth';
import {
  everyCollectionConfig,
  expectedRows,
  startStack,
  startTestSource,
  startWorker,
  waitForCycle,
  type RunningWorker,
  type Stack,
} from '../../harness/stack';

let stack: Stack;
let worker: RunningWorker;
let bigquery: BigQueryEmulator;

const TICKETS = 40;
const PREFIX = 'zs_';
/** Rows each upsert staged, per table, in the order written (counted beside the writer, not by it). */
const staged: Array<{ table: string; rows: number }> = [];

before(async () => {
  [stack, bigquery] = await Promise.all([
    startStack({
      emulator: {
        users: 12,
        organizations: 3,
        groups: 2,
        tickets: TICKETS,
        eventsPerTicket: 2,
        commentsPerTicket: 1,
        activities: 8,
        auditLogs: 8,
      },
    }),
    startBigQueryEmulator(),
  ]);
  // The worker runs in this process: its bigquery:// destinations get the emulator's client quirks.
  registerDestinationScheme('bigquery', async (url) => {
    const destination = await openBigQueryDestination(url, { bigquery: { configureClient: bigquery.configureClient } });
    const upsert = destination.upsert.bind(destination);
    destination.upsert = async (schema, batches, options) => {
      const result = await upsert(schema, batches, options);
      for (const [table, rows] of Object.entries(result.rowsByTable)) staged.push({ table, rows });
      return result;
    };
    return destination;
  });
  worker = await startWorker(stack);
});
after(async () => {
  await worker?.stop();
  await stack?.close();
  await bigquery?.stop();
});

const stagedRows = (from: number, table: string) =>
  staged
    .slice(from)
    .filter((s) => s.table === table)
    .reduce((n, s) => n + s.rows, 0);

test('full sync of every collection into BigQuery equals the ground truth, then an incremental cycle lands only the changes', async (t) => {
  const name = 'e2e_bigquery';
  const destination = `bigquery://zs-test/${PREFIX}?location=US&apiEndpoint=${encodeURIComponent(bigquery.endpoint)}`;
  const target: BigQueryTarget = {
    endpoint: bigquery.endpoint,
    datasetFor: (s) => `${PREFIX}${s}`,
    metadataDataset: `${PREFIX}zendesk_sync`,
  };
  const tables = collections.map((c) => c.name);

  await startTestSource(stack, everyCollectionConfig(stack, name, destination));
  const status = await waitForCycle(stack, name, 1);
  for (const [collection, s] of Object.entries(status.collections)) assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
  const first = await assertBigQueryMatchesTruth(target, name, await expectedRows(stack, name, tables));
  assert.ok(first.rowsCompared > 100, `rows compared: ${first.rowsCompared}`);
  assert.equal(first.landed.get('tickets')!.length, TICKETS, 'every ticket of the account landed');
  assert.equal(stagedRows(0, 'tickets'), TICKETS);

  const m = stack.emulator.mutations;
  const [updatedId, deletedId] = first.landed
    .get('tickets')!
    .slice(0, 2)
    .map((r) => Number(r.id));
  const created = m.createTicket({ subject: 'BigQuery ✓ ticket', comment: { body: 'hello' } });
  m.updateTicket(updatedId!, { status: 'solved', comment: { body: 'Fixed', public: false } });
  m.deleteTicket(deletedId!);
  const goneMembership = stack.emulator.store.groupMemberships.rows.values().next().value!.id;
  const goneSkip = stack.emulator.store.skips.rows.values().next().value!.id;
  m.deleteGroupMembership(goneMembership);
  m.deleteSkip(goneSkip);
  stack.emulator.advanceClock(120); // out of the export's last-minute exclusion window

  const stagedBeforeCycle2 = staged.length;
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const secondStatus = await waitForCycle(stack, name, 2);
  for (const [collection, s] of Object.entries(secondStatus.collections))
    assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
  assert.equal(stagedRows(stagedBeforeCycle2, 'tickets'), 3, 'only the three changed tickets were staged in cycle 2');

  const second = await assertBigQueryMatchesTruth(target, name, await expectedRows(stack, name, tables));
  const ticketsById = new Map(second.landed.get('tickets')!.map((r) => [Number(r.id), r]));
  assert.equal(ticketsById.size, TICKETS + 1, 'one new ticket; the deleted one stays, marked deleted');
  assert.equal(ticketsById.get(created.id)?.subject, 'BigQuery ✓ ticket');
  assert.equal(ticketsById.get(updatedId!)?.status, 'solved');
  assert.equal(ticketsById.get(deletedId!)?.status, 'deleted');
  assert.ok(!second.landed.get('group_memberships')!.some((r) => Number(r.id) === goneMembership), 'the deleted membership left BigQuery');
  assert.ok(!second.landed.get('ticket_skips')!.some((r) => Number(r.id) === goneSkip), 'the deleted skip left BigQuery');
  t.diagnostic(`rows compared: ${first.rowsCompared} then ${second.rowsCompared}`);
});
