import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  createZendeskClient,
  type RequestEvent,
  ZendeskNetworkError,
  ZendeskNotFoundError,
  ZendeskRateLimitedError,
  ZendeskRequestError,
  ZendeskServerError,
} from '../../zendesk';
import { API_TOKEN_AUTH, FAST_HTTP, sendJson, sendText, type Stub, startStub } from './stubServer';

let stubs: Stub[] = [];
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  stubs = [];
});
async function stub(handler: Parameters<typeof startStub>[0]) {
  const s = await startStub(handler);
  stubs.push(s);
  return s;
}

function clientFor(s: Stub, extra: Partial<Parameters<typeof createZendeskClient>[0]> = {}) {
  return createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP, ...extra });
}

const OK = { groups: [{ id: 1 }] };

describe('retries', () => {
  for (const status of [500, 502, 503, 504]) {
    it(`retries a ${status} and then succeeds`, async () => {
      const s = await stub((request, res) => {
        if (s.requests.length <= 2) return sendText(res, status, 'upstream trouble');
        return sendJson(res, 200, OK, {}, request);
      });
      const events: RequestEvent[] = [];
      const client = clientFor(s, { onRequest: (event) => events.push(event) });
      try {
        assert.deepEqual(await client.get('/api/v2/groups.json?x=1'), OK);
        assert.equal(s.requests.length, 3);
        assert.equal(events.length, 1);
        assert.equal(events[0]!.status, 200);
        assert.equal(events[0]!.attempts, 3);
        assert.equal(events[0]!.retries, 2);
        assert.equal(events[0]!.path, '/api/v2/groups.json', 'no query string in events');
        assert.equal(events[0]!.method, 'GET');
      } finally {
        await client.close();
      }
    });
  }

  it('gives up on persistent 500s after a bounded number of attempts with a retryable typed error', async () => {
    const s = await stub((_request, res) => sendText(res, 500, 'boom'));
    const events: RequestEvent[] = [];
    const client = clientFor(s, { onRequest: (event) => events.push(event) });
    try {
      await assert.rejects(client.get('/api/v2/groups.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskServerError);
        assert.equal(error.retryable, true);
        assert.equal(error.status, 500);
        return true;
      });
      assert.equal(s.requests.length, FAST_HTTP.maxRetries + 1);
      assert.equal(events[0]!.errorType, 'ZendeskServerError');
    } finally {
      await client.close();
    }
  });

  it('retries a connection reset (ECONNRESET) before any response', async () => {
    const s = await stub((request, res, raw) => {
      if (s.requests.length === 1) {
        raw.socket.destroy();
        return;
      }
      return sendJson(res, 200, OK, {}, request);
    });
    const client = clientFor(s);
    try {
      assert.deepEqual(await client.get('/api/v2/groups.json'), OK);
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });

  it('retries a socket closed mid-body (content-length not reached)', async () => {
    const s = await stub((request, res) => {
      if (s.requests.length === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"groups":[{"id":');
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      return sendJson(res, 200, OK, {}, request);
    });
    const client = clientFor(s);
    try {
      assert.deepEqual(await client.get('/api/v2/groups.json'), OK);
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });

  it('retries a complete response whose JSON is truncated', async () => {
    const s = await stub((request, res) => {
      if (s.requests.length === 1) return sendText(res, 200, '{"groups":[{"id":1},{"i', { 'content-type': 'application/json' });
      return sendJson(res, 200, OK, {}, request);
    });
    const client = clientFor(s);
    try {
      assert.deepEqual(await client.get('/api/v2/groups.json'), OK);
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });

  it('reports a network error after bounded attempts when nothing answers', async () => {
    const s = await stub((_request, _res, raw) => {
      raw.socket.destroy();
    });
    const client = clientFor(s);
    try {
      await assert.rejects(client.get('/api/v2/groups.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskNetworkError);
        assert.equal(error.retryable, true);
        assert.doesNotMatch(error.message, /SECRET-TOKEN-123|admin@example\.com/);
        return true;
      });
      assert.equal(s.requests.length, FAST_HTTP.maxRetries + 1);
    } finally {
      await client.close();
    }
  });

  it('does not retry client errors and reads their bodies', async () => {
    const s = await stub((_request, res) =>
      sendJson(res, 404, {
        error: { title: 'No help desk at nope.zendesk.com', message: 'There is no help desk configured at this address.' },
      }),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(client.get('/api/v2/groups.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskNotFoundError);
        assert.equal(error.noHelpDesk, true);
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('decodes gzip and plain bodies alike', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { n: s.requests.length }, {}, s.requests.length === 1 ? request : undefined));
    const client = clientFor(s);
    try {
      assert.deepEqual(await client.get('/a'), { n: 1 });
      assert.deepEqual(await client.get('/b'), { n: 2 });
    } finally {
      await client.close();
    }
  });

  it('refuses absolute URLs so credentials cannot leave the configured origin', async () => {
    const s = await stub((request, res) => sendJson(res, 200, OK, {}, request));
    const client = clientFor(s);
    try {
      await assert.rejects(client.get('https://evil.example/api/v2/groups.json'), TypeError);
      await assert.rejects(client.get('//evil.example/api'), TypeError);
      assert.equal(s.requests.length, 0);
    } finally {
      await client.close();
    }
  });
});

describe('Retry-After', () => {
  it('waits as asked on a text/plain 429, then succeeds', async () => {
    const s = await stub((request, res) => {
      if (s.requests.length === 1) {
        return sendText(res, 429, 'Number of allowed API requests per minute exceeded', {
          'retry-after': '0.3',
          'x-rate-limit-remaining': '0',
        });
      }
      return sendJson(res, 200, OK, {}, request);
    });
    const events: RequestEvent[] = [];
    const client = clientFor(s, { rate: { corePerMinute: 1000, windowMs: 1000 }, onRequest: (e) => events.push(e) });
    try {
      assert.deepEqual(await client.get('/api/v2/groups.json'), OK);
      assert.equal(s.requests.length, 2);
      const gap = s.requests[1]!.at - s.requests[0]!.at;
      assert.ok(gap >= 280, `second request came ${gap} ms after the 429`);
      assert.ok(events[0]!.waitedMs >= 280);
    } finally {
      await client.close();
    }
  });

  it('waits as asked on a 503 with Retry-After', async () => {
    const s = await stub((request, res) => {
      if (s.requests.length === 1) return sendText(res, 503, 'Service Unavailable', { 'retry-after': '0.3' });
      return sendJson(res, 200, OK, {}, request);
    });
    const client = clientFor(s, { rate: false });
    try {
      assert.deepEqual(await client.get('/api/v2/groups.json'), OK);
      assert.ok(s.requests[1]!.at - s.requests[0]!.at >= 280);
    } finally {
      await client.close();
    }
  });

  it('uses the fallback wait when Retry-After is missing', async () => {
    const s = await stub((request, res) => {
      if (s.requests.length === 1) return sendText(res, 429, 'Too Many Requests');
      return sendJson(res, 200, OK, {}, request);
    });
    const client = clientFor(s, { http: { ...FAST_HTTP, defaultRetryAfterMs: 250 } });
    try {
      await client.get('/api/v2/groups.json');
      assert.ok(s.requests[1]!.at - s.requests[0]!.at >= 230);
    } finally {
      await client.close();
    }
  });

  it('fails with retryAfterMs instead of sleeping past the cap', async () => {
    const s = await stub((_request, res) =>
      sendText(res, 429, 'Number of allowed API requests per minute exceeded', { 'retry-after': '600' }),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(client.get('/api/v2/groups.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskRateLimitedError);
        assert.equal(error.retryAfterMs, 600_000);
        assert.equal(error.type, 'ZendeskRateLimitedError');
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('stops after a bounded number of 429s', async () => {
    const s = await stub((_request, res) => sendText(res, 429, 'slow down', { 'retry-after': '0' }));
    const client = clientFor(s, { http: { ...FAST_HTTP, maxRateLimitRetries: 2 } });
    try {
      await assert.rejects(client.get('/api/v2/groups.json'), ZendeskRateLimitedError);
      assert.equal(s.requests.length, 3);
    } finally {
      await client.close();
    }
  });
});

describe('cancellation', () => {
  it('aborts while waiting out a Retry-After', async () => {
    const s = await stub((_request, res) => sendText(res, 429, 'slow down', { 'retry-after': '300' }));
    const client = clientFor(s, { rate: false, http: { ...FAST_HTTP, maxRetryAfterMs: 600_000 } });
    const controller = new AbortController();
    try {
      const started = Date.now();
      // Aborted once the 429 is in and the client has begun its five-minute wait (not after a guessed delay).
      const call = client.get('/api/v2/groups.json', {
        signal: controller.signal,
        onRetry: () => setImmediate(() => controller.abort(new Error('activity cancelled'))),
      });
      await assert.rejects(call, /activity cancelled/);
      assert.ok(Date.now() - started < 60_000, 'did not sleep the whole Retry-After');
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('aborts a request in flight', async () => {
    const s = await stub(() => {
      /* never answers */
    });
    const client = clientFor(s);
    const controller = new AbortController();
    try {
      const call = client.get('/api/v2/groups.json', { signal: controller.signal });
      while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5)); // in flight: the server has it
      controller.abort(new Error('stop now'));
      await assert.rejects(call, /stop now/);
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('does not retry a 422', async () => {
    const s = await stub((_request, res) =>
      sendJson(res, 422, { error: 'InvalidValue', description: 'Too recent start_time. Use a start_time older than 5 minutes' }),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(client.get('/api/v2/incremental/tickets.json?start_time=1'), (error: unknown) => {
        assert.ok(error instanceof ZendeskRequestError);
        assert.equal(error.code, 'InvalidValue');
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });
});
