// The client's paging and transport behaviours against the emulator (and, where the emulator cannot
// misbehave in the needed way, a local server): resuming every engine from every page's cursor,
// the anonymous-200 answer of users/me, a 503 without Retry-After, a truncated chunked body, one
// keep-alive socket for many requests, and the header and body timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamByName } from '../../catalog/collections';
import type { StreamSpec } from '../../catalog/types';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';
import {
  createZendeskClient,
  type HttpSettings,
  type JsonRecord,
  type RequestEvent,
  type ResumeCursor,
  type ZendeskClient,
  ZendeskAuthError,
  ZendeskNetworkError,
} from '../../zendesk';
import { SMALL_ACCOUNT } from '../../harness/stack';

const QUICK_RETRIES: Partial<HttpSettings> = { retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxRetries: 3 };

async function withEmulatorClient<T>(
  options: EmulatorOptions,
  fn: (ctx: { emulator: Emulator; client: ZendeskClient }) => Promise<T>,
  httpSettings: Partial<HttpSettings> = QUICK_RETRIES,
): Promise<T> {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false, ...options });
  const { email, apiToken } = emulator.credentials.admin;
  const client = createZendeskClient({
    baseUrl: emulator.baseUrl,
    auth: { type: 'api_token', email, apiToken },
    rate: false,
    http: httpSettings,
  });
  try {
    return await fn({ emulator, client });
  } finally {
    await client.close();
    await emulator.close();
  }
}

interface ReadPage {
  records: JsonRecord[];
  cursor: ResumeCursor;
}

async function readAll(client: ZendeskClient, stream: StreamSpec, options: Parameters<ZendeskClient['paginate']>[1]): Promise<ReadPage[]> {
  const pages: ReadPage[] = [];
  for await (const page of client.paginate(stream, options)) pages.push({ records: page.records, cursor: page.resumeCursor });
  return pages;
}

const idsOf = (pages: ReadPage[]) => pages.flatMap((p) => p.records.map((r) => r.id as number));

test('ticket_events (time export) with a >1000 same-second run: resuming from every page cursor loses nothing', async () => {
  await withEmulatorClient({ tickets: 2300, sameSecondRun: 1100 }, async ({ emulator, client }) => {
    assert.ok(emulator.sameSecondRun.tickets > 1000, 'the account has a same-second run larger than a page');
    const stream = streamByName('ticket_events');
    const pages = await readAll(client, stream, { startTime: 0, includes: [] });
    const all = idsOf(pages);
    assert.equal(new Set(all).size, all.length, 'no event twice in one run');
    const runSecond = emulator.sameSecondRun.timestamp;
    const inRunSecond = pages.flatMap((p) => p.records).filter((r) => r.timestamp === runSecond).length;
    assert.ok(inRunSecond > 1000, `more events share one second than a page holds (${inRunSecond})`);
    assert.ok(pages.length >= 4, `pages: ${pages.length}`);
    for (let i = 0; i < pages.length - 1; i++) {
      const cursor = pages[i]!.cursor as { start_time: number };
      const rest = new Set(idsOf(await readAll(client, stream, { resumeCursor: cursor, includes: [] })));
      for (const id of idsOf(pages.slice(i + 1))) assert.ok(rest.has(id), `event ${id} after page ${i + 1} is read on resume`);
      // A resumed time export may see the boundary second of the page it resumes after again (the
      // start_time is inclusive); nothing from before that second.
      const earlier = new Map(pages.slice(0, i + 1).flatMap((p) => p.records.map((r) => [r.id as number, r.timestamp as number])));
      for (const id of rest) {
        if (earlier.has(id)) assert.equal(earlier.get(id), cursor.start_time, `event ${id} re-read on resume lies on the boundary second`);
      }
    }
  });
});

test('groups as a cursor list and as an offset list: resuming from every page cursor yields exactly the rest', async () => {
  await withEmulatorClient({ groups: 250 }, async ({ client }) => {
    const cursorList = streamByName('groups');
    const offsetList: StreamSpec = { ...cursorList, style: 'offset_list', params: { per_page: '100' } };
    for (const stream of [cursorList, offsetList]) {
      const pages = await readAll(client, stream, { pageSize: 100 });
      assert.equal(pages.length, 3, `${stream.style}: 250 groups in pages of 100`);
      assert.equal(new Set(idsOf(pages)).size, 250);
      for (let i = 0; i < pages.length - 1; i++) {
        const rest = await readAll(client, stream, { resumeCursor: pages[i]!.cursor, pageSize: 100 });
        assert.deepEqual(idsOf(rest), idsOf(pages.slice(i + 1)), `${stream.style}: resume after page ${i + 1}`);
      }
    }
  });
});

test('users/me answering 200 with the anonymous user is refused as bad credentials', async () => {
  await withEmulatorClient({}, async ({ emulator }) => {
    // "email:password" pasted into the email field: the emulator, like Zendesk, reads it as password
    // auth and answers users/me with the anonymous user instead of a 401.
    const client = createZendeskClient({
      baseUrl: emulator.baseUrl,
      auth: { type: 'api_token', email: `${emulator.credentials.admin.email}:hunter2`, apiToken: emulator.credentials.admin.apiToken },
      rate: false,
      http: QUICK_RETRIES,
    });
    try {
      assert.equal(
        (await client.get<{ user: { id: unknown } }>('/api/v2/users/me.json')).user.id,
        null,
        'the emulator answers 200 anonymous',
      );
      await assert.rejects(client.checkCredentials(), (err: unknown) => err instanceof ZendeskAuthError && /Anonymous/i.test(err.message));
    } finally {
      await client.close();
    }
  });
});

