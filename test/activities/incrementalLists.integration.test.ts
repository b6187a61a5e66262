// Lists Zendesk lets filter by time (satisfaction ratings, activities, audit logs; the catalog's
// `incrementalFilter`): between reconciliations a cycle reads only what changed, upserting and never
// deleting; a reconciliation (a full read, `reconcileEveryHours`) settles deletions. Compared with the
// emulator's ground truth after creations, updates and deletions, both sides of the deletion rule
// asserted: rows deleted since the last reconciliation stay until it, and are gone after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { streamByName } from '../../catalog/collections';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import { listReadStateKey, parseListReadState } from '../../activities/listReads';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { startEmulator, type Emulator, type EmulatorOptions, type GroundTruth, type QuirkSettings } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const PAGE = 5;
const STREAMS = ['satisfaction_ratings', 'activities', 'audit_logs'] as const;
const TABLES = ['satisfaction_ratings', 'activities', 'audit_logs'];

interface Setup {
  emulator: Emulator;
  config: SourceConfig;
  destinationUrl: string;
  cycle: (settings?: Partial<SourceConfig>, streams?: readonly string[]) => Promise<Record<string, StreamResult>>;
  /** One attempt of one stream: aborted after `abortAfterPages` committed pages, or a retry of one. */
  attempt: (
    stream: string,
    control: { abortAfterPages?: number; previousHeartbeat?: SyncHeartbeat },
  ) => Promise<{ result: StreamResult | unknown; beats: SyncHeartbeat[] }>;
  close: () => Promise<void>;
}

