import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { get, startSmall } from './helpers';

const REFERENCE = 1_780_000_000;

describe('generated data', () => {
  test('is deterministic for a seed and reference time, and differs across seeds', async () => {
    const options = { referenceTime: REFERENCE, canonicalBaseUrl: 'https://same.example', tickets: 80 };
    const [a, b, c] = await Promise.all([startSmall(options), startSmall(options), startSmall({ ...options, seed: 8 })]);
    try {
      const page = async (e: typeof a) => (await get(e, '/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events')).text;
      assert.equal(await page(a), await page(b));
      assert.notEqual(await page(a), await page(c));
      assert.deepEqual(a.groundTruth({ now: REFERENCE }), b.groundTruth({ now: REFERENCE }));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('has the awkward cases a sync must handle', async () => {
    const e = await startSmall({ referenceTime: REFERENCE, tickets: 400, users: 80, organizations: 10, groups: 5 });
    try {
      const tickets = [...e.store.tickets.rows.values()];
      assert.deepEqual(
        tickets.map((t) => t.id).sort((x, y) => x - y),
        tickets.map((_, i) => i + 1),
        'small sequential ticket ids',
      );
      assert.ok(tickets.some((t) => t.status === 'deleted' && t.subject === 'SCRUBBED' && t.description === 'X'));
      assert.ok(tickets.some((t) => t.status === 'deleted' && t.subject !== 'SCRUBBED'));
      assert.ok(
        tickets.some((t) => t.generated_timestamp > Date.parse(t.updated_at) / 1000),
        'generated_timestamp ahead of updated_at',
      );
      assert.ok(
        tickets.some((t) => t.generated_timestamp < REFERENCE - 365 * 86_400),
        'older than a year',
      );
      assert.ok(
        tickets.some((t) => t.generated_timestamp > REFERENCE - 30 * 86_400),
        'recent',
      );
      assert.ok(tickets.every((t) => t.generated_timestamp <= REFERENCE - 120));
      const users = [...e.store.users.rows.values()];
      assert.ok(users.some((u) => !u.active && u.email === null));
      assert.ok([...e.store.groups.rows.values()].some((g) => g.deleted));
      assert.ok([...e.store.organizations.rows.values()].some((o) => o.deleted_at !== null));
      const otherIds = [...users, ...e.store.ticketEvents.all(), ...e.store.comments.all()].map((r) => r.id);
      assert.ok(otherIds.every((id) => id >= 1e12 && id < 1e14 && Number.isSafeInteger(id)));
      assert.ok(otherIds.some((id) => id < 1e13) && otherIds.some((id) => id >= 1e13), '13- and 14-digit ids');
      const bodies = e.store.comments.all().map((c) => c.body);
      assert.ok(
        bodies.some((b) => b.length > 20_000),
        'very long bodies',
      );
      assert.ok(
        bodies.some((b) => /\p{Extended_Pictographic}/u.test(b)),
        'emoji',
      );
      assert.ok(e.store.comments.all().some((c) => c.attachments.length > 0));
      const values = tickets.flatMap((t) => t.custom_fields.map((cf) => cf.value));
      assert.ok(
        values.some((v) => typeof v === 'string' && /^\d+$/.test(v)),
        'integers sent as strings',
      );
      assert.ok(
        values.some((v) => typeof v === 'number'),
        'some decimals as numbers',
      );
      const userDates = users.map((u) => u.user_fields.birthday).filter(Boolean) as string[];
      assert.ok(userDates.some((d) => d.endsWith('Z')) && userDates.some((d) => d.endsWith('+00:00')));
      for (const key of [
        'skips',
        'satisfactionRatings',
        'activities',
        'auditLogs',
        'organizationMemberships',
        'groupMemberships',
        'ticketForms',
        'ticketMetricEvents',
      ] as const) {
        assert.ok(e.store[key].size > 0, key);
      }
    } finally {
      await e.close();
    }
  });
});
