// One small seeded chaos run inside `npm test`: worker SIGKILL mid-page, Temporal dev server restart,
// 5xx, 504 on large pages, resets, truncated bodies, OAuth rotation, credentials revoked
// and restored, a backfill — then the differential check of all 16 collections. SQLite, so the
// shared Postgres is not restarted under the other test files (`npm run test:chaos` does that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { chaosRun } from '../../scripts/chaos';

test('a small seeded chaos run ends with the warehouse equal to the ground truth', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zs-chaos-'));
  try {
    const report = await chaosRun(11, `sqlite://${path.join(dir, 'warehouse')}`, { restartPostgres: false, tickets: 500 });
    assert.equal(report.error, undefined, report.error);
    assert.equal(report.mismatches, 0);
    assert.ok(report.rowsCompared > 1000, `rows compared: ${report.rowsCompared}`);
    assert.ok(report.faults['429 responses']! >= 1, `429 responses: ${JSON.stringify(report.faults)}`);
    for (const kind of ['worker SIGKILL', 'Temporal server restart', '500', '502', '503', '504', 'reset', 'truncate', 'oauth rotation', 'credentials revoked then restored', 'backfill']) {
      assert.ok((report.faults[kind] ?? 0) >= 1, `fault ${kind} injected (${JSON.stringify(report.faults)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