async function setUp(name: string, quirks: Partial<QuirkSettings>, data: Partial<EmulatorOptions> = {}): Promise<Setup> {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, ...data, rateLimits: false, quirks: { listMaxPageSize: PAGE, ...quirks } });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-incrlists-'));
  const resources = new WorkerResources();
  const credentialRef = await saveAdminCredential(emulator, tmp);
  const destinationUrl = `sqlite://${path.join(tmp, 'wh')}`;
  const config: SourceConfig = {
    name,
    baseUrl: emulator.baseUrl,
    credentialRef,
    destination: destinationUrl,
    collections: { audit_logs: true },
  };
  const cycle = async (settings: Partial<SourceConfig> = {}, streams: readonly string[] = STREAMS) => {
    const results: Record<string, StreamResult> = {};
    for (const stream of streams) {
      results[stream] = await runSyncStream(
        { config: { ...config, ...settings }, stream, cursor: null, mode: 'incremental', runTag: 'test' },
        {
          destination: await resources.destination(destinationUrl),
          session: await resources.session(config),
          heartbeat: () => {},
          signal: new AbortController().signal,
          log: () => {},
          // The worker's clock agrees with Zendesk's (the emulator's runs ahead of real time in tests).
          nowMs: () => emulator.now() * 1000,
        },
      );
    }
    return results;
  };
  const attempt = async (stream: string, control: { abortAfterPages?: number; previousHeartbeat?: SyncHeartbeat }) => {
    const abort = new AbortController();
    const beats: SyncHeartbeat[] = [];
    const result = await runSyncStream(
      { config, stream, cursor: null, mode: 'incremental', runTag: 'test' },
      {
        destination: await resources.destination(destinationUrl),
        session: await resources.session(config),
        heartbeat: (details) => {
          beats.push(details);
          if (control.abortAfterPages !== undefined && details.pages >= control.abortAfterPages) abort.abort();
        },
        previousHeartbeat: control.previousHeartbeat,
        signal: abort.signal,
        log: () => {},
        nowMs: () => emulator.now() * 1000,
      },
    ).catch((err: unknown) => err);
    return { result, beats };
  };
  return {
    emulator,
    config,
    destinationUrl,
    cycle,
    attempt,
    close: async () => {
      await resources.close();
      await emulator.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

const truthOf = (emulator: Emulator, tables: string[] = TABLES): GroundTruth => emulator.groundTruth({ collections: tables });

/** Records of a list whose filtered time is at or after `since`: what a filtered read returns. */
function createdSince(rows: Array<Record<string, unknown>>, field: string, since: number): number {
  return rows.filter((r) => Date.parse(String(r[field])) / 1000 >= since).length;
}

/** The time each list's filter compares, with the emulator's ratings filtered on updated_at. */
const FILTERED_TIME_WHEN_CHANGES_MOVE_IT: Record<string, string> = {
  satisfaction_ratings: 'updated_at',
  activities: 'created_at',
  audit_logs: 'created_at',
};

/** Per list, the records the next filtered read returns: from the last read's start minus the overlap. */
async function recordsSinceLastRead(s: Setup, fields: Record<string, string>): Promise<Record<string, number>> {
  const truth = truthOf(s.emulator);
  const state = await openState(s);
  const out: Record<string, number> = {};
  for (const stream of STREAMS) {
    const last = parseListReadState(await state.read(listReadStateKey(stream)));
    assert.ok(last, `${stream}: a read was recorded`);
    out[stream] = createdSince(
      truth[stream]!,
      fields[stream]!,
      last.lastReadStartedAt - streamByName(stream).incrementalFilter!.overlapSeconds,
    );
  }
  return out;
}

test('time-filtered lists: an unchanged cycle costs one request per list; changes land exactly; deletions wait for the reconciliation, which settles them', async () => {
  // Zendesk's start_time compares a time that moves when a rating changes (observed: a changed rating
  // comes back with created_at = updated_at); the emulator models that by filtering on updated_at.
  const s = await setUp('incr_lists', { satisfactionRatingsTimeFilter: 'updated_at' });
  try {
    const before = truthOf(s.emulator);
    for (const table of TABLES)
      assert.ok(before[table]!.length > 2 * PAGE, `${table}: ${before[table]!.length} records span several pages`);

    // Cycle 1: nothing read yet, so every list is read in full.
    s.emulator.advanceClock(120);
    const first = await s.cycle();
    for (const stream of STREAMS) assert.ok(first[stream]!.requests >= Math.ceil(before[stream]!.length / PAGE), `${stream}: read in full`);
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator));

    // Cycle 2, nothing changed: one request per list, the records of the overlap hour (fewer than a page).
    s.emulator.advanceClock(2 * 3600);
    const overlapRecords = await recordsSinceLastRead(s, FILTERED_TIME_WHEN_CHANGES_MOVE_IT);
    const unchanged = await s.cycle();
    for (const stream of STREAMS) {
      assert.ok(overlapRecords[stream]! < PAGE, `${stream}: ${overlapRecords[stream]} records in the overlap`);
      assert.equal(unchanged[stream]!.requests, 1, `${stream}: one request for an unchanged list`);
      assert.equal(unchanged[stream]!.rows, overlapRecords[stream], `${stream}: only the records of the overlap`);
    }

    // Changes: a new rating, an old rating changed, a rating and an activity deleted, a new activity.
    const store = s.emulator.store;
    const ratings = [...store.satisfactionRatings.rows.values()].sort((a, b) => a.id - b.id);
    const ratedTickets = new Set(ratings.map((r) => r.ticket_id));
    const unrated = [...store.tickets.rows.values()].find((t) => t.status === 'solved' && !ratedTickets.has(t.id))!;
    const created = s.emulator.mutations.createSatisfactionRating({ ticket_id: unrated.id, score: 'good', comment: 'Thanks!' });
    const changed = ratings[0]!;
    s.emulator.mutations.updateSatisfactionRating(changed.id, { score: 'bad', comment: 'Changed my mind' });
    const goneRating = ratings[1]!;
    s.emulator.mutations.deleteSatisfactionRating(goneRating.id);
    const activities = [...store.activities.rows.values()].sort((a, b) => a.id - b.id);
    const goneActivity = activities[0]!;
    s.emulator.mutations.deleteActivity(goneActivity.id);
    const nowIso = new Date(s.emulator.now() * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    store.activities.put({ ...activities[1]!, id: store.ids.next(), created_at: nowIso, updated_at: nowIso });
    const staleRows = {
      satisfaction_ratings: before.satisfaction_ratings!.filter((r) => r.id === goneRating.id),
      activities: before.activities!.filter((r) => r.id === goneActivity.id),
    };
    assert.equal(staleRows.satisfaction_ratings.length + staleRows.activities.length, 2);

    // Cycle 3, between reconciliations: the changes land exactly; the deleted rows stay.
    s.emulator.advanceClock(120);
    const sinceLastRead = await recordsSinceLastRead(s, FILTERED_TIME_WHEN_CHANGES_MOVE_IT);
    const incremental = await s.cycle();
    for (const stream of STREAMS)
      assert.equal(incremental[stream]!.rows, sinceLastRead[stream], `${stream}: the records the filter returns`);
    assert.ok(sinceLastRead.satisfaction_ratings! >= 2 && sinceLastRead.activities! >= 1, JSON.stringify(sinceLastRead));
    const truth = truthOf(s.emulator);
    assert.ok(truth.satisfaction_ratings!.some((r) => r.id === created.id));
    assert.equal(
      truth.satisfaction_ratings!.some((r) => r.id === goneRating.id),
      false,
    );
    await assertWarehouseMatches(s.destinationUrl, s.config.name, {
      ...truth,
      satisfaction_ratings: [...truth.satisfaction_ratings!, ...staleRows.satisfaction_ratings],
      activities: [...truth.activities!, ...staleRows.activities],
    });

    // Cycle 4, a reconciliation (reconcileEveryHours 0: every cycle is one): full reads settle deletions.
    s.emulator.advanceClock(120);
    const reconciliation = await s.cycle({ reconcileEveryHours: 0 });
    for (const stream of STREAMS) assert.ok(reconciliation[stream]!.requests > 1, `${stream}: read in full`);
    assert.deepEqual(reconciliation.satisfaction_ratings!.deletedByTable, { satisfaction_ratings: 1 });
    assert.deepEqual(reconciliation.activities!.deletedByTable, { activities: 1 });
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator));

    // Cycle 5, default schedule: the reconciliation was recorded, so the lists are filtered again.
    s.emulator.advanceClock(2 * 3600);
    for (const [stream, n] of Object.entries(await recordsSinceLastRead(s, FILTERED_TIME_WHEN_CHANGES_MOVE_IT)))
      assert.ok(n < PAGE, stream);
    const after = await s.cycle();
    for (const stream of STREAMS) assert.equal(after[stream]!.requests, 1, `${stream}: one request again after the reconciliation`);
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator));
  } finally {
    await s.close();
  }
});

