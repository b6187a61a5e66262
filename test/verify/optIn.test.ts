// verifySource on a source with every opt-in collection enabled, after a real sync into SQLite: the
// lists Zendesk serves in full are compared id by id (equal right after the sync; after a deletion
// and a creation in Zendesk, the extra and the missing id are named), every other collection says
// why it is not compared (per-parent lists, exports, rows derived from another stream) without a
// request, and the requests spent are exactly one per list page read. Where Help Center is off,
// its lists say "not available" and the source's other lists are still compared.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collections, streamByName } from '../../catalog/collections';
import { optionalCollections } from '../../catalog/optional';
import { verifySource, type VerifyReport } from '../../verify/run';
import type { SourceConfig } from '../../workflows/types';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { startSyncHarness, type SyncHarness } from '../support/syncHarness';

let harness: SyncHarness;
let config: SourceConfig;
const OPT_IN = optionalCollections.map((c) => c.name);

/** Opt-in collections read per parent record: never read by verify. */
const PER_PARENT = ['schedule_holidays', 'attribute_values', 'article_comments', 'article_votes', 'post_comments'];

before(async () => {
  harness = await startSyncHarness({ emulator: SMALL_ACCOUNT });
  config = await harness.sourceFor('sqlite', 'verify_opt_in', OPT_IN);
  harness.emulator.advanceClock(61);
  const results = await harness.cycle(config);
  for (const { result } of Object.values(results)) assert.equal(result.skipped, undefined, `${result.stream} synced`);
});

after(async () => {
  await harness?.close();
});

const rowOf = (report: VerifyReport, name: string) => {
  const row = report.rows.find((r) => r.collection === name);
  assert.ok(row, `${name}: a row in the report`);
  return row;
};

test('right after a sync: every opt-in list read in full compares equal, id by id; the rest says why not, at no cost', async () => {
  harness.emulator.requestLog.reset();
  const report = await verifySource(config, { resources: harness.resources, maxRequests: 1000 });
  assert.deepEqual(report.rows.map((r) => r.collection).sort(), OPT_IN.slice().sort(), 'one row per enabled collection');
  const compared = report.rows.filter((r) => r.method === 'ids');
  // Every opt-in list Zendesk serves in full, account-wide (not per parent, not an export, not derived).
  const lists = optionalCollections.filter((c) => {
    const stream = streamByName(c.stream);
    return c.source.kind === 'record' && stream.fullRefresh && !stream.perParent && c.name !== 'ticket_audits';
  });
  assert.deepEqual(compared.map((r) => r.collection).sort(), lists.map((c) => c.name).sort());
  for (const row of compared) {
    assert.equal(row.note, undefined, `${row.collection}: ${row.note}`);
    assert.ok(row.zendesk! > 0, `${row.collection}: Zendesk lists some`);
    assert.deepEqual([row.missing, row.extra, row.causes], [0, 0, []], `${row.collection} equal`);
  }
  for (const name of PER_PARENT) {
    assert.match(rowOf(report, name).note!, /^not compared: Zendesk lists it only per .+, one request per parent/, name);
    assert.equal(rowOf(report, name).requests, 0);
  }
  for (const name of ['articles', 'ticket_metric_events', 'ticket_field_history', 'ticket_tag_history']) {
    assert.match(rowOf(report, name).note!, /^not compared: Zendesk has no count for it, and reading it means a full export$/, name);
  }
  for (const name of ['ticket_tags', 'user_identities', 'ticket_audits']) assert.match(rowOf(report, name).note!, /^not compared: /, name);
  assert.equal(report.differences, 0);
  // One request per page of 100 ids (a list Zendesk serves unpaginated: one), and nothing else was sent.
  for (const row of compared) {
    const unpaginated = streamByName(collections.find((c) => c.name === row.collection)!.stream).style === 'offset_list';
    assert.equal(
      row.requests,
      unpaginated ? 1 : Math.max(1, Math.ceil(row.zendesk! / 100)),
      `${row.collection}: requests for ${row.zendesk} ids`,
    );
  }
  assert.equal(
    report.spentRequests,
    compared.reduce((n, r) => n + r.requests, 0),
  );
  assert.equal(harness.emulator.requestLog.size, report.spentRequests, JSON.stringify(harness.emulator.requestLog.countByEndpoint()));
});

test('after a deletion and a creation in Zendesk: the extra and the missing ids are named', async () => {
  const store = harness.emulator.store;
  const macro = store.configuration.list('macros')[0]!;
  store.configuration.delete('macros', macro.id as number);
  const category = store.helpCenter.categories.all()[0]!;
  store.helpCenter.categories.put({ ...category, id: store.helpCenter.ids.next() });
  const report = await verifySource(config, { resources: harness.resources, maxRequests: 1000 });
  const macros = rowOf(report, 'macros');
  assert.deepEqual([macros.missing, macros.extra, macros.extraIds], [0, 1, [String(macro.id)]]);
  const categories = rowOf(report, 'categories');
  assert.deepEqual([categories.missing, categories.extra], [1, 0]);
  assert.equal(report.differences, 2);
});

test('Help Center off: its lists are "not available", the other lists are still compared', async () => {
  harness.emulator.setQuirks({ helpCenterEnabled: false });
  try {
    const report = await verifySource(config, { resources: harness.resources, maxRequests: 1000 });
    for (const name of ['categories', 'sections', 'topics', 'posts'])
      assert.match(rowOf(report, name).note!, /^not available to this plan or role/, name);
    assert.equal(rowOf(report, 'brands').method, 'ids');
    assert.deepEqual([rowOf(report, 'brands').missing, rowOf(report, 'brands').extra], [0, 0]);
  } finally {
    harness.emulator.setQuirks({ helpCenterEnabled: true });
  }
});

test('every collection of the catalog gets a method from verify (none left without a reason)', async () => {
  const report = await verifySource(
    { ...config, collections: Object.fromEntries(collections.map((c) => [c.name, true])) },
    { resources: harness.resources, maxRequests: 1 },
  );
  for (const row of report.rows) if (row.method === 'none') assert.notEqual(row.note, 'not compared', `${row.collection}: a reason`);
});
