// verifySource in-process against the emulator and a SQLite warehouse filled by hand: Zendesk is read
// within the source's rate budget (no 429, never more than the limit in one of the emulator's
// windows), the requests stay under --max-requests even when a list is longer than planned, and the
// count endpoints are compared with the warehouse's rows of records that are not deleted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectionByName } from '../../catalog/collections';
import { openSqliteDestination, type SqliteDestination } from '../../destinations/sqlite/destination';
import type { Row, WarehouseTable } from '../../destinations/types';
import type { Emulator } from '../../emulator';
import { verifySource, type VerifyPlan } from '../../verify/run';
import type { SourceConfig } from '../../workflows/types';
import { startSmall } from '../emulator/helpers';
import { saveAdminCredential } from '../../harness/emulatorCredential';

let emulator: Emulator;
let tmp: string;
let warehouse: SqliteDestination;
let config: SourceConfig;
const SOURCE = 'verify_unit';
const CORE_LIMIT = 2;

function table(name: string): WarehouseTable {
  const spec = collectionByName(name);
  return { name, primaryKey: spec.primaryKey, columns: spec.columns.map((c) => ({ name: c.name, type: c.type })) };
}

async function load(name: string, rows: Row[]): Promise<void> {
  await warehouse.ensureTable(SOURCE, table(name));
  await warehouse.upsert(SOURCE, [{ table: table(name), rows }]);
}

before(async () => {
  // 250 users give 143 organization memberships: two pages of 100.
  emulator = await startSmall({ users: 250, rateLimits: { corePerMinute: CORE_LIMIT, minuteMs: 1000 } });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-verify-'));
  const credentialRef = await saveAdminCredential(emulator, tmp);
  warehouse = await openSqliteDestination(path.join(tmp, 'warehouse'));
  await warehouse.ensureSchema(SOURCE);
  const s = emulator.store;
  await load(
    'tickets',
    s.tickets.all().map((t) => ({ id: t.id, status: t.status })),
  );
  await load(
    'users',
    s.users.all().map((u) => ({ id: u.id, active: u.active })),
  );
  await load(
    'organizations',
    s.organizations.all().map((o) => ({ id: o.id, deleted_at: o.deleted_at })),
  );
  const groups = s.groups.all().sort((a, b) => a.id - b.id);
  await load(
    'groups',
    groups.slice(1).map((g) => ({ id: g.id })),
  );
  await load('organization_memberships', []);
  const off = [
    'ticket_fields',
    'activities',
    'satisfaction_ratings',
    'ticket_forms',
    'ticket_skips',
    'group_memberships',
    'ticket_events',
    'ticket_metrics',
    'attachments',
  ];
  config = {
    name: SOURCE,
    baseUrl: emulator.baseUrl,
    credentialRef,
    destination: `sqlite://${path.join(tmp, 'warehouse')}`,
    collections: Object.fromEntries(off.map((c) => [c, false])),
    rate: { corePerMinute: CORE_LIMIT, windowMs: 1000 },
  };
});

after(async () => {
  await warehouse?.close();
  await emulator?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('reads within the rate budget and the request cap; a list longer than planned stops at the cap', async () => {
  emulator.requestLog.reset();
  let plan: VerifyPlan | undefined;
  // 3 counts + groups (1 page) + organization_memberships (planned 1 page from its empty table) = 5.
  const report = await verifySource(config, { maxRequests: 5, onPlan: (p) => (plan = p), destination: warehouse });
  assert.equal(plan?.plannedRequests, 5);
  assert.deepEqual(plan?.rate, { corePerMinute: CORE_LIMIT, exportPerMinute: 10, share: 1 });
  assert.equal(report.spentRequests, 5);
  assert.equal(emulator.requestLog.size, 5, JSON.stringify(emulator.requestLog.countByEndpoint()));
  assert.deepEqual(emulator.requestLog.countByStatus(), { 200: 5 }, 'no 429: the budget paced the requests');
  assert.ok(emulator.requestLog.maxPerWindow() <= CORE_LIMIT, `at most ${CORE_LIMIT} per emulated minute`);

  const row = (name: string) => report.rows.find((r) => r.collection === name)!;
  for (const name of ['tickets', 'users', 'organizations']) {
    assert.deepEqual([row(name).method, row(name).missing, row(name).extra, row(name).causes], ['count', 0, 0, []], name);
  }
  assert.equal(row('tickets').warehouseDeleted, emulator.store.tickets.all().filter((t) => t.status === 'deleted').length);
  assert.equal(row('groups').missing, 1);
  assert.deepEqual(row('groups').missingIds, [String(Math.min(...emulator.store.groups.all().map((g) => g.id)))]);
  assert.deepEqual(row('groups').causes, ['1 not synced yet: the collection has no successful sync']);
  const memberships = row('organization_memberships');
  assert.match(memberships.note!, /^not compared: stopped at --max-requests 5 after 100 ids/);
  assert.equal(memberships.requests, 1);
  assert.equal(report.differences, 1);
});

test('the warehouse counts only what Zendesk counts: a ticket deleted in Zendesk after the copy is an extra live row', async () => {
  const live = emulator.store.tickets.all().find((t) => t.status !== 'deleted')!;
  emulator.mutations.deleteTicket(live.id);
  emulator.requestLog.reset();
  const report = await verifySource(
    { ...config, collections: { ...config.collections, groups: false, organization_memberships: false } },
    { destination: warehouse },
  );
  const tickets = report.rows.find((r) => r.collection === 'tickets')!;
  assert.deepEqual([tickets.missing, tickets.extra], [0, 1]);
  assert.match(tickets.causes[0]!, /^deleted in Zendesk: the next cycle marks them \(status = 'deleted'\)$/);
  assert.equal(report.spentRequests, emulator.requestLog.size);
});

test("activities past Zendesk's 30-day window are reported but are not a difference", async () => {
  await load('activities', [...emulator.store.activities.all().map((a) => ({ id: a.id })), { id: 1 }]);
  const onlyActivities = Object.fromEntries(
    ['tickets', 'users', 'organizations', 'groups', 'organization_memberships'].map((c) => [c, false]),
  );
  const report = await verifySource(
    { ...config, collections: { ...config.collections, ...onlyActivities, activities: true } },
    { destination: warehouse },
  );
  const activities = report.rows.find((r) => r.collection === 'activities')!;
  assert.deepEqual([activities.missing, activities.extra, activities.extraIds, activities.expected], [0, 1, ['1'], true]);
  assert.equal(report.differences, 0);
});