test('time-filtered lists: a rating changed after the last read, its filtered time unmoved, lands through the overlap (it would not without)', async () => {
  // The pessimistic reading of Zendesk's docs: start_time compares created_at, which a change does not move.
  const s = await setUp('incr_overlap', { satisfactionRatingsTimeFilter: 'created_at' });
  try {
    const store = s.emulator.store;
    const ratedTickets = new Set([...store.satisfactionRatings.rows.values()].map((r) => r.ticket_id));
    const unrated = [...store.tickets.rows.values()].find((t) => t.status === 'solved' && !ratedTickets.has(t.id))!;
    const rating = s.emulator.mutations.createSatisfactionRating({ ticket_id: unrated.id, score: 'offered' });
    s.emulator.advanceClock(120);
    await s.cycle();
    const state = parseListReadState(await (await openState(s)).read(listReadStateKey('satisfaction_ratings')));
    assert.ok(state && state.lastFullReadStartedAt === state.lastReadStartedAt, 'the first read was a full one');
    const ratedAt = Date.parse(rating.created_at) / 1000;
    assert.ok(ratedAt < state!.lastReadStartedAt, 'the rating was created before the last read began');

    s.emulator.advanceClock(600);
    s.emulator.mutations.updateSatisfactionRating(rating.id, { score: 'good', comment: 'Great' });
    // Without the overlap the filter would start at the last read's start and leave the change out.
    const ratingsStream = streamByName('satisfaction_ratings');
    const withoutOverlap = createdSince(truthOf(s.emulator).satisfaction_ratings!, 'created_at', state!.lastReadStartedAt);
    assert.equal(withoutOverlap, 0, 'no rating is created after the last read began');
    assert.ok(ratingsStream.incrementalFilter!.overlapSeconds >= state!.lastReadStartedAt - ratedAt);

    s.emulator.advanceClock(120);
    const expected = await recordsSinceLastRead(s, { ...FILTERED_TIME_WHEN_CHANGES_MOVE_IT, satisfaction_ratings: 'created_at' });
    const second = await s.cycle();
    assert.ok(expected.satisfaction_ratings! < PAGE);
    assert.equal(second.satisfaction_ratings!.requests, 1, 'a filtered read');
    assert.equal(
      second.satisfaction_ratings!.rows,
      expected.satisfaction_ratings,
      'the ratings created within the overlap, the changed one among them',
    );
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator));
  } finally {
    await s.close();
  }
});

