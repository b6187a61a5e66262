// The configuration, service-level and skills-based-routing collections (opt-in), synced from the
// emulator into SQLite, Postgres and Snowflake (fakesnow) and compared with the emulator's ground truth; then records are
// changed, created and deleted in Zendesk (holidays and skills included, and a whole schedule with its
// holidays; every table of the groups changes) and a second cycle must match again: changes land,
// deletions leave, nothing stale stays.
// Also: lists Zendesk serves per parent cost one request per parent, visible in the stream's count;
// and a plan without SLAs, group SLAs, skills-based routing or custom roles skips those streams with
// a warning while the rest of the source syncs. Snowflake through fakesnow, read back by Python's connector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections } from '../../catalog/collections';
import * as configuration from '../../catalog/optional/configuration';
import * as routing from '../../catalog/optional/routing';
import * as serviceLevels from '../../catalog/optional/serviceLevels';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import type { Emulator } from '../../emulator';
import type { ConfigCollection } from '../../emulator/data/configuration';
import type { GroundTruth } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { DESTINATION_KINDS, startSyncHarness, type DestinationKind, type SyncHarness } from '../support/syncHarness';

const MINE = [...configuration.collections, ...serviceLevels.collections, ...routing.collections].map((c) => c.name);

let harness: SyncHarness;
let emulator: Emulator;

const configFor = (kind: DestinationKind, name: string): Promise<SourceConfig> => harness.sourceFor(kind, name, MINE);

async function syncAll(config: SourceConfig): Promise<Record<string, StreamResult>> {
  return Object.fromEntries(Object.entries(await harness.cycle(config)).map(([stream, { result }]) => [stream, result]));
}

