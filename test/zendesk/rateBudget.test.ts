import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createZendeskClient, RateBudget, rateBudgetFor, type RateBudgetSnapshot } from '../../zendesk';
import { readEndpointRateLimits } from '../../zendesk/rateHeaders';
import { API_TOKEN_AUTH, FAST_HTTP, type RecordedRequest, sendJson, sendText, type Stub, startStub } from './stubServer';
import { ManualClock } from '../support/manualClock';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const WINDOW_MS = 1000;

let stubs: Stub[] = [];
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  stubs = [];
});

/** Polls `probe` (a condition, not a delay) until it returns a value. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = CONDITION_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The largest number of arrivals inside any window of `windowMs` (sliding, so alignment cannot hide bursts). */
function maxPerSlidingWindow(requests: RecordedRequest[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** A stub that enforces `limit` per fixed window like Zendesk, answering 429 beyond it. */
async function enforcingStub(limit: () => number, headers: (remaining: number, resetMs: number) => Record<string, string> = () => ({})) {
  const started = Date.now();
  const counts = new Map<number, number>();
  let rejected = 0;
  const s = await startStub((request, res) => {
    const elapsed = Date.now() - started;
    const window = Math.floor(elapsed / WINDOW_MS);
    const used = (counts.get(window) ?? 0) + 1;
    counts.set(window, used);
    const resetMs = (window + 1) * WINDOW_MS - elapsed;
    if (used > limit()) {
      rejected += 1;
      return sendText(res, 429, 'Number of allowed API requests per minute exceeded', { 'retry-after': String(resetMs / 1000) });
    }
    return sendJson(res, 200, { ok: true }, headers(limit() - used, resetMs), request);
  });
  stubs.push(s);
  return { stub: s, rejected: () => rejected };
}

describe('rate budget', () => {
  it('keeps at most N requests per window and gets no 429s from a server enforcing N', async () => {
    const { stub, rejected } = await enforcingStub(() => 5);
    const client = createZendeskClient({
      baseUrl: stub.baseUrl,
      auth: API_TOKEN_AUTH,
      http: FAST_HTTP,
      rate: { budget: new RateBudget({ corePerMinute: 5, windowMs: WINDOW_MS }) },
    });
    try {
      await Promise.all(Array.from({ length: 15 }, (_, i) => client.get(`/api/v2/groups.json?i=${i}`)));
      assert.equal(stub.requests.length, 15);
      assert.equal(rejected(), 0);
      assert.ok(maxPerSlidingWindow(stub.requests, WINDOW_MS) <= 5);
      const span = stub.requests.at(-1)!.at - stub.requests[0]!.at;
      assert.ok(span >= 2 * WINDOW_MS - 10, `15 requests at 5/window need 3 windows, took ${span} ms`);
    } finally {
      await client.close();
    }
  });

  it('counts export requests against both the export cap and the core cap', async () => {
    const { stub, rejected } = await enforcingStub(() => 3);
    const budget = new RateBudget({ corePerMinute: 100, exportPerMinute: 3, windowMs: WINDOW_MS });
    const client = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    try {
      await Promise.all(Array.from({ length: 7 }, () => client.get('/api/v2/incremental/tickets.json', { bucket: 'export' })));
      assert.equal(rejected(), 0);
      assert.ok(maxPerSlidingWindow(stub.requests, WINDOW_MS) <= 3);
      const snapshot = budget.snapshot();
      assert.ok(snapshot.export.used > 0);
      assert.equal(snapshot.core.used, snapshot.export.used, 'every export slot also holds a core slot');
    } finally {
      await client.close();
    }
  });

  it('applies a raised cap at runtime to requests already waiting', async () => {
    const { stub } = await enforcingStub(() => 1000);
    // The budget's clock only moves when the test moves it: no slot can expire, only the raise can free waiters.
    const budget = new RateBudget({ corePerMinute: 2, windowMs: 3000 }, new ManualClock());
    const client = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    try {
      const calls = Array.from({ length: 8 }, () => client.get('/api/v2/groups.json'));
      await Promise.all(calls.slice(0, 2));
      await until('six requests waiting for a slot', () => (budget.snapshot().core.waiting === 6 ? true : undefined));
      budget.update({ corePerMinute: 8 });
      assert.equal(budget.snapshot().core.waiting, 0, 'the raised cap let every waiting request go at once');
      await Promise.all(calls);
      assert.equal(stub.requests.length, 8);
    } finally {
      await client.close();
    }
  });

  it('applies a lowered cap at runtime', async () => {
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 4, windowMs: 5000 }, clock);
    // One after the other: a fresh budget sends its first request alone (until a response is in).
    (await budget.acquire('core')).release();
    (await budget.acquire('core')).release();
    budget.update({ corePerMinute: 2 });
    const controller = new AbortController();
    const third = budget.acquire('core', controller.signal);
    assert.equal(budget.snapshot().core.waiting, 1, 'two slots are taken and the cap is now 2');
    controller.abort(new Error('cancelled'));
    await assert.rejects(third, /cancelled/);
    assert.equal(budget.snapshot().core.waiting, 0);
    // The slots are given back one window after their release, not before.
    const fourth = budget.acquire('core');
    clock.advance(4999);
    assert.equal(budget.snapshot().core.waiting, 1, 'still inside the window');
    clock.advance(1);
    assert.equal((await fourth).waitedMs, 5000);
  });

  it('uses only its share of the quota the account reports, and slows down on remaining=0', async () => {
    const { stub, rejected } = await enforcingStub(
      () => 10,
      (remaining, resetMs) => ({
        'x-rate-limit': '10',
        'x-rate-limit-remaining': String(remaining),
        'ratelimit-reset': String(Math.ceil(resetMs / 1000)),
      }),
    );
    const budget = new RateBudget({ corePerMinute: 200, share: 0.5, windowMs: WINDOW_MS });
    const client = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    try {
      await client.get('/api/v2/groups.json');
      assert.equal(budget.snapshot().core.limit, 5, 'half of the reported 10');
      await Promise.all(Array.from({ length: 11 }, () => client.get('/api/v2/groups.json')));
      assert.equal(rejected(), 0);
      assert.ok(maxPerSlidingWindow(stub.requests, WINDOW_MS) <= 5);
    } finally {
      await client.close();
    }
  });

  it('pauses exports when the incremental-exports header says the bucket is spent', async () => {
    const { stub, rejected } = await enforcingStub(
      () => 4,
      (remaining, resetMs) => ({
        'zendesk-ratelimit-incremental-exports': `total=4; remaining=${remaining}; resets=${Math.ceil(resetMs / 1000)}`,
      }),
    );
    // The configured cap is too generous: only the header keeps us under the server's 4.
    const budget = new RateBudget({ corePerMinute: 1000, exportPerMinute: 1000, windowMs: WINDOW_MS });
    const client = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    try {
      for (let i = 0; i < 10; i++) await client.get('/api/v2/incremental/organizations.json', { bucket: 'export' });
      assert.equal(rejected(), 0);
      assert.equal(stub.requests.length, 10);
    } finally {
      await client.close();
    }
  });

  it('shares one budget per account across clients and validates settings', () => {
    const a = rateBudgetFor('https://shared-test.zendesk.com', { corePerMinute: 50 });
    const b = rateBudgetFor('https://shared-test.zendesk.com');
    assert.equal(a, b);
    assert.equal(b.currentSettings.corePerMinute, 50);
    assert.equal(b.currentSettings.exportPerMinute, 10);
    b.update({ highVolumeAddOn: true });
    assert.equal(b.currentSettings.exportPerMinute, 30);
    assert.throws(() => b.update({ share: 0 }), /share must be in \(0, 1\]/);
    assert.throws(() => b.update({ share: 1.5 }), /share/);
    assert.throws(() => new RateBudget({ windowMs: -1 }), /windowMs/);
  });
});