test('time-filtered lists: a filtered read cut short resumes on retry as the same read (same filter, same start), deleting nothing', async () => {
  const s = await setUp('incr_resume', { satisfactionRatingsTimeFilter: 'updated_at' });
  try {
    s.emulator.advanceClock(120);
    await s.cycle();
    s.emulator.advanceClock(2 * 3600);
    const store = s.emulator.store;
    const ratings = [...store.satisfactionRatings.rows.values()].sort((a, b) => a.id - b.id);
    const before = truthOf(s.emulator);
    // Enough changed ratings for the filtered read to span pages, and one deleted.
    for (const rating of ratings.slice(0, 3 * PAGE))
      s.emulator.mutations.updateSatisfactionRating(rating.id, { comment: `changed ${rating.id}` });
    const gone = ratings[3 * PAGE]!;
    s.emulator.mutations.deleteSatisfactionRating(gone.id);
    s.emulator.advanceClock(120);

    const cut = await s.attempt('satisfaction_ratings', { abortAfterPages: 1 });
    assert.ok(!(cut.result && typeof cut.result === 'object' && 'stream' in cut.result), 'the first attempt was cut short');
    const beat = cut.beats.at(-1)!;
    assert.equal(beat.listRead?.full, false, 'a filtered read');
    assert.equal(beat.fullReadId, undefined, 'a filtered read records no keys to sweep with');
    const firstRequests = s.emulator.requestLog.entries().length;

    s.emulator.advanceClock(300);
    const retry = await s.attempt('satisfaction_ratings', { previousHeartbeat: beat });
    const result = retry.result as StreamResult;
    assert.equal(result.deletedByTable, undefined, 'nothing deleted');
    const retryRequests = s.emulator.requestLog
      .entries()
      .slice(firstRequests)
      .filter((e) => e.path === '/api/v2/satisfaction_ratings');
    assert.ok(retryRequests.length >= 1);
    for (const request of retryRequests) {
      const query = new URLSearchParams(request.query);
      assert.equal(query.get('start_time'), String(beat.listRead!.since), 'the same filter as the first attempt');
      assert.ok(query.get('page[after]'), 'resumed after the committed page, not from the first');
    }
    const state = parseListReadState(await (await openState(s)).read(listReadStateKey('satisfaction_ratings')));
    assert.equal(state?.lastReadStartedAt, beat.listRead!.startedAt, 'the read is recorded as begun when its first attempt began');
    const truth = truthOf(s.emulator);
    await assertWarehouseMatches(s.destinationUrl, s.config.name, {
      ...truth,
      satisfaction_ratings: [...truth.satisfaction_ratings!, ...before.satisfaction_ratings!.filter((r) => r.id === gone.id)],
    });
  } finally {
    await s.close();
  }
});

test('time-filtered lists: an endpoint that ignores its filter costs a full read, still lands exactly and still deletes nothing between reconciliations', async () => {
  const s = await setUp('incr_ignored', { activitiesSince: 'ignored' });
  try {
    s.emulator.advanceClock(120);
    await s.cycle();
    const before = truthOf(s.emulator);
    const gone = [...s.emulator.store.activities.rows.values()].sort((a, b) => a.id - b.id)[0]!;
    s.emulator.mutations.deleteActivity(gone.id);
    s.emulator.advanceClock(2 * 3600);
    const second = await s.cycle();
    const truth = truthOf(s.emulator);
    assert.equal(second.activities!.rows, truth.activities!.length, 'every activity came back');
    assert.equal(second.activities!.deletedByTable, undefined, 'nothing deleted');
    await assertWarehouseMatches(s.destinationUrl, s.config.name, {
      ...truth,
      activities: [...truth.activities!, ...before.activities!.filter((r) => r.id === gone.id)],
    });
  } finally {
    await s.close();
  }
});

