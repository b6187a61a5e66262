// One small seeded chaos run inside `npm test`: a backfill of the history older than the 30-day
// lookback, the worker SIGKILLed while an export page is on the wire, a Temporal dev server restart,
// 5xx, 504 on large pages, resets, truncated bodies, a 429 storm, OAuth rotation, credentials revoked
// until a request meets them, and records of every collection created, changed and deleted — then the
// differential check of all 16 collections. SQLite, so the shared Postgres is not restarted under the
// other test files (`npm run test:chaos` does that). Every fault counted was observed hitting the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { chaosRun } from '../../scripts/chaos';

test('a small seeded chaos run ends with the warehouse equal to the ground truth', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zs-chaos-'));
  try {
    const report = await chaosRun(11, `sqlite://${path.join(dir, 'warehouse')}`, { restartPostgres: false, tickets: 500, changeRounds: 2 });
    assert.equal(report.error, undefined, report.error);
    assert.equal(report.mismatches, 0);
    assert.ok(report.rowsCompared > 1000, `rows compared: ${report.rowsCompared}`);
    const observed = [
      'worker SIGKILL mid-page',
      'Temporal server restart mid-cycle',
      '500',
      '502',
      '503',
      '504',
      'reset',
      'truncate',
      '429 responses',
      'oauth rotation',
      'requests refused with revoked credentials',
      'backfilled rows older than the lookback',
    ];
    for (const kind of observed) assert.ok((report.faults[kind] ?? 0) >= 1, `fault ${kind} observed (${JSON.stringify(report.faults)})`);
    // Every collection a change can reach had records deleted (tickets' children go with their tickets).
    for (const collection of [
      'tickets',
      'users',
      'organizations',
      'groups',
      'group_memberships',
      'organization_memberships',
      'satisfaction_ratings',
      'ticket_skips',
      'ticket_fields',
      'ticket_forms',
      'activities',
    ]) {
      const [, , deleted] = (report.changes[collection] ?? '0/0/0').split('/').map(Number);
      assert.ok(deleted! >= 1, `${collection} had deletions (${JSON.stringify(report.changes)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
