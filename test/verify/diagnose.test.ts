import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnoseCount, diagnoseIds, LISTED_IDS, type CountObservation } from '../../verify/diagnose';

const DAY = 86_400;
const now = Date.parse('2026-06-01T00:00:00Z') / 1000;
const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

function tickets(overrides: Partial<CountObservation> = {}): CountObservation {
  return {
    source: 'zendesk_prod',
    collection: 'tickets',
    zendesk: { value: 100, refreshedAt: iso(now) },
    warehouse: { live: 100, deleted: 7 },
    deletionMarker: "status = 'deleted'",
    syncedThrough: iso(now - 600),
    requests: 1,
    ...overrides,
  };
}

describe('count endpoints against warehouse rows', () => {
  test('equal counts: no difference and no cause, deleted rows shown but not compared', () => {
    const { row, repair } = diagnoseCount(tickets());
    assert.deepEqual(
      { missing: row.missing, extra: row.extra, causes: row.causes, deleted: row.warehouseDeleted, repair },
      { missing: 0, extra: 0, causes: [], deleted: 7, repair: undefined },
    );
  });

  test('a shortfall with tickets older than the lookback: the lookback first, with the backfill that closes it', () => {
    const start = now - 365 * DAY;
    const oldest = now - 700 * DAY;
    const { row, repair } = diagnoseCount(
      tickets({ zendesk: { value: 130, refreshedAt: iso(now) }, lookback: { start, oldestInZendesk: oldest, coveredByBackfill: false } }),
    );
    assert.equal(row.missing, 30);
    assert.equal(row.extra, 0);
    assert.deepEqual(repair, { collections: ['tickets'], from: new Date(oldest * 1000).toISOString().slice(0, 10), to: iso(start) });
    assert.match(row.causes[0]!, /^older than the lookback: the warehouse's history starts /);
    assert.ok(row.causes[0]!.includes(`client.ts backfill zendesk_prod --collections tickets --from ${repair!.from} --to ${repair!.to}`));
    assert.match(row.causes[1]!, new RegExp(`^not synced yet since ${iso(now - 600)}`));
  });

  test('no lookback cause when Zendesk has nothing older than the warehouse history, or a finished backfill covers it', () => {
    const start = now - 365 * DAY;
    for (const lookback of [
      { start, oldestInZendesk: start + DAY, coveredByBackfill: false },
      { start, oldestInZendesk: now - 700 * DAY, coveredByBackfill: true },
      { start: 0, oldestInZendesk: now - 700 * DAY, coveredByBackfill: false },
    ]) {
      const { row, repair } = diagnoseCount(tickets({ zendesk: { value: 101, refreshedAt: iso(now) }, lookback }));
      assert.equal(repair, undefined, JSON.stringify(lookback));
      assert.deepEqual(row.causes.length, 1);
      assert.match(row.causes[0]!, /^not synced yet since/);
    }
  });

  test('the oldest record unknown (no request left): the backfill starts at the beginning', () => {
    const { repair } = diagnoseCount(
      tickets({ zendesk: { value: 101, refreshedAt: iso(now) }, lookback: { start: now - 365 * DAY, coveredByBackfill: false } }),
    );
    assert.equal(repair?.from, '1970-01-01');
  });

  test('a surplus: deleted in Zendesk since the last sync, with how the next cycle marks them', () => {
    const { row } = diagnoseCount({
      ...tickets(),
      collection: 'organizations',
      deletionMarker: 'deleted_at set',
      zendesk: { value: 98, refreshedAt: iso(now) },
    });
    assert.equal(row.extra, 2);
    assert.deepEqual(row.causes, [
      `deleted in Zendesk since the last sync (synced through ${iso(now - 600)}): the next cycle marks them (deleted_at set)`,
    ]);
  });

  test('never synced: "not synced yet" without a time', () => {
    const { row } = diagnoseCount(
      tickets({ syncedThrough: undefined, zendesk: { value: 5, refreshedAt: iso(now) }, warehouse: { live: 0, deleted: 0 } }),
    );
    assert.deepEqual(row.causes, ['not synced yet: the collection has no successful sync']);
  });

  test('approximate counts: capped or being refreshed explains it first; a count older than the data comes last', () => {
    const capped = diagnoseCount(tickets({ zendesk: { value: 100_000, refreshedAt: null }, warehouse: { live: 180_000, deleted: 0 } })).row;
    assert.match(capped.causes[0]!, /^approximate count \(refreshed_at null/);
    const daily = diagnoseCount(
      tickets({ zendesk: { value: 150_000, refreshedAt: iso(now - DAY) }, warehouse: { live: 150_010, deleted: 0 } }),
    ).row;
    assert.match(
      daily.causes[0]!,
      new RegExp(`^approximate count \\(refreshed_at ${iso(now - DAY)}: Zendesk refreshes counts above 100,000 once a day`),
    );
    const stale = diagnoseCount(tickets({ zendesk: { value: 99, refreshedAt: iso(now - 3600) } })).row;
    assert.equal(stale.causes.length, 2);
    assert.match(stale.causes[0]!, /^deleted in Zendesk/);
    assert.match(stale.causes[1]!, /^approximate count \(refreshed_at .*older than the warehouse's data\)$/);
    // An exact, fresh count with no difference says nothing about approximation.
    assert.deepEqual(diagnoseCount(tickets({ zendesk: { value: 100, refreshedAt: iso(now - 3600) } })).row.causes, []);
  });
});

describe('id lists against warehouse ids', () => {
  const synced = iso(now - 600);

  test('identical sets: no difference', () => {
    const row = diagnoseIds({
      collection: 'groups',
      zendesk: new Map([
        ['1', now - DAY],
        ['2', now - DAY],
      ]),
      warehouse: ['2', '1'],
      syncedThrough: synced,
      requests: 1,
    });
    assert.deepEqual(
      { missing: row.missing, extra: row.extra, causes: row.causes, missingIds: row.missingIds, extraIds: row.extraIds },
      {
        missing: 0,
        extra: 0,
        causes: [],
        missingIds: [],
        extraIds: [],
      },
    );
  });

  test('missing ids are told apart by creation time: after the last full read = not synced yet; before = missed', () => {
    const row = diagnoseIds({
      collection: 'groups',
      zendesk: new Map([
        ['1', now - DAY],
        ['10', now - 60], // created after the read began
        ['9', now - 2 * DAY], // existed before the read: the warehouse should have it
        ['11', undefined], // no creation time: cannot be proven old
      ]),
      warehouse: ['1'],
      syncedThrough: synced,
      requests: 1,
    });
    assert.deepEqual(row.missingIds, ['9', '10', '11'], 'ids sorted as numbers');
    assert.equal(row.missing, 3);
    assert.deepEqual(row.causes, [
      `2 not synced yet since ${synced}: created or changed in Zendesk after the last sync; the next cycle brings it`,
      `1 listed by Zendesk before the last full read (synced through ${synced}) yet not in the warehouse: run sync-now; if they stay missing, report it`,
    ]);
  });

  test('extra ids: deleted in Zendesk, with the 30-day window for activities and archiving for skips', () => {
    const zendesk = new Map([['1', now - DAY]]);
    assert.deepEqual(
      diagnoseIds({ collection: 'group_memberships', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 }).causes,
      [`1 deleted in Zendesk since the last full read (synced through ${synced})`],
    );
    const activities = diagnoseIds({ collection: 'activities', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 });
    assert.match(activities.causes[0]!, /30 days of activity/);
    assert.equal(activities.expected, true, "Zendesk's documented window, not a gap");
    assert.equal(
      diagnoseIds({ collection: 'activities', zendesk: new Map([['7', now]]), warehouse: ['5'], syncedThrough: synced, requests: 1 })
        .expected,
      undefined,
      'a missing activity is a gap',
    );
    assert.equal(
      diagnoseIds({ collection: 'groups', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 }).expected,
      undefined,
    );
    assert.match(
      diagnoseIds({ collection: 'ticket_skips', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 }).causes[0]!,
      /archived/,
    );
    // Lists of deleted or held-back records: leaving them is not a deletion.
    assert.match(
      diagnoseIds({ collection: 'deleted_tickets', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 }).causes[0]!,
      /^1 no longer listed by Zendesk: restored, or deleted for good/,
    );
    assert.match(
      diagnoseIds({ collection: 'suspended_tickets', zendesk, warehouse: ['1', '5'], syncedThrough: synced, requests: 1 }).causes[0]!,
      /^1 no longer listed by Zendesk: recovered or deleted/,
    );
  });

  test('without a sync every missing id is "not synced yet"; listed ids are capped', () => {
    const many = new Map(Array.from({ length: 50 }, (_, i) => [String(i + 1), now - DAY] as [string, number]));
    const row = diagnoseIds({ collection: 'ticket_fields', zendesk: many, warehouse: [], requests: 1 });
    assert.equal(row.missing, 50);
    assert.equal(row.missingIds!.length, LISTED_IDS);
    assert.deepEqual(row.causes, ['50 not synced yet: the collection has no successful sync']);
  });
});