// Skips have no time filter, but Zendesk serves them newest first on request (sort_order=desc): between
// reconciliations the read stops after the first page reaching before the last read's start minus the
// overlap, so an unchanged cycle costs the pages of the overlap hour, not of every skip.
const SKIPS = ['ticket_skips'];
/** Half the tickets skipped once: skips over many pages of the small account's history. */
const MANY_SKIPS: Partial<EmulatorOptions> = { skipShare: 0.5 };

/** Requests a newest-first read from `since` needs: every page of newer records, and the page that reaches past it. */
function newestFirstRequests(rows: Array<Record<string, unknown>>, since: number): number {
  return Math.floor(createdSince(rows, 'created_at', since) / PAGE) + 1;
}

test('newest-first lists (skips): an unchanged cycle reads only down to the last read; new skips land; deletions wait for the reconciliation', async () => {
  const s = await setUp('incr_skips', {}, MANY_SKIPS);
  try {
    const all = truthOf(s.emulator, SKIPS).ticket_skips!;
    assert.ok(all.length > 4 * PAGE, `${all.length} skips span several pages`);
    const fullPages = Math.ceil(all.length / PAGE);

    s.emulator.advanceClock(120);
    const first = await s.cycle({}, SKIPS);
    assert.ok(first.ticket_skips!.requests >= fullPages, 'the first read is a full one');
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator, SKIPS));

    // Unchanged: the pages of the overlap hour plus the one that reaches before it.
    s.emulator.advanceClock(2 * 3600);
    const since = await lowerBound(s, 'ticket_skips');
    const unchanged = await s.cycle({}, SKIPS);
    assert.equal(unchanged.ticket_skips!.requests, newestFirstRequests(all, since));
    assert.ok(unchanged.ticket_skips!.requests < fullPages / 2, `${unchanged.ticket_skips!.requests} of ${fullPages} pages`);
    assert.deepEqual(unchanged.ticket_skips!.warnings, []);
    const asked = s.emulator.requestLog.entries('/api/v2/skips').at(-1)!;
    assert.equal(new URLSearchParams(asked.query).get('sort_order'), 'desc');

    // A new skip and a deleted one: the new one lands, the deleted row stays until the reconciliation.
    const store = s.emulator.store;
    const before = truthOf(s.emulator, SKIPS).ticket_skips!;
    const gone = [...store.skips.rows.values()].sort((a, b) => a.id - b.id)[0]!;
    s.emulator.mutations.deleteSkip(gone.id);
    const ticket = [...store.tickets.rows.values()].find((t) => t.status === 'open')!;
    const created = s.emulator.mutations.createSkip({ ticket_id: ticket.id, reason: 'not my area' });
    s.emulator.advanceClock(120);
    const changed = await s.cycle({}, SKIPS);
    assert.equal(changed.ticket_skips!.deletedByTable, undefined, 'nothing deleted between reconciliations');
    const truth = truthOf(s.emulator, SKIPS);
    assert.ok(truth.ticket_skips!.some((r) => r.id === created.id));
    await assertWarehouseMatches(s.destinationUrl, s.config.name, {
      ticket_skips: [...truth.ticket_skips!, ...before.filter((r) => r.id === gone.id)],
    });

    // The reconciliation reads every skip and settles the deletion.
    s.emulator.advanceClock(120);
    const reconciliation = await s.cycle({ reconcileEveryHours: 0 }, SKIPS);
    assert.ok(reconciliation.ticket_skips!.requests >= fullPages);
    assert.deepEqual(reconciliation.ticket_skips!.deletedByTable, { ticket_skips: 1 });
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truthOf(s.emulator, SKIPS));
  } finally {
    await s.close();
  }
});

test('newest-first lists: an endpoint that ignores sort_order is read to its end, exactly, with a warning, deleting nothing', async () => {
  const s = await setUp('incr_skips_unordered', { listSortOrder: 'ignored' }, MANY_SKIPS);
  try {
    s.emulator.advanceClock(120);
    await s.cycle({}, SKIPS);
    const before = truthOf(s.emulator, SKIPS).ticket_skips!;
    const gone = [...s.emulator.store.skips.rows.values()].sort((a, b) => a.id - b.id)[0]!;
    s.emulator.mutations.deleteSkip(gone.id);
    s.emulator.advanceClock(2 * 3600);
    const second = await s.cycle({}, SKIPS);
    const truth = truthOf(s.emulator, SKIPS);
    assert.equal(second.ticket_skips!.rows, truth.ticket_skips!.length, 'every skip came back');
    assert.equal(second.ticket_skips!.deletedByTable, undefined, 'nothing deleted');
    assert.match(second.ticket_skips!.warnings.join('\n'), /did not come newest first/);
    await assertWarehouseMatches(s.destinationUrl, s.config.name, {
      ticket_skips: [...truth.ticket_skips!, ...before.filter((r) => r.id === gone.id)],
    });
  } finally {
    await s.close();
  }
});

