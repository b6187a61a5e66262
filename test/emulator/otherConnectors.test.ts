import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

/**
 * What other connectors send when pointed at the emulator (bench/otherConnectors.ts runs Singer's
 * tap-zendesk itself): a fractional start_time, the users search tap-zendesk checks a connection
 * with, and the account settings Airbyte's check reads.
 */
describe('requests of other connectors', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall();
  });
  after(() => emulator.close());

  test('a fractional start_time (tap-zendesk sends 946684800.0) is served like its whole second', async () => {
    for (const path of [
      '/api/v2/incremental/tickets/cursor.json',
      '/api/v2/incremental/tickets.json',
      '/api/v2/incremental/organizations.json',
    ]) {
      const whole = await get(emulator, `${path}?start_time=946684800&per_page=5`);
      const fractional = await get(emulator, `${path}?start_time=946684800.0&per_page=5`);
      assert.equal(fractional.status, 200, `${path}: ${fractional.text}`);
      assert.deepEqual(fractional.body, whole.body);
    }
    // The fraction is dropped, not rounded: .9 of a second still starts at that second.
    const ts = (await get(emulator, '/api/v2/incremental/tickets.json?start_time=0&per_page=1')).body.tickets[0]
      .generated_timestamp as number;
    const at = await get(emulator, `/api/v2/incremental/tickets.json?start_time=${ts}.9&per_page=1`);
    assert.equal(at.body.tickets[0].generated_timestamp, ts);
    // An ISO time (tap-zendesk's organizations check) is read as its leading integer, the year.
    const iso = await get(emulator, '/api/v2/incremental/organizations.json?start_time=2026-12-04T15:30:00Z&per_page=3');
    assert.equal(iso.status, 200, iso.text);
    assert.deepEqual(
      iso.body.organizations,
      (await get(emulator, '/api/v2/incremental/organizations.json?start_time=2026&per_page=3')).body.organizations,
    );
    // Still refused: what does not start with a number.
    for (const bad of ['abc', 'T12', '.5']) {
      const refused = await get(emulator, `/api/v2/incremental/tickets.json?start_time=${bad}`);
      assert.equal(refused.status, 422, bad);
      assert.equal(refused.body.error, 'InvalidValue');
    }
  });

  test("quirks.startTimeValues 'integer_only' refuses a fractional start_time", async () => {
    emulator.setQuirks({ startTimeValues: 'integer_only' });
    try {
      const refused = await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=946684800.0');
      assert.equal(refused.status, 422);
      assert.equal((await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=946684800')).status, 200);
    } finally {
      emulator.setQuirks({ startTimeValues: 'leading_integer' });
    }
  });

  test("tap-zendesk's ticket_metric_events check: start_time = now answers an empty page (quirks.metricEventsTooRecentStartTime)", async () => {
    const now = emulator.now();
    const { status, body } = await get(emulator, `/api/v2/incremental/ticket_metric_events.json?start_time=${now}`);
    assert.equal(status, 200);
    assert.deepEqual(body.ticket_metric_events, []);
    assert.equal(body.end_of_stream, true);
    emulator.setQuirks({ metricEventsTooRecentStartTime: 'error' });
    try {
      assert.equal((await get(emulator, `/api/v2/incremental/ticket_metric_events.json?start_time=${now}`)).status, 422);
    } finally {
      emulator.setQuirks({ metricEventsTooRecentStartTime: 'empty_page' });
    }
    assert.equal(
      (await get(emulator, `/api/v2/incremental/tickets.json?start_time=${now}`)).status,
      422,
      'the other exports still refuse it',
    );
  });

  test("tap-zendesk's users check: a search for users updated after now and before 2000 answers 200 with no results", async () => {
    const now = new Date(emulator.now() * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = encodeURIComponent(`type:user updated>${now} updated<2000-01-02T00:00:00Z`);
    const { status, body } = await get(emulator, `/api/v2/search.json?query=${query}`);
    assert.equal(status, 200);
    assert.deepEqual(body, { results: [], facets: null, next_page: null, previous_page: null, count: 0 });
  });

  test('a users search filters on updated_at and pages by 100 with result_type on each result', async () => {
    const users = emulator.store.users.all();
    const times = users.map((u) => u.updated_at).sort();
    const middle = times[Math.floor(times.length / 2)]!;
    const expected = users
      .filter((u) => u.updated_at > middle)
      .map((u) => u.id)
      .sort((a, b) => a - b);
    const { status, body } = await get(
      emulator,
      `/api/v2/search.json?query=${encodeURIComponent(`type:user updated>${middle}`)}&per_page=7`,
    );
    assert.equal(status, 200);
    assert.equal(body.count, expected.length);
    const seen: number[] = body.results.map((r: any) => r.id);
    assert.ok(body.results.every((r: any) => r.result_type === 'user' && typeof r.email !== 'undefined'));
    let next = body.next_page;
    while (next) {
      const page = (await get(emulator, next)).body;
      seen.push(...page.results.map((r: any) => r.id));
      next = page.next_page;
    }
    assert.deepEqual(seen, expected);
    const other = await get(emulator, `/api/v2/search.json?query=${encodeURIComponent('type:ticket status:open')}`);
    assert.equal(other.status, 422, 'a query the emulator cannot answer is refused, not answered wrongly');
  });

  test('Talk phone numbers (tap-zendesk lists them in its discovery): an empty list, not a 404', async () => {
    const { status, body } = await get(emulator, '/api/v2/channels/voice/phone_numbers.json');
    assert.equal(status, 200);
    assert.deepEqual(body, { phone_numbers: [], next_page: null, previous_page: null, count: 0 });
  });

  test('account settings: the settings object with the features the plan allows', async () => {
    const { status, body } = await get(emulator, '/api/v2/account/settings.json');
    assert.equal(status, 200);
    assert.equal(body.settings.active_features.ticket_forms, true);
    assert.equal(body.settings.api.api_token_access, 'true');
    assert.equal(typeof body.settings.brands.default_brand_id, 'number');
    const team = await startSmall({ plan: 'team' });
    try {
      const teamSettings = (await get(team, '/api/v2/account/settings')).body.settings;
      assert.equal(teamSettings.active_features.ticket_forms, false);
      assert.equal(teamSettings.active_features.sandbox, false);
    } finally {
      await team.close();
    }
  });
});
