// The orchestration's full-sync and incremental test with Snowflake as the destination: the real
// snowflake-sdk against fakesnow (through the test shim). The authority on what landed is the Python
// Snowflake connector reading fakesnow directly (test/destinations/snowflake/python-reader.ts), which shares no
// code with the writer, the driver or the shim; every column of every table is compared, typed,
// with the emulator's ground truth. Cycle 2 then lands a new, an updated and a deleted ticket, and
// must fetch and write only those changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections, streams } from '../../catalog/collections';
import { sourceHandle } from '../../cli/sources';
import type { RequestLogEntry } from '../../emulator';
import { syncNowSignal } from '../../workflows/messages';
import type { ObservedLogin } from '../../harness/snowflake/driver-shim';
import { startSnowflakeEmulator, type SnowflakeEmulator } from '../../harness/snowflake/emulator';
import { assertSnowflakeMatchesTruth, type FakesnowTarget } from '../destinations/snowflake/landed-vs-truth';
import { statementsDuring } from '../destinations/snowflake/sent-statements';
import {
  expectedRows,
  everyCollectionConfig,
  startStack,
  startTestSource,
  startWorker,
  waitForCycle,
  type RunningWorker,
  type Stack,
} from '../../harness/stack';

let stack: Stack;
let worker: RunningWorker;
let snowflake: SnowflakeEmulator;

// fakesnow executes array binds row by row (~30 ms a row), so the account is tiny.
const TICKETS = 25;

