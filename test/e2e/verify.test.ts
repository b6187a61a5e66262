// `client.ts verify` as an operator runs it (a child process) against a dev server, the emulator and a
// worker: after a sync it finds only the lookback gap (tickets older than the lookback) with the
// backfill that closes it; `--repair` starts that backfill and afterwards nothing differs; gaps made
// behind the sync's back (rows deleted from the warehouse, records created or deleted in Zendesk)
// are reported with their causes; and the requests it prints are exactly those the emulator logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqliteDestination } from '../../destinations/sqlite/destination';
import { initialStartKey } from '../../activities/syncStream';
import type { VerifyReport } from '../../verify/run';
import type { VerifyRow } from '../../verify/diagnose';
import type { SourceStatus } from '../../workflows/types';
import { querySourceStatus } from '../../cli/sources';
import { sourceConfig, startStack, startTestSource, startWorker, waitForCycle, type RunningWorker, type Stack } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const projectRoot = path.resolve(__dirname, '../..');
const SOURCE = 'verify_e2e';

let stack: Stack;
let worker: RunningWorker;
let settingsFile: string;
let warehouseDir: string;

before(async () => {
  stack = await startStack();
  worker = await startWorker(stack);
  warehouseDir = path.join(stack.tmp, 'warehouse');
  const config = sourceConfig(stack, { name: SOURCE, destination: `sqlite://${warehouseDir}` });
  settingsFile = path.join(stack.tmp, 'verify_e2e.json');
  writeFileSync(settingsFile, JSON.stringify({ sources: [config] }));
  await startTestSource(stack, config);
  const first = await waitForCycle(stack, SOURCE, 1);
  assert.deepEqual(first.lastCycle?.failedStreams, [], JSON.stringify(first.lastCycle));
});

after(async () => {
  await worker?.stop();
  await stack?.close();
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], temporalAddress = stack.server.address): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'client.ts'), ...args],
      {
        cwd: projectRoot,
        env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: 'default', ZS_TASK_QUEUE: stack.taskQueue },
        timeout: CONDITION_WAIT_MS,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `verify --json`; asserts its printed request count is what the emulator answered. */
async function verifyJson(...extra: string[]): Promise<{ report: VerifyReport & { backfillsStarted?: unknown[] }; plan: string }> {
  stack.emulator.requestLog.reset();
  const result = await cli(['verify', SOURCE, '--settings', settingsFile, '--json', ...extra]);
  assert.equal(result.code, 0, `verify exited ${result.code}: ${result.stderr}${result.stdout}`);
  const report = JSON.parse(result.stdout) as VerifyReport & { backfillsStarted?: unknown[] };
  // A backfill that --repair started runs in the worker at once: its export requests are not verify's
  // (verify's only export request is the oldest ticket, from start_time=0).
  const ours = stack.emulator.requestLog
    .entries()
    .filter((e) => !(extra.includes('--repair') && e.path.startsWith('/api/v2/incremental/') && !/(^|&)start_time=0(&|$)/.test(e.query)));
  assert.equal(
    report.spentRequests,
    ours.length,
    `printed requests = the emulator's log: ${JSON.stringify(stack.emulator.requestLog.countByEndpoint())}`,
  );
  assert.ok(report.spentRequests <= report.maxRequests);
  const plan = /up to (\d+) Zendesk request/.exec(result.stderr);
  assert.ok(plan, `the plan is printed before reading: ${result.stderr}`);
  assert.ok(report.spentRequests <= Number(plan[1]), `spent ${report.spentRequests} within the printed ${plan[1]}`);
  return { report, plan: result.stderr };
}

const rowOf = (report: VerifyReport, collection: string): VerifyRow => {
  const row = report.rows.find((r) => r.collection === collection);
  assert.ok(row, `a row for ${collection}`);
  return row;
};

const ID_LISTS = [
  'groups',
  'ticket_fields',
  'ticket_forms',
  'ticket_skips',
  'organization_memberships',
  'group_memberships',
  'satisfaction_ratings',
  'activities',
];

async function status(): Promise<SourceStatus> {
  return querySourceStatus(stack.client, SOURCE);
}

