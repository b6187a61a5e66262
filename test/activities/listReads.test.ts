// The plan of a time-filtered list read (activities/listReads.ts): when a cycle reads in full (a
// reconciliation) and from when a filtered read asks; what a finished read records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamByName } from '../../catalog/collections';
import { DEFAULT_RECONCILE_EVERY_HOURS, planListRead, stateAfterRead, usesListReadPlan } from '../../activities/listReads';

const ratings = streamByName('satisfaction_ratings');
const overlap = ratings.incrementalFilter!.overlapSeconds;
const HOUR = 3600;
const now = 1_800_000_000;

test('which streams read by plan: time-filtered lists in incremental mode only', () => {
  assert.equal(usesListReadPlan(ratings, 'incremental'), true);
  assert.equal(usesListReadPlan(ratings, 'backfill'), false);
  assert.equal(usesListReadPlan(streamByName('ticket_skips'), 'incremental'), true, 'newest first, stopped at the bound');
  assert.equal(usesListReadPlan(streamByName('group_memberships'), 'incremental'), false, 'no time filter nor order: read in full');
  assert.equal(usesListReadPlan(streamByName('tickets'), 'incremental'), false, 'an export');
});

test('a first read, and one whose last reconciliation is due, read in full; otherwise from the last read minus the overlap', () => {
  assert.deepEqual(planListRead(ratings, null, undefined, now), { full: true, startedAt: now });
  const recent = { lastReadStartedAt: now - 3 * HOUR, lastFullReadStartedAt: now - 6 * HOUR };
  assert.deepEqual(planListRead(ratings, recent, undefined, now), { full: false, since: now - 3 * HOUR - overlap, startedAt: now });
  const due = { lastReadStartedAt: now - 3 * HOUR, lastFullReadStartedAt: now - DEFAULT_RECONCILE_EVERY_HOURS * HOUR };
  assert.equal(planListRead(ratings, due, undefined, now).full, true, 'the default interval has passed');
  assert.equal(planListRead(ratings, recent, 0, now).full, true, '0: every cycle reconciles');
  assert.equal(planListRead(ratings, recent, 5, now).full, true);
  assert.equal(planListRead(ratings, recent, 7, now).full, false);
  assert.equal(planListRead(ratings, { lastReadStartedAt: now - HOUR }, undefined, now).full, true, 'never reconciled');
});

test('a finished read records its start; a full read counts as a reconciliation only when it settled deletions', () => {
  const before = { lastReadStartedAt: now - 3 * HOUR, lastFullReadStartedAt: now - 6 * HOUR };
  assert.deepEqual(stateAfterRead(before, { full: false, since: 1, startedAt: now }, false), {
    lastReadStartedAt: now,
    lastFullReadStartedAt: now - 6 * HOUR,
  });
  assert.deepEqual(stateAfterRead(before, { full: true, startedAt: now }, true), { lastReadStartedAt: now, lastFullReadStartedAt: now });
  assert.deepEqual(stateAfterRead(before, { full: true, startedAt: now }, false), {
    lastReadStartedAt: now,
    lastFullReadStartedAt: now - 6 * HOUR,
  });
  assert.deepEqual(stateAfterRead(null, { full: true, startedAt: now }, false), { lastReadStartedAt: now });
});