describe('a limit that comes back up', () => {
  it('frees waiters as soon as a response reports the higher limit', async () => {
    const budget = new RateBudget({ corePerMinute: 100, windowMs: 60_000 }, new ManualClock());
    budget.observe({ core: { limit: 1 } }); // a dip (a 429 storm reported a tiny account limit)
    (await budget.acquire('core')).release(); // the only slot, held for a whole window
    const waiting = budget.acquire('core');
    assert.equal(budget.snapshot().core.waiting, 1);
    budget.observe({ core: { limit: 100 } }); // the next response: the limit is back
    assert.equal(budget.snapshot().core.waiting, 0, 'freed at once');
    const lease = await waiting;
    assert.equal(lease.waitedMs, 0, "no time had to pass on the budget's clock");
    lease.release();
  });
});

describe('endpoint buckets from zendesk-ratelimit-* headers', () => {
  it('reads every bucket header by name, whatever the bucket and the spelling', () => {
    const readings = readEndpointRateLimits({
      'zendesk-ratelimit-incremental-exports-cursor': 'total=20; remaining=3; resets=41',
      'Zendesk-RateLimit-tickets-index': 'total=100; remaining=99; resets=59',
      'zendesk-rate-limit-tickets-update': 'total=20; remaining=0; resets=5',
      'x-rate-limit': '700',
    });
    assert.deepEqual(Object.fromEntries(readings), {
      'incremental-exports-cursor': { limit: 20, remaining: 3, resetSeconds: 41 },
      'tickets-index': { limit: 100, remaining: 99, resetSeconds: 59 },
      'tickets-update': { limit: 20, remaining: 0, resetSeconds: 5 },
    });
  });

  it("users/cursor learns its own bucket's total and keeps under it; other endpoints are not held by it", async () => {
    const { stub, rejected } = await enforcingStub(
      () => 3,
      (remaining, resetMs) => ({
        'zendesk-ratelimit-incremental-exports-cursor': `total=3; remaining=${remaining}; resets=${Math.ceil(resetMs / 1000)}`,
      }),
    );
    const budget = new RateBudget({ corePerMinute: 1000, exportPerMinute: 1000, windowMs: WINDOW_MS });
    const client = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    try {
      await client.get('/api/v2/incremental/users/cursor.json?start_time=0', { bucket: 'export' });
      assert.equal(budget.snapshot().endpoints['incremental-exports-cursor']!.limit, 3);
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => client.get(`/api/v2/incremental/users/cursor.json?cursor=c${i}`, { bucket: 'export' })),
      );
      assert.equal(rejected(), 0, 'the learned total of 3 kept every request under the server limit');
      // The first request (which taught the bucket) counts until the reset the server announced, so
      // with it a sliding window may hold 4 across the server's window end (wherever a busy machine
      // puts the first request); the requests the bucket scheduled itself never exceed 3 in any window.
      assert.ok(maxPerSlidingWindow(stub.requests.slice(1), WINDOW_MS) <= 3);
    } finally {
      await client.close();
    }
  });

  /** A stub that answers 429 once with the given headers, then 200 with no rate headers. */
  async function oneRateLimit(headers429: Record<string, string>) {
    let refused = false;
    const s = await startStub((request, res) => {
      if (!refused && request.path.includes('/incremental/')) {
        refused = true;
        return sendText(res, 429, 'Number of allowed API requests per minute exceeded', { 'retry-after': '0.6', ...headers429 });
      }
      return sendJson(res, 200, { ok: true }, {}, request);
    });
    stubs.push(s);
    return s;
  }

  /**
   * An export gets a 429 (Retry-After 0.6 s) with `headers429`; then a core request is sent. The
   * budget runs on a clock the test moves: what is held stays held until the test moves it, and the
   * core request's wait is measured on that clock. Returns the buckets held after the 429 and how
   * long the core request waited (0, or the Retry-After when it was held).
   */
  async function coreRequestAfter429(headers429: Record<string, string>): Promise<{ coreWaitMs: number; held: RateBudgetSnapshot }> {
    const s = await oneRateLimit(headers429);
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 1000, exportPerMinute: 1000, windowMs: 60_000 }, clock);
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    const paused = (snapshot: RateBudgetSnapshot) =>
      [snapshot.core, snapshot.export, ...Object.values(snapshot.endpoints)].some((bucket) => bucket.pausedForMs > 0);
    try {
      const exportDone = client.get('/api/v2/incremental/tickets/cursor.json?start_time=0', { bucket: 'export' });
      // The 429 is in and handled once something is held (nothing expires while the clock stands still).
      const held = await until('the 429 to hold a bucket', () => {
        const snapshot = budget.snapshot();
        return paused(snapshot) ? snapshot : undefined;
      });
      const sentAt = clock.now();
      const waitingBefore = budget.snapshot().core.waiting;
      let answeredAt: number | undefined;
      const core = client.get('/api/v2/groups.json').then(() => (answeredAt = clock.now()));
      // Either it is answered without the clock moving, or it waits for a core slot.
      const wasHeld = await until('the core request to be answered or to wait', () =>
        answeredAt !== undefined ? false : budget.snapshot().core.waiting > waitingBefore ? true : undefined,
      );
      if (wasHeld) {
        clock.advance(599);
        assert.ok(budget.snapshot().core.waiting > waitingBefore, 'still held 1 ms before the Retry-After ends');
        clock.advance(1);
      }
      await core;
      clock.advance(60_000); // whatever else is held (the export's retry) is free after a window
      await exportDone;
      return { coreWaitMs: answeredAt! - sentAt, held };
    } finally {
      await client.close();
    }
  }

  it('a 429 on an export that says the account quota is spent holds core requests too', async () => {
    const { coreWaitMs, held } = await coreRequestAfter429({
      'x-rate-limit': '700',
      'x-rate-limit-remaining': '0',
      'ratelimit-reset': '0',
    });
    assert.equal(held.core.pausedForMs, 600, 'core is held for the Retry-After');
    assert.equal(coreWaitMs, 600, 'a core request waited out the Retry-After');
  });

  it('a 429 that names a spent endpoint bucket holds that bucket only', async () => {
    const { coreWaitMs, held } = await coreRequestAfter429({
      'x-rate-limit': '700',
      'x-rate-limit-remaining': '650',
      'zendesk-ratelimit-incremental-exports-cursor': 'total=20; remaining=0; resets=1',
    });
    assert.ok(held.endpoints['incremental-exports-cursor']!.pausedForMs > 0);
    assert.equal(held.core.pausedForMs, 0);
    assert.equal(held.export.pausedForMs, 0, 'the other exports (tickets) may go on');
    assert.equal(coreWaitMs, 0, 'core was not held');
  });

  it('a 429 that names nothing holds the bucket the request spent', async () => {
    const { held } = await coreRequestAfter429({});
    assert.ok(held.export.pausedForMs > 0);
    assert.equal(held.core.pausedForMs, 0);
  });
});

