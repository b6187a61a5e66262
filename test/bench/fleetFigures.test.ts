// The fleet benchmark's arithmetic: requests per rate-limit window, history events per day, worker
// identities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountLoad, historyEventsPerDay, quantile, workerPidOfIdentity } from '../../bench/fleetFigures';

const exportPage = 'GET /api/v2/incremental/tickets/cursor';
const list = 'GET /api/v2/groups';

test('per-window load counts answered requests per window, exports apart, and 429s on their own', () => {
  const load = accountLoad([
    { window: 3, endpoint: exportPage, status: 200 },
    { window: 3, endpoint: list, status: 200 },
    { window: 3, endpoint: exportPage, status: 429 },
    { window: 4, endpoint: list, status: 200 },
    { window: 6, endpoint: exportPage, status: 200 },
    { window: 6, endpoint: exportPage, status: 200 },
    { window: 6, endpoint: exportPage, status: 200 },
  ]);
  assert.deepEqual(load, {
    requests: 6,
    rateLimited: 1,
    busiestCoreWindow: 3, // window 6: three exports, which spend the core limit too
    busiestExportWindow: 3,
    windowsSpanned: 4, // windows 3..6
    meanPerWindow: 1.5,
  });
});

test('an account without requests has no load', () => {
  assert.deepEqual(accountLoad([]), {
    requests: 0,
    rateLimited: 0,
    busiestCoreWindow: 0,
    busiestExportWindow: 0,
    windowsSpanned: 0,
    meanPerWindow: 0,
  });
});

test('history events per day: one run per interval', () => {
  assert.equal(historyEventsPerDay(100, 10_800), 800); // 3-hour interval: 8 cycles a day
  assert.equal(historyEventsPerDay(90, 3_600), 2_160);
});

test("a worker identity names its process by the SDK's <pid>@<host> form", () => {
  assert.equal(workerPidOfIdentity('4242@box', [17, 4242]), 4242);
  assert.equal(workerPidOfIdentity('42@box', [17, 4242]), undefined);
  assert.equal(workerPidOfIdentity(undefined, [17]), undefined);
  assert.equal(workerPidOfIdentity('worker-a', [17]), undefined);
});

test('quantiles by nearest rank', () => {
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(quantile([5, 1, 3, 2, 4], 1), 5);
  assert.equal(quantile([7], 0.9), 7);
  assert.equal(quantile([], 0.5), undefined);
});
