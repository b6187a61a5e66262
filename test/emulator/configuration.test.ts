// The configuration, service-level and routing endpoints of the emulator: Zendesk's shapes and paging
// per endpoint, per-parent lists (holidays without schedule_id, values with attribute_id, unknown
// parents 404), string ids, plan gating by setting, and the admin mutations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator';
import { basic, get, startSmall } from './helpers';

let emulator: Emulator;
before(async () => {
  emulator = await startSmall();
});
after(async () => {
  await emulator?.close();
});

test('paginated lists page like the core lists; lists Zendesk does not paginate answer whole', async () => {
  const macros = await get(emulator, '/api/v2/macros.json?page[size]=3');
  assert.equal(macros.status, 200);
  assert.equal(macros.body.macros.length, 3);
  assert.equal(macros.body.meta.has_more, true);
  assert.match(macros.body.macros[0].url, /\/api\/v2\/macros\/\d+\.json$/);
  const offset = await get(emulator, '/api/v2/triggers.json?per_page=4');
  assert.equal(offset.body.triggers.length, 4);
  assert.match(offset.body.next_page, /page=2/);
  assert.equal(typeof offset.body.triggers[0].category_id, 'string', 'trigger category ids are strings');

  const policies = await get(emulator, '/api/v2/slas/policies.json?page[size]=1');
  assert.equal(policies.body.sla_policies.length, emulator.store.configuration.size('sla_policies'), 'page[size] ignored');
  assert.equal(policies.body.next_page, null);
  assert.equal(policies.body.meta, undefined);
  emulator.setQuirks({ unpaginatedConfigLists: 'honour' });
  try {
    const paged = await get(emulator, '/api/v2/slas/policies.json?page[size]=1');
    assert.equal(paged.body.sla_policies.length, 1);
    assert.equal(paged.body.meta.has_more, true);
  } finally {
    emulator.setQuirks({ unpaginatedConfigLists: 'ignore' });
  }
});

test('per-parent lists: holidays carry no schedule_id, values carry attribute_id, unknown parents 404', async () => {
  const config = emulator.store.configuration;
  const schedule = config.list('schedules')[0]!;
  const holidays = await get(emulator, `/api/v2/business_hours/schedules/${schedule.id}/holidays.json`);
  assert.equal(holidays.status, 200);
  assert.ok(holidays.body.holidays.length > 0);
  for (const h of holidays.body.holidays) {
    assert.deepEqual(Object.keys(h).sort(), ['end_date', 'id', 'name', 'start_date']);
    assert.match(h.start_date, /^\d{4}-\d\d-\d\d$/);
  }
  const attribute = config.list('account_attributes')[0]!;
  assert.match(String(attribute.id), /^[0-9a-f]{8}-/);
  const values = await get(emulator, `/api/v2/routing/attributes/${attribute.id}/values.json`);
  assert.ok(values.body.attribute_values.length > 0);
  for (const v of values.body.attribute_values) {
    assert.equal(v.attribute_id, attribute.id);
    assert.equal(v.url, `${emulator.baseUrl}/api/v2/routing/attributes/${attribute.id}/values/${v.id}.json`);
  }
  assert.equal((await get(emulator, '/api/v2/business_hours/schedules/1/holidays.json')).status, 404);
  assert.equal((await get(emulator, '/api/v2/routing/attributes/nope/values.json')).status, 404);
});

test('plan gating follows quirks.featureMinimumPlan; agents are refused configuration', async () => {
  emulator.setPlan('team');
  try {
    for (const path of [
      '/api/v2/slas/policies.json',
      '/api/v2/group_slas/policies.json',
      '/api/v2/routing/attributes.json',
      '/api/v2/custom_roles.json',
    ]) {
      assert.equal((await get(emulator, path)).status, 403, path);
    }
    assert.equal((await get(emulator, '/api/v2/macros.json')).status, 200);
    emulator.setPlan('growth');
    assert.equal((await get(emulator, '/api/v2/slas/policies.json')).status, 200);
    emulator.setQuirks({ featureMinimumPlan: { sla_policies: 'professional' } as never });
    assert.equal((await get(emulator, '/api/v2/slas/policies.json')).status, 403);
    assert.equal((await get(emulator, '/api/v2/routing/attributes.json')).status, 403, 'a partial setting keeps the other defaults');
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
  const agent = basic(emulator.credentials.agent.email, emulator.credentials.agent.apiToken);
  assert.equal((await get(emulator, '/api/v2/macros.json', agent)).status, 403);
});

test('admin mutations: a change moves updated_at and shows in the list; a deleted schedule takes its holidays along', async () => {
  const config = emulator.store.configuration;
  const macro = config.list('macros')[0]!;
  const before = String(macro.updated_at);
  emulator.advanceClock(3600);
  const changed = await fetch(`${emulator.baseUrl}/__admin/configuration/macros/${macro.id}`, {
    method: 'PUT',
    body: JSON.stringify({ title: 'Changed' }),
  });
  assert.equal(changed.status, 200);
  const shown = await get(emulator, `/api/v2/macros/${macro.id}.json`);
  assert.equal(shown.body.macro.title, 'Changed');
  assert.ok(Date.parse(shown.body.macro.updated_at) > Date.parse(before));

  const schedule = config.list('schedules').find((s) => config.list('schedule_holidays').some((h) => h.schedule_id === s.id))!;
  const gone = await fetch(`${emulator.baseUrl}/__admin/configuration/schedules/${schedule.id}`, { method: 'DELETE' });
  assert.equal(gone.status, 200);
  assert.ok(!config.list('schedule_holidays').some((h) => h.schedule_id === schedule.id));
  assert.equal((await get(emulator, `/api/v2/business_hours/schedules/${schedule.id}/holidays.json`)).status, 404);
  const missing = await fetch(`${emulator.baseUrl}/__admin/configuration/schedules/${schedule.id}`, { method: 'DELETE' });
  assert.equal(missing.status, 404);
});