async function admin(method: string, pathAndQuery: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.baseUrl}/__admin/${pathAndQuery}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 200, `${method} ${pathAndQuery}: ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  harness = await startSyncHarness({ emulator: SMALL_ACCOUNT });
  emulator = harness.emulator;
});

after(async () => {
  await harness?.close();
});

test('the generated configuration is consistent with the rest of the account', () => {
  const config = emulator.store.configuration;
  const groupIds = new Set([...emulator.store.groups.rows.keys()]);
  const macroGroups = config
    .list('macros')
    .flatMap((m) => (m.actions as Array<{ field: string; value: string }>).filter((a) => a.field === 'group_id'));
  assert.ok(macroGroups.length > 0 && macroGroups.every((a) => groupIds.has(Number(a.value))), 'macros set real groups');
  const statusIds = new Set(config.list('custom_statuses').map((s) => s.id));
  for (const t of emulator.store.tickets.rows.values())
    assert.ok(statusIds.has(t.custom_status_id), `ticket ${t.id}: its custom status is listed`);
  const brandIds = new Set(config.list('brands').map((b) => b.id));
  for (const t of emulator.store.tickets.rows.values()) assert.ok(brandIds.has(t.brand_id), `ticket ${t.id}: its brand is listed`);
  const roleIds = new Set(config.list('custom_roles').map((r) => r.id));
  for (const u of emulator.store.users.rows.values())
    if (u.custom_role_id !== null) assert.ok(roleIds.has(u.custom_role_id), `user ${u.id}: its role is listed`);
  const policyIds = new Set(config.list('sla_policies').map((p) => p.id));
  for (const e of emulator.store.ticketMetricEvents.rows.values())
    if (e.sla) assert.ok(policyIds.has(e.sla.policy.id), 'metric events cite a listed SLA policy');
  const fieldIds = new Set([...emulator.store.ticketFields.rows.keys()].map((id) => `custom_fields_${id}`));
  const slaFields = config
    .list('sla_policies')
    .flatMap((p) => ((p.filter as { all: Array<{ field: string }> }).all ?? []).map((c) => c.field));
  assert.ok(
    slaFields.some((f) => f.startsWith('custom_fields_')) &&
      slaFields.filter((f) => f.startsWith('custom_fields_')).every((f) => fieldIds.has(f)),
  );
  const attributeIds = new Set(config.list('account_attributes').map((a) => a.id));
  assert.ok(config.list('attribute_values').every((v) => attributeIds.has(v.attribute_id as string)));
  assert.ok(config.list('schedule_holidays').length > 0);
});

/** Compares what landed with the ground truth (none of these collections has a lookback window). */
async function assertLanded(config: SourceConfig): Promise<GroundTruth> {
  const truth = expectedRowsFor(emulator, { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */, MINE);
  await harness.assertLanded(config, truth);
  return truth;
}

for (const kind of DESTINATION_KINDS) {
  describe(`configuration, service levels and routing (${kind})`, () => {
    test('first sync equals the ground truth; after changes, creations and deletions the second sync does too', async () => {
      const config = await configFor(kind, 'cfg');
      // A schedule with holidays made for deleting, so every destination's run has one to delete.
      const doomedSchedule = (
        await admin('POST', 'configuration/schedules', {
          name: `Doomed ${config.name}`,
          time_zone: 'London',
          intervals: [{ start_time: 2040, end_time: 2520 }],
        })
      ).record as { id: number };
      await admin('POST', 'configuration/schedule_holidays', {
        schedule_id: doomedSchedule.id,
        name: 'Doomed holiday',
        start_date: '2031-03-01',
        end_date: '2031-03-02',
      });
      emulator.advanceClock(61);
      emulator.requestLog.reset();
      const first = await syncAll(config);
      for (const name of MINE) assert.ok(first[collections.find((c) => c.name === name)!.stream], `${name} synced`);
      for (const result of Object.values(first)) assert.equal(result.skipped, undefined, `${result.stream} not skipped on enterprise`);
      let truth = await assertLanded(config);
      for (const name of MINE) assert.ok(truth[name]!.length > 0, `${name}: the account has some`);

      // Per-parent lists: the parent list once, then one request per parent (no paging at this size).
      const store = emulator.store.configuration;
      assert.equal(first.schedule_holidays!.requests, 1 + store.size('schedules'));
      assert.equal(first.attribute_values!.requests, 1 + store.size('account_attributes'));
      assert.equal(first.macros!.requests, 1);

      // Changes in Zendesk.
      const macro = store.list('macros')[0]!;
      const trigger = store.list('triggers')[1]!;
      const schedule = store.list('schedules')[0]!;
      const holiday = store.list('schedule_holidays').find((h) => h.schedule_id === schedule.id)!;
      assert.ok(
        truth.schedule_holidays!.some((h) => h.schedule_id === doomedSchedule.id),
        "the doomed schedule's holiday landed",
      );
      const attribute = store.list('account_attributes')[0]!;
      const skill = store.list('attribute_values').find((v) => v.attribute_id === attribute.id)!;
      const policy = store.list('sla_policies')[1]!;
      const groupPolicy = store.list('group_sla_policies')[0]!;
      emulator.advanceClock(120);
      await admin('PUT', `configuration/macros/${macro.id}`, { title: `Renamed ${config.name}`, active: false });
      await admin('DELETE', `configuration/triggers/${trigger.id}`);
      await admin('PUT', `configuration/schedule_holidays/${holiday.id}`, { name: 'Moved holiday', end_date: '2031-01-02' });
      await admin('POST', 'configuration/schedule_holidays', {
        schedule_id: schedule.id,
        name: 'New holiday',
        start_date: '2031-05-01',
        end_date: '2031-05-01',
      });
      await admin('DELETE', `configuration/schedules/${doomedSchedule.id}`);
      await admin('DELETE', `configuration/attribute_values/${skill.id}`);
      await admin('POST', 'configuration/attribute_values', { attribute_id: attribute.id, name: 'Portuguese' });
      await admin('PUT', `configuration/account_attributes/${attribute.id}`, { name: `Languages ${config.name}` });
      await admin('PUT', `configuration/sla_policies/${policy.id}`, {
        policy_metrics: [{ priority: 'urgent', metric: 'first_reply_time', target: 15, business_hours: false }],
      });
      await admin('DELETE', `configuration/group_sla_policies/${groupPolicy.id}`);
      await admin('POST', 'configuration/brands', {
        name: 'New brand',
        subdomain: 'newbrand',
        brand_url: 'https://newbrand.zendesk.com',
        host_mapping: null,
        has_help_center: false,
        help_center_state: 'disabled',
        active: true,
        default: false,
        is_deleted: false,
        signature_template: '',
        ticket_form_ids: [],
      });
      emulator.mutations.updateTicket([...emulator.store.tickets.rows.values()].find((t) => t.status !== 'deleted')!.id, {
        tags: [`fresh_tag_${config.name}`],
      });
      // Every other table changes too: a rename in each, and an automation, a view and a subscription go.
      const label = `Changed ${config.name}`;
      const renames: Array<[ConfigCollection, Record<string, unknown>]> = [
        ['custom_roles', { name: label }],
        ['custom_statuses', { agent_label: label, raw_agent_label: label }],
        ['locales', { name: label }],
        ['automations', { title: label, raw_title: label }],
        ['trigger_categories', { name: label }],
        ['views', { title: label, raw_title: label }],
      ];
      for (const [table, patch] of renames) await admin('PUT', `configuration/${table}/${store.list(table)[0]!.id}`, patch);
      // User and organization field definitions live in the account's own tables (no admin route).
      for (const fields of [emulator.store.userFields, emulator.store.organizationFields]) {
        const field = fields.rows.values().next().value!;
        fields.put({
          ...field,
          title: label,
          raw_title: label,
          updated_at: new Date(emulator.now() * 1000).toISOString().replace('.000Z', 'Z'),
        });
      }
      for (const table of ['automations', 'views', 'organization_subscriptions'] as const)
        await admin('DELETE', `configuration/${table}/${store.list(table).at(-1)!.id}`);
      emulator.advanceClock(61);

      const firstTruth = truth;
      await syncAll(config);
      truth = await assertLanded(config);
      // The comparison proves something only if every table had a change to land.
      for (const name of MINE) assert.notDeepEqual(truth[name], firstTruth[name], `${name}: changed between the cycles`);
      const ids = (name: string) => truth[name]!.map((r) => String(r.id ?? r.name));
      assert.ok(!ids('triggers').includes(String(trigger.id)), 'the deleted trigger is gone from the truth');
      assert.ok(!ids('schedules').includes(String(doomedSchedule.id)));
      assert.ok(!truth.schedule_holidays!.some((h) => h.schedule_id === doomedSchedule.id), "the deleted schedule's holidays went with it");
      assert.ok(
        truth.tags!.some((t) => t.name === `fresh_tag_${config.name}`),
        'a new tag is listed',
      );
      assert.equal(truth.macros!.find((m) => m.id === macro.id)!.title, `Renamed ${config.name}`);
      assert.equal(truth.account_attributes!.find((a) => a.id === attribute.id)!.name, `Languages ${config.name}`);
    });
  });
}

test('a plan without SLAs, group SLAs, skills-based routing or custom roles: those streams are skipped with a warning, the rest syncs', async () => {
  emulator.setPlan('team');
  try {
    const config = await configFor('sqlite', 'team');
    const results = await syncAll(config);
    const gated = ['sla_policies', 'group_sla_policies', 'account_attributes', 'attribute_values', 'custom_roles'];
    for (const stream of gated) {
      assert.ok(results[stream]!.skipped, `${stream} skipped`);
      assert.ok(
        results[stream]!.warnings.some((w) => w.startsWith(`${stream} skipped`)),
        `${stream}: a warning says so`,
      );
    }
    for (const [stream, result] of Object.entries(results))
      if (!gated.includes(stream)) assert.equal(result.skipped, undefined, `${stream} read`);
    const truth = expectedRowsFor(emulator, { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */, MINE);
    for (const name of gated) assert.deepEqual(truth[name], [], `${name}: nothing on this plan`);
    await assertWarehouseMatches(config.destination, config.name, truth);
  } finally {
    emulator.setPlan('enterprise');
  }
});

test('SLA policies on Growth: served under the default setting, refused when the setting asks Professional', async () => {
  emulator.setPlan('growth');
  try {
    let results = await syncAll(await configFor('sqlite', 'growth'));
    assert.equal(results.sla_policies!.skipped, undefined);
    emulator.setQuirks({
      featureMinimumPlan: {
        sla_policies: 'professional',
        group_sla_policies: 'enterprise',
        skills_based_routing: 'enterprise',
        custom_roles: 'enterprise',
      },
    });
    results = await syncAll(await configFor('sqlite', 'growth2'));
    assert.ok(results.sla_policies!.skipped);
  } finally {
    emulator.setQuirks({
      featureMinimumPlan: {
        sla_policies: 'growth',
        group_sla_policies: 'enterprise',
        skills_based_routing: 'enterprise',
        custom_roles: 'enterprise',
      },
    });
    emulator.setPlan('enterprise');
  }
});