describe('requests this process did not send (a takeover, other integrations)', () => {
  it('a fresh budget sends its first request alone, then counts what the window already held until its reset', async () => {
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 10, windowMs: 60_000 }, clock);
    const first = await budget.acquire('core');
    const others = Array.from({ length: 3 }, () => budget.acquire('core'));
    assert.equal(budget.snapshot().core.waiting, 3, 'nothing else goes out before the first response');
    // The response: Zendesk's window already held 7 requests another worker sent, plus this one.
    budget.observe({ core: { limit: 10, remaining: 2, resetSeconds: 30 } });
    assert.equal(budget.snapshot().core.foreign, 7);
    first.release();
    assert.equal(budget.snapshot().core.waiting, 1, 'two more fit the window (7 foreign + 1 + 2 = 10)');
    clock.advance(29_999);
    assert.equal(budget.snapshot().core.waiting, 1, 'the foreign requests count until the reset');
    clock.advance(1);
    assert.equal(budget.snapshot().core.waiting, 0, 'freed at the reset Zendesk announced');
    assert.equal(budget.snapshot().core.foreign, 0);
    for (const lease of await Promise.all(others)) lease.release();
  });

  it('relearns after a takeover: one request alone again, and nothing is counted twice', async () => {
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 10, windowMs: 60_000 }, clock);
    const a = await budget.acquire('core');
    budget.observe({ core: { limit: 10, remaining: 9, resetSeconds: 60 } });
    a.release();
    budget.relearn();
    const b = await budget.acquire('core');
    const waiting = budget.acquire('core');
    assert.equal(budget.snapshot().core.waiting, 1);
    // Our 2 plus 5 the dead host sent: only the 5 are foreign.
    budget.observe({ core: { limit: 10, remaining: 3, resetSeconds: 60 } });
    assert.equal(budget.snapshot().core.foreign, 5);
    b.release();
    (await waiting).release();
    budget.observe({ core: { limit: 10, remaining: 2, resetSeconds: 60 } });
    assert.equal(budget.snapshot().core.foreign, 5, 'a later reading that matches what we sent adds nothing');
  });

  it('leaves the foreign requests out of its own cap: with share < 1 only the account limit binds them', () => {
    const budget = new RateBudget({ corePerMinute: 200, share: 0.5, windowMs: 60_000 }, new ManualClock());
    // Other integrations spent 60 of 100: we may still send 40 (our cap is 50, the account has 40 left).
    budget.observe({ core: { limit: 100, remaining: 40, resetSeconds: 60 } });
    assert.equal(budget.snapshot().core.foreign, 60);
    assert.equal(budget.snapshot().core.limit, 50);
  });

  it('a worker taking an account over mid-window from a dead one draws no 429 from a server enforcing the limit', async () => {
    // One fixed window that does not end during the test: the dead worker's requests still count.
    let served = 0;
    let rejected = 0;
    const stub = await startStub((request, res) => {
      const headers = { 'x-rate-limit': '10', 'ratelimit-reset': '60' };
      if (served >= 10) {
        rejected += 1;
        return sendText(res, 429, 'Number of allowed API requests per minute exceeded', {
          ...headers,
          'x-rate-limit-remaining': '0',
          'retry-after': '60',
        });
      }
      served += 1;
      return sendJson(res, 200, { ok: true }, { ...headers, 'x-rate-limit-remaining': String(10 - served) }, request);
    });
    stubs.push(stub);
    const dead = createZendeskClient({
      baseUrl: stub.baseUrl,
      auth: API_TOKEN_AUTH,
      http: FAST_HTTP,
      rate: { budget: new RateBudget({ corePerMinute: 10, windowMs: 60_000 }) },
    });
    const budget = new RateBudget({ corePerMinute: 10, windowMs: 60_000 });
    const successor = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    const stop = new AbortController();
    try {
      for (let i = 0; i < 7; i++) await dead.get(`/api/v2/groups.json?dead=${i}`);
      const burst = Array.from({ length: 5 }, (_, i) =>
        successor.get(`/api/v2/groups.json?successor=${i}`, { signal: stop.signal }).then(
          () => 'served',
          () => 'stopped',
        ),
      );
      await until('the window full, and the other two requests waiting or refused', () =>
        served === 10 && (budget.snapshot().core.waiting === 2 || rejected > 0) ? true : undefined,
      );
      assert.equal(rejected, 0, 'the successor learned the window from its first response instead of bursting');
      stop.abort(new Error('test over'));
      assert.deepEqual((await Promise.all(burst)).sort(), ['served', 'served', 'served', 'stopped', 'stopped']);
      assert.equal(rejected, 0);
    } finally {
      stop.abort(new Error('test over'));
      await Promise.all([dead.close(), successor.close()]);
    }
  });
});