test('lists read only on reconciliations (reconciliationOnly): no request between them; creations and deletions land at the next one', async () => {
  const s = await setUp('incr_reconciliation_only', {});
  const MEMBERSHIPS = ['group_memberships', 'organization_memberships'];
  const only = { reconciliationOnly: MEMBERSHIPS };
  try {
    s.emulator.advanceClock(120);
    const first = await s.cycle(only, MEMBERSHIPS);
    for (const stream of MEMBERSHIPS) assert.ok(first[stream]!.requests >= 1, `${stream}: the first read is a full one`);
    const before = truthOf(s.emulator, MEMBERSHIPS);
    await assertWarehouseMatches(s.destinationUrl, s.config.name, before);

    const m = s.emulator.mutations;
    // An agent joins a group it was not in.
    const store = s.emulator.store;
    const memberOf = new Set([...store.groupMemberships.rows.values()].map((gm) => `${gm.user_id}:${gm.group_id}`));
    const pair = [...store.users.rows.values()]
      .filter((u) => u.role !== 'end-user')
      .flatMap((u) => [...store.groups.rows.values()].filter((g) => !g.deleted).map((g) => ({ user_id: u.id, group_id: g.id })))
      .find((p) => !memberOf.has(`${p.user_id}:${p.group_id}`))!;
    const created = m.createGroupMembership(pair);
    const gone = [...s.emulator.store.organizationMemberships.rows.values()].sort((a, b) => a.id - b.id)[0]!;
    m.deleteOrganizationMembership(gone.id);

    // Between reconciliations: not read at all; the warehouse keeps what the last one read.
    s.emulator.advanceClock(2 * 3600);
    const between = await s.cycle(only, MEMBERSHIPS);
    for (const stream of MEMBERSHIPS) {
      assert.equal(between[stream]!.requests, 0, `${stream}: no request between reconciliations`);
      assert.equal(between[stream]!.rows, 0);
    }
    await assertWarehouseMatches(s.destinationUrl, s.config.name, before);

    // Without the setting the same lists are read in full every cycle, as before.
    s.emulator.advanceClock(120);
    const everyCycle = await s.cycle({}, ['group_memberships']);
    assert.ok(everyCycle.group_memberships!.requests >= 1);

    // The reconciliation: both read in full, the creation lands and the deletion settles.
    s.emulator.advanceClock(120);
    const reconciliation = await s.cycle({ ...only, reconcileEveryHours: 0 }, MEMBERSHIPS);
    assert.deepEqual(reconciliation.organization_memberships!.deletedByTable, { organization_memberships: 1 });
    const truth = truthOf(s.emulator, MEMBERSHIPS);
    assert.ok(truth.group_memberships!.some((r) => r.id === created.id));
    await assertWarehouseMatches(s.destinationUrl, s.config.name, truth);
  } finally {
    await s.close();
  }
});

/** The lower bound of the stream's next read between reconciliations: the last read's start minus the overlap. */
async function lowerBound(s: Setup, stream: string): Promise<number> {
  const last = parseListReadState(await (await openState(s)).read(listReadStateKey(stream)));
  assert.ok(last, `${stream}: a read was recorded`);
  return last.lastReadStartedAt - streamByName(stream).incrementalFilter!.overlapSeconds;
}

async function openState(s: Setup): Promise<{ read: (key: string) => Promise<string | null> }> {
  const { openDestination } = await import('../../destinations/open');
  return {
    read: async (key) => {
      const destination = await openDestination(s.destinationUrl);
      try {
        return await destination.readState(s.config.name, key);
      } finally {
        await destination.close();
      }
    },
  };
}