test('a 503 without Retry-After waits the fallback pause and then succeeds', async () => {
  await withEmulatorClient(
    {
      groups: 5,
      faults: [{ id: 'bare-503', endpoint: '/api/v2/groups', kind: 'status', status: 503, retryAfterSeconds: null, firstN: 1 }],
    },
    async ({ emulator, client }) => {
      const started = Date.now();
      const body = await client.get<{ groups: unknown[] }>('/api/v2/groups.json');
      assert.equal(body.groups.length, 5);
      assert.deepEqual(
        emulator.firedFaults().map((f) => f.ruleId),
        ['bare-503'],
      );
      assert.ok(Date.now() - started >= 250, 'waited the fallback pause, not a zero Retry-After');
    },
    { ...QUICK_RETRIES, defaultRetryAfterMs: 300 },
  );
});

test('a body cut short under chunked framing is retried and read whole', async () => {
  await withEmulatorClient(
    {
      groups: 250,
      faults: [{ id: 'chunked-cut', endpoint: '/api/v2/groups', kind: 'truncate', framing: 'chunked', keepFraction: 0.5, firstN: 1 }],
    },
    async ({ emulator, client }) => {
      const pages = await readAll(client, streamByName('groups'), { pageSize: 100 });
      assert.deepEqual(
        emulator.firedFaults().map((f) => f.ruleId),
        ['chunked-cut'],
      );
      const expected = emulator
        .groundTruth({ collections: ['groups'] })
        .groups!.map((g) => g.id as number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        idsOf(pages).sort((a, b) => a - b),
        expected,
      );
    },
  );
});

/** A local server whose behaviour per request the test scripts; counts TCP connections. */
async function scriptedServer(handler: (n: number, res: http.ServerResponse) => void) {
  let requests = 0;
  let connections = 0;
  const server = http.createServer((_req, res) => handler(++requests, res));
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const API_TOKEN = { type: 'api_token', email: 'admin@example.com', apiToken: 'token' } as const;
const OK_BODY = JSON.stringify({ groups: [{ id: 1 }] });

test('keep-alive: many sequential requests travel over one socket', async () => {
  const server = await scriptedServer((_n, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(OK_BODY));
  const client = createZendeskClient({ baseUrl: server.baseUrl, auth: API_TOKEN, rate: false, http: { ...QUICK_RETRIES, connections: 1 } });
  try {
    for (let i = 0; i < 50; i++) await client.get(`/api/v2/groups.json?i=${i}`);
    assert.equal(server.requests(), 50);
    assert.equal(server.connections(), 1);
  } finally {
    await client.close();
    await server.close();
  }
});

test('headers timeout: a server that never answers is given up on after headersTimeoutMs, then retried', async () => {
  const server = await scriptedServer((n, res) => {
    if (n === 1) return; // never answers the first request
    res.writeHead(200, { 'content-type': 'application/json' }).end(OK_BODY);
  });
  await assertOneTimeoutThenSuccess(server, { headersTimeoutMs: 1000 });
  // With no retries left the timeout surfaces as a typed, retryable network error.
  const silent = await scriptedServer(() => {});
  const strict = createZendeskClient({
    baseUrl: silent.baseUrl,
    auth: API_TOKEN,
    rate: false,
    http: { ...QUICK_RETRIES, maxRetries: 0, headersTimeoutMs: 200 },
  });
  try {
    await assert.rejects(
      strict.get('/api/v2/groups.json'),
      (err: unknown) => err instanceof ZendeskNetworkError && err.retryable && /timeout/i.test(err.message),
    );
  } finally {
    await strict.close();
    await silent.close();
  }
});

test('body timeout: a body that stalls mid-way is given up on after bodyTimeoutMs, then retried', async () => {
  const server = await scriptedServer((n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (n === 1) return void res.write(OK_BODY.slice(0, 5)); // headers and a little body, then silence
    res.end(OK_BODY);
  });
  await assertOneTimeoutThenSuccess(server, { bodyTimeoutMs: 1000 });
});

/**
 * The first request times out and is retried until one succeeds: the right body, after short backoffs
 * (the computed waits, not the elapsed time, which a busy machine stretches). On a busy machine a
 * retry may be slow enough to time out as well, so more than one retry is allowed; the first, never
 * answered, must have been given up on for the call to return at all.
 */
async function assertOneTimeoutThenSuccess(
  server: Awaited<ReturnType<typeof scriptedServer>>,
  timeouts: { headersTimeoutMs?: number; bodyTimeoutMs?: number },
): Promise<void> {
  const events: RequestEvent[] = [];
  const client = createZendeskClient({
    baseUrl: server.baseUrl,
    auth: API_TOKEN,
    rate: false,
    http: { ...QUICK_RETRIES, ...timeouts },
    onRequest: (e) => events.push(e),
  });
  try {
    assert.deepEqual(await client.get('/api/v2/groups.json'), JSON.parse(OK_BODY));
    assert.ok(server.requests() >= 2, `requests: ${server.requests()}`);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.attempts, server.requests());
    assert.ok(events[0]!.waitedMs <= events[0]!.retries * QUICK_RETRIES.retryMaxDelayMs!, `backoff waits: ${events[0]!.waitedMs} ms`);
  } finally {
    await client.close();
    await server.close();
  }
}
