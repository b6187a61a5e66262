import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

const MINUTE_MS = 1000;

describe('rate limits', () => {
  let emulator: Emulator;
  // The windows run on a clock this test moves by hand: a burst always fits in its window however
  // slowly the machine runs, and a window ends exactly when the test says.
  let clockMs = 0;
  const nextWindow = () => (clockMs = (Math.floor(clockMs / MINUTE_MS) + 1) * MINUTE_MS);
  before(async () => {
    emulator = await startSmall({
      tickets: 10,
      users: 5,
      rateLimits: { minuteMs: MINUTE_MS, corePerMinute: 25, exportPerMinute: 5 },
      rateLimitClock: () => clockMs,
    });
  });
  after(() => emulator.close());

  /** Requests `path` until the first 429, all in the current window; how many were answered 200 before it. */
  async function burstUntil429(path: string): Promise<{ okCount: number; limited: Awaited<ReturnType<typeof get>> }> {
    let okCount = 0;
    for (let i = 0; i < 1000; i++) {
      const response = await get(emulator, path);
      if (response.status === 429) return { okCount, limited: response };
      assert.equal(response.status, 200);
      okCount++;
    }
    throw new Error(`no 429 after ${okCount} requests in one window`);
  }

  test('429 after the export budget (5 per emulated minute), with text/plain body and headers', async () => {
    const windowStart = nextWindow();
    const { okCount, limited } = await burstUntil429('/api/v2/incremental/organizations.json?start_time=0');
    assert.equal(okCount, 5);
    assert.equal(limited.text, 'Number of allowed API requests per minute exceeded');
    assert.match(limited.headers.get('content-type')!, /^text\/plain/);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('x-emulator-retry-after-ms'), String(MINUTE_MS));
    assert.match(limited.headers.get('zendesk-ratelimit-incremental-exports')!, /^total=5; remaining=0; resets=\d+$/);
    // The core budget is still available in the same window.
    assert.equal((await get(emulator, '/api/v2/groups.json')).status, 200);
    // The window lasts exactly one emulated minute.
    clockMs = windowStart + MINUTE_MS - 1;
    const lastMoment = await get(emulator, '/api/v2/incremental/organizations.json?start_time=0');
    assert.equal(lastMoment.status, 429, 'still the same window');
    assert.equal(lastMoment.headers.get('x-emulator-retry-after-ms'), '1');
    clockMs = windowStart + MINUTE_MS;
    assert.equal((await get(emulator, '/api/v2/incremental/organizations.json?start_time=0')).status, 200, 'the next window resets');
    const windows = emulator.requestLog.countByWindow(/incremental/, { excludeRateLimited: true });
    assert.ok([...windows.values()].every((n) => n <= 5));
    assert.equal(windows.get(windowStart / MINUTE_MS), 5);
  });

  test('429 after the core budget, with x-rate-limit and ratelimit-* headers counting down', async () => {
    nextWindow();
    const first = await get(emulator, '/api/v2/groups.json');
    assert.equal(first.headers.get('x-rate-limit'), '25');
    assert.equal(first.headers.get('ratelimit-limit'), '25');
    const remaining = Number(first.headers.get('x-rate-limit-remaining'));
    assert.equal(remaining, 24);
    assert.equal(Number(first.headers.get('ratelimit-remaining')), remaining);
    const second = await get(emulator, '/api/v2/groups.json');
    assert.equal(Number(second.headers.get('x-rate-limit-remaining')), remaining - 1);
    nextWindow();
    const { okCount, limited } = await burstUntil429('/api/v2/groups.json');
    assert.equal(okCount, 25);
    assert.equal(limited.headers.get('x-rate-limit-remaining'), '0');
    assert.ok(emulator.requestLog.maxPerWindow('GET /api/v2/groups', { excludeRateLimited: true }) <= 25);
  });

  test('the older rate-limit, rate-limit-remaining and rate-limit-reset headers repeat the account figures', async () => {
    nextWindow();
    const ok = await get(emulator, '/api/v2/groups.json');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('rate-limit'), '25');
    assert.equal(ok.headers.get('rate-limit'), ok.headers.get('x-rate-limit'));
    assert.equal(ok.headers.get('rate-limit-remaining'), ok.headers.get('x-rate-limit-remaining'));
    assert.equal(ok.headers.get('rate-limit-reset'), ok.headers.get('ratelimit-reset'));
    const { limited } = await burstUntil429('/api/v2/groups.json');
    assert.equal(limited.headers.get('rate-limit-remaining'), '0');
    assert.equal(limited.headers.get('rate-limit-reset'), limited.headers.get('retry-after'));
  });

  test('rateLimits.ticketsCursorPerMinute gives tickets/cursor a bucket of its own', async () => {
    nextWindow();
    const shared = await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0');
    assert.match(shared.headers.get('zendesk-ratelimit-incremental-exports')!, /^total=5;/, 'shares the export bucket by default');
    emulator.setRateLimits({ ticketsCursorPerMinute: 3 });
    try {
      const { okCount, limited } = await burstUntil429('/api/v2/incremental/tickets/cursor.json?start_time=0');
      assert.equal(okCount, 3);
      assert.match(limited.headers.get('zendesk-ratelimit-incremental-exports-cursor')!, /^total=3; remaining=0; resets=\d+$/);
      assert.equal(limited.headers.get('zendesk-ratelimit-incremental-exports'), null);
      // The other exports still have their own budget in the same window.
      assert.equal((await get(emulator, '/api/v2/incremental/organizations.json?start_time=0')).status, 200);
    } finally {
      emulator.setRateLimits({ ticketsCursorPerMinute: null });
    }
  });

  test('plan sets the core limit; limits can be switched off', async () => {
    emulator.setRateLimits({ corePerMinute: null });
    emulator.setPlan('team');
    assert.equal((await get(emulator, '/api/v2/groups.json')).headers.get('x-rate-limit'), '200');
    emulator.setPlan('enterprise_plus');
    assert.equal((await get(emulator, '/api/v2/groups.json')).headers.get('x-rate-limit'), '2500');
    emulator.setRateLimits(false);
    for (let i = 0; i < 12; i++) assert.equal((await get(emulator, '/api/v2/incremental/organizations.json?start_time=0')).status, 200);
  });
});