describe('a takeover after the dead host spent the export window', () => {
  it('exports wait for a reading of the account window, and count the foreign requests the export cap allows until its reset', async () => {
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 200, exportPerMinute: 10, windowMs: 60_000 }, clock);
    budget.relearn();
    assert.equal(budget.awaitsAccountReading, true);
    // users/me's answer: 15 requests in the window that this process did not send (ours, the probe, is 1).
    const probe = await budget.acquire('core');
    budget.observe({ core: { limit: 700, remaining: 684, resetSeconds: 40 } });
    probe.release();
    assert.equal(budget.awaitsAccountReading, false);
    assert.equal(budget.snapshot().export.foreign, 10, 'as many as the export cap: they may all have been exports');
    const exported = budget.acquire('export');
    assert.equal(budget.snapshot().export.waiting, 1);
    clock.advance(40_000);
    (await exported).release();
  });

  it('a quiet window costs the exports nothing: no foreign request, no wait', async () => {
    const budget = new RateBudget({ windowMs: 60_000 }, new ManualClock());
    budget.relearn();
    const probe = await budget.acquire('core');
    budget.observe({ core: { limit: 700, remaining: 699, resetSeconds: 40 } });
    probe.release();
    assert.equal(budget.snapshot().export.foreign, 0);
    (await budget.acquire('export')).release();
  });

  it('against a server enforcing both limits: users/me first, then no export until the reset, and no 429', async () => {
    let exportsServed = 0;
    let coreServed = 0;
    const refused: string[] = [];
    const stub = await startStub((request, res) => {
      const isExport = request.path.includes('/incremental/');
      const core = { 'x-rate-limit': '700', 'ratelimit-reset': '60' };
      if (isExport && exportsServed >= 10) {
        refused.push(request.path);
        return sendText(res, 429, 'Too many exports', {
          ...core,
          'x-rate-limit-remaining': String(700 - coreServed),
          'zendesk-ratelimit-incremental-exports': 'total=10; remaining=0; resets=60',
          'retry-after': '60',
        });
      }
      coreServed += 1;
      if (isExport) exportsServed += 1;
      const headers: Record<string, string> = { ...core, 'x-rate-limit-remaining': String(700 - coreServed) };
      if (isExport) headers['zendesk-ratelimit-incremental-exports'] = `total=10; remaining=${10 - exportsServed}; resets=60`;
      return sendJson(res, 200, request.path.endsWith('/users/me.json') ? { user: { id: 1 } } : { tickets: [] }, headers, request);
    });
    stubs.push(stub);
    const dead = createZendeskClient({
      baseUrl: stub.baseUrl,
      auth: API_TOKEN_AUTH,
      http: FAST_HTTP,
      rate: { budget: new RateBudget({ windowMs: 60_000 }) },
    });
    const budget = new RateBudget({ windowMs: 60_000 });
    const successor = createZendeskClient({ baseUrl: stub.baseUrl, auth: API_TOKEN_AUTH, http: FAST_HTTP, rate: { budget } });
    const stop = new AbortController();
    try {
      // The dead host spent the export window (and as many core requests).
      for (let i = 0; i < 10; i++) await dead.get(`/api/v2/incremental/tickets/cursor.json?dead=${i}`, { bucket: 'export' });
      budget.relearn(); // what askAccountHost does when this worker takes the account over
      const exported = successor.get('/api/v2/incremental/tickets/cursor.json?successor=1', { bucket: 'export', signal: stop.signal }).then(
        () => 'served',
        () => 'stopped',
      );
      await until('the export waiting for its window, or refused', () =>
        budget.snapshot().export.waiting === 1 || refused.length > 0 ? true : undefined,
      );
      assert.deepEqual(refused, [], 'no export went out into the spent window');
      assert.deepEqual(
        stub.requests.slice(10).map((r) => r.path),
        ['/api/v2/users/me.json'],
        'only the account-window read went out after the takeover',
      );
      assert.deepEqual(refused, []);
      stop.abort(new Error('test over'));
      assert.equal(await exported, 'stopped');
    } finally {
      stop.abort(new Error('test over'));
      await Promise.all([dead.close(), successor.close()]);
    }
  });
});