before(async () => {
  [stack, snowflake] = await Promise.all([
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

// Support's incremental exports (Help Center's article export is read from its start by the
// per-article streams each cycle, by design: test/activities/helpCenter.integration.test.ts covers it).
const isExportRequest = (entry: RequestLogEntry) => entry.path.startsWith('/api/v2/incremental/');

/** Rows bound into a table's staging table by the statements given (one staging INSERT per chunk). */
function stagedRows(statements: Array<{ sqlText: string; boundRows: number }>, table: string): number {
  const insert = `INSERT INTO "ZS_STAGE_${table.toUpperCase()}" `;
  return statements.filter((s) => s.sqlText.startsWith(insert)).reduce((n, s) => n + s.boundRows, 0);
}

/** Logins of a cycle: those for the source's run (one per activity) all carry its source and run. */
function assertRunSessionsTagged(logins: ObservedLogin[], source: string, run: string): void {
  const tags = logins.map((l) => (l.queryTag === undefined ? undefined : (JSON.parse(l.queryTag) as Record<string, string>)));
  const forSource = tags.filter((tag) => tag?.source === source);
  assert.ok(forSource.length > 0, `no session tagged with source ${source}: ${JSON.stringify(tags)}`);
  for (const tag of forSource) assert.deepEqual(tag, { app: 'zendesk-sync', source, run });
}

test('full sync of all 16 collections into Snowflake equals the ground truth, then an incremental cycle lands only the changes', async (t) => {
  const name = 'e2e_snowflake';
  const destination = snowflake.url();
  const landedAt: FakesnowTarget = { port: snowflake.fakesnow.port, database: 'zs_test' };
  const tables = collections.map((c) => c.name);

  const loginsBefore = snowflake.shim.logins.length;
  const firstCycle = await statementsDuring(snowflake.shim, async () => {
    // A lookback reaching the account's first ticket, so all of them land in cycle 1.
    await startTestSource(stack, everyCollectionConfig(stack, name, destination));
    const status = await waitForCycle(stack, name, 1);
    for (const [collection, s] of Object.entries(status.collections)) assert.equal(s.lastError, undefined, `${collection}: ${s.lastError}`);
  });
  // The worker's sessions for the run carry a QUERY_TAG naming the source and the run (cost attribution).
  assertRunSessionsTagged(snowflake.shim.logins.slice(loginsBefore), name, `${name}#1`);
  const first = await assertSnowflakeMatchesTruth(landedAt, name, await expectedRows(stack, name, tables));
  assert.ok(first.rowsCompared > 100, `rows compared: ${first.rowsCompared}`);
  assert.equal(first.landed.get('tickets')!.rows.length, TICKETS, 'every ticket of the account landed');
  assert.equal(stagedRows(firstCycle, 'tickets'), TICKETS);

  // Between cycles: a new ticket, an update to a ticket that landed in cycle 1, a deleted one.
  const m = stack.emulator.mutations;
  const [updatedId, deletedId] = first.landed
    .get('tickets')!
    .rows.slice(0, 2)
    .map((r) => Number(r.id));
  const created = m.createTicket({ subject: 'Snowflake ❄ ticket', comment: { body: 'hello' } });
  m.updateTicket(updatedId!, { status: 'solved', comment: { body: 'Fixed', public: false } });
  m.deleteTicket(deletedId!);
  // And records deleted from lists read in full: cycle 2's complete reads delete their rows.
  const goneMembership = stack.emulator.store.groupMemberships.rows.values().next().value!.id;
  const goneSkip = stack.emulator.store.skips.rows.values().next().value!.id;
  m.deleteGroupMembership(goneMembership);
  m.deleteSkip(goneSkip);
  stack.emulator.advanceClock(120); // out of the export's last-minute exclusion window
  // Where each export stream began in cycle 1 (its earliest start_time), before the log is cleared.
  const cycle1StartTimes = new Map<string, number>();
  for (const request of stack.emulator.requestLog.entries().filter(isExportRequest)) {
    const startTime = new URLSearchParams(request.query).get('start_time');
    if (startTime === null) continue;
    cycle1StartTimes.set(request.path, Math.min(Number(startTime), cycle1StartTimes.get(request.path) ?? Infinity));
  }
  // Support's exports (Help Center's article export lives under /help_center/ and is not counted here).
  const exportStreams = streams.filter(
    (s) => (s.style === 'cursor_export' || s.style === 'time_export') && s.path.startsWith('/api/v2/incremental/'),
  ).length;
  assert.equal(cycle1StartTimes.size, exportStreams, `export streams of cycle 1: ${[...cycle1StartTimes.keys()].join(', ')}`);
  stack.emulator.requestLog.reset();

  const loginsBeforeCycle2 = snowflake.shim.logins.length;
  const secondCycle = await statementsDuring(snowflake.shim, async () => {
    await sourceHandle(stack.client, name).signal(syncNowSignal);
    const second = await waitForCycle(stack, name, 2);
    assert.equal(second.streams.tickets?.lastError, undefined);
  });

  assertRunSessionsTagged(snowflake.shim.logins.slice(loginsBeforeCycle2), name, `${name}#2`);

  // From Zendesk: each export stream reads on from where cycle 1 stopped (its saved cursor, or a
  // start_time later than where cycle 1 began), in one request when little changed; never history again.
  const secondExports = stack.emulator.requestLog.entries().filter(isExportRequest);
  assert.deepEqual(
    secondExports.map((e) => e.path).sort(),
    [...cycle1StartTimes.keys()].sort(),
    `one request per export stream: ${secondExports.map((e) => `${e.path}?${e.query}`).join(', ')}`,
  );
  for (const request of secondExports) {
    const params = new URLSearchParams(request.query);
    if (params.has('cursor')) continue;
    const startTime = Number(params.get('start_time'));
    assert.ok(startTime > cycle1StartTimes.get(request.path)!, `cycle 2 re-read history: ${request.path}?${request.query}`);
  }
  // Into Snowflake: the three changed tickets (and their metrics) were staged and merged, not the
  // whole table again. The cursor export hands out each change once, so exactly three.
  const stagedInCycle2 = stagedRows(secondCycle, 'tickets');
  assert.equal(stagedInCycle2, 3, 'tickets staged in cycle 2');
  assert.ok(
    stagedRows(secondCycle, 'ticket_metrics') <= 3,
    `ticket_metrics staged in cycle 2: ${stagedRows(secondCycle, 'ticket_metrics')}`,
  );

  const second = await assertSnowflakeMatchesTruth(landedAt, name, await expectedRows(stack, name, tables));
  const ticketsById = new Map(second.landed.get('tickets')!.rows.map((r) => [Number(r.id), r]));
  assert.equal(ticketsById.size, TICKETS + 1, 'one new ticket; the deleted one stays, marked deleted');
  assert.equal(ticketsById.get(created.id)?.subject, 'Snowflake ❄ ticket');
  assert.equal(ticketsById.get(updatedId!)?.status, 'solved');
  assert.equal(ticketsById.get(deletedId!)?.status, 'deleted');
  assert.ok(
    !second.landed.get('group_memberships')!.rows.some((r) => Number(r.id) === goneMembership),
    'the deleted membership left Snowflake',
  );
  assert.ok(!second.landed.get('ticket_skips')!.rows.some((r) => Number(r.id) === goneSkip), 'the deleted skip left Snowflake');
  t.diagnostic(`rows compared: ${first.rowsCompared} then ${second.rowsCompared}; tickets staged: ${TICKETS} then ${stagedInCycle2}`);
});
