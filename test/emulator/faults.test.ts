import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { adminAuth, get, startSmall } from './helpers';

describe('faults', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 30, users: 10 });
  });
  beforeEach(() => {
    emulator.setFaults([]);
    emulator.clearFiredFaults();
  });
  after(() => emulator.close());

  test('rules given at start fire', async () => {
    const other = await startSmall({
      tickets: 5,
      users: 3,
      faults: [{ id: 'startup', endpoint: '/api/v2/ticket_forms', kind: 'status', status: 502, firstN: 1 }],
    });
    try {
      assert.equal((await get(other, '/api/v2/ticket_forms.json')).status, 502);
      assert.equal((await get(other, '/api/v2/ticket_forms.json')).status, 200);
      assert.deepEqual(
        other.firedFaults().map((f) => [f.ruleId, f.status, f.match]),
        [['startup', 502, 1]],
      );
    } finally {
      await other.close();
    }
  });

  test('503 with Retry-After on every 2nd request, at most twice', async () => {
    emulator.setFaults([
      { id: 'flaky', endpoint: '/api/v2/groups', kind: 'status', status: 503, everyNth: 2, maxCount: 2, retryAfterSeconds: 7 },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await get(emulator, '/api/v2/groups.json');
      statuses.push(r.status);
      if (r.status === 503) assert.equal(r.headers.get('retry-after'), '7');
    }
    assert.deepEqual(statuses, [200, 503, 200, 503, 200, 200, 200]);
    assert.equal(emulator.firedFaults().length, 2);
    assert.equal(emulator.requestLog.entries().filter((e) => e.fault === 'flaky').length, 2);
  });

  test("an injected 429 carries Zendesk's rate headers: the account's real limit, nothing remaining until Retry-After", async () => {
    emulator.setRateLimits({ enabled: true, corePerMinute: 700, exportPerMinute: 10, minuteMs: 60_000 });
    emulator.setFaults([{ id: 'storm', endpoint: '/api/v2/*', kind: 'status', status: 429, retryAfterSeconds: 2, firstN: 2 }]);
    try {
      const core = await get(emulator, '/api/v2/groups.json');
      assert.equal(core.status, 429);
      assert.equal(core.headers.get('retry-after'), '2');
      assert.equal(core.headers.get('x-rate-limit'), '700');
      assert.equal(core.headers.get('x-rate-limit-remaining'), '0');
      assert.equal(core.headers.get('ratelimit-reset'), '2');
      const exported = await get(emulator, '/api/v2/incremental/organizations.json?start_time=0');
      assert.equal(exported.status, 429);
      // The storm refused it before the export bucket was spent: all 10 remain there.
      assert.equal(exported.headers.get('zendesk-ratelimit-incremental-exports'), 'total=10; remaining=10; resets=2');
      emulator.setRateLimits({ enabled: false });
      emulator.setFaults([{ endpoint: '/api/v2/*', kind: 'status', status: 429, retryAfterSeconds: 3, firstN: 1 }]);
      const unlimited = await get(emulator, '/api/v2/groups.json');
      assert.equal(unlimited.headers.get('x-rate-limit'), null, 'no limit is emulated, so none is reported');
      assert.equal(unlimited.headers.get('x-rate-limit-remaining'), '0');
    } finally {
      emulator.setRateLimits({ enabled: false });
    }
  });

  test('500 on the first N requests of a glob; 504 only for pages above a size', async () => {
    emulator.setFaults([
      { endpoint: '/api/v2/incremental/*', kind: 'status', status: 500, firstN: 2 },
      { id: 'big', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'status', status: 504, perPageAbove: 500 },
    ]);
    const path = '/api/v2/incremental/tickets/cursor.json?start_time=0';
    assert.equal((await get(emulator, path + '&per_page=10')).status, 500);
    assert.equal((await get(emulator, path + '&per_page=10')).status, 500);
    assert.equal((await get(emulator, path + '&per_page=10')).status, 200);
    assert.equal((await get(emulator, path + '&per_page=1000')).status, 504);
    assert.equal((await get(emulator, path + '&per_page=500')).status, 200);
  });

  test('504 above a page size counts a request without a size at the endpoint default (1000 on exports, 100 on lists)', async () => {
    emulator.setFaults([
      { id: 'export', endpoint: '/api/v2/incremental/*', kind: 'status', status: 504, perPageAbove: 500 },
      { id: 'list', endpoint: '/api/v2/groups', kind: 'status', status: 504, perPageAbove: 50 },
    ]);
    assert.equal((await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0')).status, 504, 'default 1000 > 500');
    assert.equal((await get(emulator, '/api/v2/incremental/organizations.json?start_time=0')).status, 504);
    assert.equal((await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=500')).status, 200);
    assert.equal((await get(emulator, '/api/v2/groups.json')).status, 504, 'offset default 100 > 50');
    assert.equal((await get(emulator, '/api/v2/groups.json?page[size]=50')).status, 200);
    assert.equal((await get(emulator, '/api/v2/groups.json?page[size]=5000')).status, 504, 'clamped to 100, still > 50');
    // ticket_metric_events in cursor mode is a list: page[size] defaults to 100 there, not 1000.
    emulator.setFaults([{ endpoint: '/api/v2/incremental/*', kind: 'status', status: 504, perPageAbove: 100 }]);
    assert.equal((await get(emulator, '/api/v2/incremental/ticket_metric_events.json?start_time=0&page[size]=100')).status, 200);
    assert.equal((await get(emulator, '/api/v2/incremental/ticket_metric_events.json?start_time=0')).status, 504);
  });

  test('an injected 429 without retryAfterSeconds still sends Retry-After (the seconds left in the window)', async () => {
    emulator.setRateLimits({ enabled: true, minuteMs: 60_000 });
    try {
      emulator.setFaults([{ endpoint: '/api/v2/groups', kind: 'status', status: 429, firstN: 1 }]);
      const limited = await get(emulator, '/api/v2/groups.json');
      assert.equal(limited.status, 429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
      assert.equal(limited.headers.get('ratelimit-reset'), String(retryAfter));
      // An explicit null still models the unusual 429 without the header.
      emulator.setFaults([{ endpoint: '/api/v2/groups', kind: 'status', status: 429, retryAfterSeconds: null, firstN: 1 }]);
      assert.equal((await get(emulator, '/api/v2/groups.json')).headers.get('retry-after'), null);
    } finally {
      emulator.setRateLimits({ enabled: false });
    }
  });

  test("every injected status's body matches its Content-Type (502 is the load balancer's HTML page)", async () => {
    for (const status of [429, 500, 502, 503, 504]) {
      emulator.setFaults([{ endpoint: '/api/v2/groups', kind: 'status', status, firstN: 1 }]);
      const response = await get(emulator, '/api/v2/groups.json');
      assert.equal(response.status, status);
      const contentType = response.headers.get('content-type')!;
      if (contentType.startsWith('application/json')) assert.doesNotThrow(() => JSON.parse(response.text), String(status));
      else if (contentType.startsWith('text/html')) assert.match(response.text, /^<html>[\s\S]*<\/html>\s*$/, String(status));
      else {
        assert.match(contentType, /^text\/plain/, String(status));
        assert.throws(() => JSON.parse(response.text), String(status));
      }
      if (status === 502) {
        assert.match(contentType, /^text\/html/);
        assert.match(response.text, /502 Bad Gateway/);
      }
    }
  });

  test('probability faults are deterministic for a seed', async () => {
    const run = async () => {
      emulator.setFaults([{ endpoint: '/api/v2/groups', kind: 'status', status: 500, probability: 0.5 }]);
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await get(emulator, '/api/v2/groups.json')).status);
      return out;
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    assert.ok(a.includes(500) && a.includes(200));
  });

  test('latency is added', async () => {
    emulator.setFaults([{ endpoint: '/api/v2/ticket_fields', kind: 'latency', latencyMs: 250 }]);
    const started = performance.now();
    assert.equal((await get(emulator, '/api/v2/ticket_fields.json')).status, 200);
    assert.ok(performance.now() - started >= 240);
  });

  test('hold: the request waits unanswered until released, is then served; later matches pass', async () => {
    emulator.setFaults([{ id: 'gate', endpoint: '/api/v2/ticket_fields', kind: 'hold' }]);
    const handledBefore = emulator.requestLog.entries('/api/v2/ticket_fields').length;
    let answered = false;
    const held = get(emulator, '/api/v2/ticket_fields.json').then((r) => ((answered = true), r));
    // Wait for the request to be in the gate (a condition, not a delay), then look: nothing came back.
    while (!emulator.firedFaults().some((f) => f.ruleId === 'gate')) await new Promise((r) => setImmediate(r));
    assert.equal(emulator.requestLog.entries('/api/v2/ticket_fields').length, handledBefore, 'not handled while held');
    assert.equal(answered, false);
    emulator.releaseHeld('gate');
    assert.equal((await held).status, 200);
    assert.equal((await get(emulator, '/api/v2/ticket_fields.json')).status, 200, 'not held after the release');
    assert.equal(emulator.firedFaults().filter((f) => f.ruleId === 'gate').length, 1);
    // Replacing the rules lets held requests through as well.
    emulator.setFaults([{ id: 'gate2', endpoint: '/api/v2/groups', kind: 'hold' }]);
    const second = get(emulator, '/api/v2/groups.json');
    while (!emulator.firedFaults().some((f) => f.ruleId === 'gate2')) await new Promise((r) => setImmediate(r));
    emulator.setFaults([]);
    assert.equal((await second).status, 200);
  });

  test('connection reset mid-body makes the client fail after headers', async () => {
    emulator.setFaults([{ endpoint: '/api/v2/incremental/users/cursor', kind: 'reset', keepFraction: 0.3, firstN: 1 }]);
    const response = await fetch(`${emulator.baseUrl}/api/v2/incremental/users/cursor.json?start_time=0`, {
      headers: { authorization: adminAuth(emulator) },
    });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
    assert.equal((await get(emulator, '/api/v2/incremental/users/cursor.json?start_time=0')).status, 200);
    assert.equal(emulator.firedFaults()[0]!.kind, 'reset');
  });

  test('truncated JSON: a 200 whose body is cut short (Content-Length and chunked framing)', async () => {
    for (const framing of ['content-length', 'chunked'] as const) {
      emulator.setFaults([{ endpoint: '/api/v2/groups', kind: 'truncate', framing, keepFraction: 0.5 }]);
      const response = await fetch(`${emulator.baseUrl}/api/v2/groups.json`, { headers: { authorization: adminAuth(emulator) } });
      assert.equal(response.status, 200);
      if (framing === 'chunked') assert.equal(response.headers.get('content-length'), null);
      else assert.ok(Number(response.headers.get('content-length')) > 0);
      const text = await response.text();
      assert.throws(() => JSON.parse(text), SyntaxError);
    }
  });
});
