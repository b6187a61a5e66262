import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { adminAuth, basic, get, startSmall } from './helpers';

/** What the REST API still shows, counted from the store directly (the ground truth of the counts). */
function shown(emulator: Emulator) {
  const s = emulator.store;
  return {
    tickets: s.tickets.all().filter((t) => t.status !== 'deleted').length,
    users: s.users.all().filter((u) => u.active).length,
    organizations: s.organizations.all().filter((o) => o.deleted_at === null).length,
  };
}

describe('count endpoints', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall();
  });
  after(() => emulator.close());

  test('tickets, users and organizations answer {"count":{"value","refreshed_at"}}, with and without .json, for agents too', async () => {
    const expected = shown(emulator);
    for (const resource of ['tickets', 'users', 'organizations'] as const) {
      for (const suffix of ['.json', '']) {
        const { status, body } = await get(emulator, `/api/v2/${resource}/count${suffix}`);
        assert.equal(status, 200, resource);
        assert.deepEqual(Object.keys(body), ['count']);
        assert.deepEqual(Object.keys(body.count).sort(), ['refreshed_at', 'value']);
        assert.equal(body.count.value, expected[resource], resource);
        assert.match(body.count.refreshed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.ok(Math.abs(Date.parse(body.count.refreshed_at) / 1000 - emulator.now()) <= 2, 'a small count is live');
      }
    }
    const agent = basic(emulator.credentials.agent.email, emulator.credentials.agent.apiToken);
    assert.equal((await get(emulator, '/api/v2/tickets/count.json', agent)).status, 200, 'Allowed For: Agents');
    assert.equal((await get(emulator, '/api/v2/tickets/count.json', null)).status, 401);
    assert.equal((await get(emulator, '/api/v2/groups/count.json')).status, 404, 'only the three counts are served');
  });

  test('deleted records are not counted: deleted tickets, deleted (inactive) users, deleted organizations', async () => {
    const before = shown(emulator);
    assert.ok(
      emulator.store.tickets.all().some((t) => t.status === 'deleted'),
      'the account has deleted tickets to leave out',
    );
    const ticket = emulator.store.tickets.all().find((t) => t.status !== 'deleted')!;
    const user = emulator.store.users
      .all()
      .find((u) => u.active && u.id !== emulator.credentials.admin.userId && u.id !== emulator.credentials.agent.userId)!;
    const org = emulator.store.organizations.all().find((o) => o.deleted_at === null)!;
    emulator.mutations.deleteTicket(ticket.id);
    emulator.mutations.deleteUser(user.id);
    emulator.mutations.deleteOrganization(org.id);
    const created = emulator.mutations.createTicket();
    const count = async (resource: string) => (await get(emulator, `/api/v2/${resource}/count.json`)).body.count.value as number;
    assert.equal(await count('tickets'), before.tickets - 1 + 1);
    assert.equal(await count('users'), before.users - 1);
    assert.equal(await count('organizations'), before.organizations - 1);
    emulator.mutations.deleteTicket(created.id);
    assert.equal(await count('tickets'), before.tickets - 1, 'a change shows at once (no export delay on counts)');
  });

  test('above the threshold a count is a daily snapshot: first null refreshed_at with the held value, then cached for 24 hours', async () => {
    const big = await startSmall({ approximateCountsAbove: 10 });
    try {
      const live = shown(big).tickets;
      assert.ok(live > 10);
      const first = (await get(big, '/api/v2/tickets/count.json')).body.count;
      assert.deepEqual(first, { value: 10, refreshed_at: null }, 'the refresh is running: value held at the limit');
      const snapshotAt = big.now();
      const second = (await get(big, '/api/v2/tickets/count.json')).body.count;
      assert.equal(second.value, live);
      assert.ok(Math.abs(Date.parse(second.refreshed_at) / 1000 - snapshotAt) <= 2);
      big.mutations.createTicket();
      big.advanceClock(3600);
      const cached = (await get(big, '/api/v2/tickets/count.json')).body.count;
      assert.deepEqual(cached, second, 'a new ticket does not show within the day');
      big.advanceClock(86_400);
      const refreshed = (await get(big, '/api/v2/tickets/count.json')).body.count;
      assert.equal(refreshed.value, live + 1);
      assert.ok(Date.parse(refreshed.refreshed_at) > Date.parse(second.refreshed_at));
      // Each resource has a snapshot of its own: users (40 > 10) start their first refresh now.
      assert.deepEqual((await get(big, '/api/v2/users/count.json')).body.count, { value: 10, refreshed_at: null });
    } finally {
      await big.close();
    }
  });

  test('the count endpoints are logged and spend the core rate budget like any API request', async () => {
    emulator.requestLog.reset();
    await get(emulator, '/api/v2/users/count.json', adminAuth(emulator));
    assert.deepEqual(emulator.requestLog.countByEndpoint(), { 'GET /api/v2/users/count': 1 });
  });
});