test('after a sync only the lookback differs; --repair backfills it and then nothing differs', async () => {
  const warehouse = await openSqliteDestination(warehouseDir);
  const lookbackStart = Number(await warehouse.readState(SOURCE, initialStartKey('tickets')));
  await warehouse.close();
  const allTickets = stack.emulator.store.tickets.all();
  const olderLive = allTickets.filter((t) => t.generated_timestamp < lookbackStart && t.status !== 'deleted').length;
  assert.ok(olderLive > 0, 'the account has history older than the lookback');
  const oldest = Math.min(...allTickets.map((t) => t.generated_timestamp));

  const { report } = await verifyJson();
  for (const name of [...ID_LISTS, 'users', 'organizations']) {
    const row = rowOf(report, name);
    assert.equal(row.note, undefined, `${name} compared`);
    assert.deepEqual([row.missing, row.extra, row.causes], [0, 0, []], `${name}: ${JSON.stringify(row)}`);
  }
  const tickets = rowOf(report, 'tickets');
  assert.equal(tickets.method, 'count');
  assert.equal(tickets.zendesk, allTickets.filter((t) => t.status !== 'deleted').length);
  assert.equal(tickets.missing, olderLive, 'exactly the live tickets older than the lookback are missing');
  assert.equal(tickets.warehouseDeleted, allTickets.filter((t) => t.generated_timestamp >= lookbackStart && t.status === 'deleted').length);
  assert.match(tickets.causes[0]!, /^older than the lookback/);
  const from = new Date(oldest * 1000).toISOString().slice(0, 10);
  const to = new Date(lookbackStart * 1000).toISOString().replace('.000Z', 'Z');
  assert.deepEqual(report.repair, { collections: ['tickets'], from, to });
  assert.ok(tickets.causes[0]!.includes(`client.ts backfill ${SOURCE} --collections tickets --from ${from} --to ${to}`));
  assert.equal(report.differences, 1);
  for (const name of ['ticket_events', 'ticket_metrics', 'attachments']) assert.match(rowOf(report, name).note!, /^not compared/);
  // Counts: one request each, plus one for the oldest ticket; lists: one page each at this size.
  assert.equal(tickets.requests, 2);
  assert.equal(report.spentRequests, 3 + 1 + ID_LISTS.length);

  const repaired = await verifyJson('--repair');
  assert.equal(repaired.report.backfillsStarted?.length, 1, 'one backfill child started');
  const deadline = Date.now() + CONDITION_WAIT_MS;
  for (;;) {
    const backfills = Object.values((await status()).backfills);
    if (backfills.length && backfills.every((b) => b.state === 'completed')) break;
    assert.ok(!backfills.some((b) => b.state === 'failed'), JSON.stringify(backfills));
    assert.ok(Date.now() < deadline, `the backfill did not finish: ${JSON.stringify(backfills)}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  // Text output this time: the table and the printed request count.
  stack.emulator.requestLog.reset();
  const text = await cli(['verify', SOURCE, '--settings', settingsFile]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^verify verify_e2e: up to \d+ Zendesk request\(s\) \(cap --max-requests 100\), paced by the source's rate budget/,
  );
  assert.match(text.stdout, /\ncollection\s+method\s+zendesk\s+warehouse\s+missing\s+extra\s+requests\s+likely cause\n/);
  assert.match(
    text.stdout,
    /\ntickets\s+count\s+(\d+)\s+\1\s+0\s+0\s+1\s+ok\n/,
    'tickets match after the backfill (no oldest-ticket request needed)',
  );
  assert.match(text.stdout, /\nno differences$/m);
  const spent = /\nspent (\d+) Zendesk request\(s\)/.exec(text.stdout);
  assert.equal(Number(spent?.[1]), stack.emulator.requestLog.size);
});

test('gaps made behind the sync are reported with their causes', async () => {
  const before = await status();
  const groupsSyncedThrough = before.collections.groups!.syncedThrough!;
  const usersSyncedThrough = before.collections.users!.syncedThrough!;
  // A row lost from the warehouse, and a group created in Zendesk after the last read.
  const lostGroup = stack.emulator.store.groups.all().sort((a, b) => a.id - b.id)[0]!;
  const warehouse = await openSqliteDestination(warehouseDir);
  await warehouse.query(`DELETE FROM "${SOURCE}"."groups" WHERE id = ?`, [lostGroup.id], [SOURCE]);
  await warehouse.close();
  const newGroup = stack.emulator.mutations.createGroup();
  // A new user, and a deleted organization (which takes its memberships with it).
  stack.emulator.mutations.createUser();
  const org = stack.emulator.store.organizations
    .all()
    .find((o) => o.deleted_at === null && stack.emulator.store.organizationMemberships.all().some((m) => m.organization_id === o.id))!;
  const membershipIds = stack.emulator.store.organizationMemberships
    .all()
    .filter((m) => m.organization_id === org.id)
    .map((m) => String(m.id))
    .sort();
  stack.emulator.mutations.deleteOrganization(org.id);

  const { report } = await verifyJson();
  const groups = rowOf(report, 'groups');
  assert.deepEqual([groups.missing, groups.extra], [2, 0]);
  assert.deepEqual(new Set(groups.missingIds), new Set([String(lostGroup.id), String(newGroup.id)]));
  assert.deepEqual(groups.causes, [
    `1 not synced yet since ${groupsSyncedThrough}: created or changed in Zendesk after the last sync; the next cycle brings it`,
    `1 listed by Zendesk before the last full read (synced through ${groupsSyncedThrough}) yet not in the warehouse: run sync-now; if they stay missing, report it`,
  ]);
  const users = rowOf(report, 'users');
  assert.deepEqual([users.missing, users.extra], [1, 0]);
  assert.match(users.causes[0]!, new RegExp(`^not synced yet since ${usersSyncedThrough}`));
  const organizations = rowOf(report, 'organizations');
  assert.deepEqual([organizations.missing, organizations.extra], [0, 1]);
  assert.match(
    organizations.causes[0]!,
    /^deleted in Zendesk since the last sync \(synced through .*\): the next cycle marks them \(deleted_at set\)$/,
  );
  const memberships = rowOf(report, 'organization_memberships');
  assert.deepEqual([memberships.missing, memberships.extra], [0, membershipIds.length]);
  assert.deepEqual([...memberships.extraIds!].sort(), membershipIds);
  assert.match(memberships.causes[0]!, /deleted in Zendesk since the last full read/);
  assert.equal(report.differences, 4);
  assert.equal(report.repair, undefined, 'no lookback gap left to backfill');
});

test('--max-requests caps what is read: collections beyond it are skipped, and no more requests are sent', async () => {
  const { report, plan } = await verifyJson('--max-requests', '2');
  assert.ok(report.spentRequests <= 2);
  assert.match(plan, /not read, over the cap: /);
  // The counts come first: users (1 request), then tickets (2 with its oldest-ticket request) does
  // not fit, organizations (1) does; every list is left out.
  assert.deepEqual(
    report.rows.filter((r) => r.requests > 0).map((r) => r.collection),
    ['users', 'organizations'],
  );
  assert.match(rowOf(report, 'tickets').note ?? '', /^skipped: over --max-requests 2 \(needs about 2\)/);
  for (const name of ID_LISTS) assert.match(rowOf(report, name).note ?? '', /^skipped: over --max-requests 2/);
});

test('without Temporal verify still compares (with a warning); --repair refuses', async () => {
  const closedPort = '127.0.0.1:1';
  const result = await cli(['verify', SOURCE, '--settings', settingsFile, '--json'], closedPort);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as VerifyReport;
  assert.match(report.warnings[0]!, /^no status from Temporal \(cannot reach Temporal at 127\.0\.0\.1:1/);
  assert.equal(rowOf(report, 'users').method, 'count');
  assert.equal(rowOf(report, 'users').note, undefined, 'compared all the same');
  const repair = await cli(['verify', SOURCE, '--settings', settingsFile, '--repair'], closedPort);
  assert.equal(repair.code, 1);
  assert.match(repair.stderr, /^error: --repair needs the running source workflow: cannot reach Temporal/);
});
