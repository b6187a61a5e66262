// The client, the catalog and the writers together against the emulator, without Temporal: limits
// kept with no 429, every fault kind survived, clear errors, plan-gated collections skipped, the
// credential never sent to a foreign host, and resuming from any page's cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections, streamByName } from '../../catalog/collections';
import { saveCredential } from '../../credentials/store';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { validateSourceConfig } from '../../config/sourceConfig';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';
import { ManualClock } from '../support/manualClock';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { createZendeskClient, RateBudget, type JsonRecord } from '../../zendesk';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));

async function withAccount<T>(
  options: EmulatorOptions,
  fn: (ctx: { emulator: Emulator; tmp: string; credentialRef: string; resources: WorkerResources }) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false, ...options });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-sync-'));
  const credentialRef = await saveAdminCredential(emulator, tmp);
  const resources = new WorkerResources();
  try {
    return await fn({ emulator, tmp, credentialRef, resources });
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** One cycle of every enabled stream, three at a time, as the workflow runs them. */
async function syncAll(resources: WorkerResources, config: SourceConfig): Promise<Record<string, StreamResult>> {
  const queue = enabledStreams(config);
  const results: Record<string, StreamResult> = {};
  const lane = async () => {
    for (let stream = queue.shift(); stream; stream = queue.shift()) {
      results[stream] = await runSyncStream(
        { config, stream, cursor: null, mode: 'incremental', runTag: 'test' },
        {
          destination: await resources.destination(config.destination),
          session: await resources.session(config),
          heartbeat: () => {},
          signal: new AbortController().signal,
          log: () => {},
        },
      );
    }
  };
  await Promise.all([lane(), lane(), lane()]);
  return results;
}

test('a rate-limited account: the caps are kept, no 429, and the warehouse equals the ground truth', async () => {
  const minuteMs = 1000;
  await withAccount(
    { tickets: 2300, rateLimits: { minuteMs, exportPerMinute: 4, corePerMinute: 12 } },
    async ({ emulator, tmp, credentialRef, resources }) => {
      const destination = `sqlite://${path.join(tmp, 'wh')}`;
      const config: SourceConfig = {
        name: 'limited',
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: allOn,
        rate: { windowMs: minuteMs, exportPerMinute: 4, corePerMinute: 12 },
      };
      const firstSyncAfterMs = Date.now();
      await syncAll(resources, config);
      assert.deepEqual(emulator.requestLog.countByStatus()[429] ?? 0, 0, 'no 429 in steady state');
      assert.ok(
        emulator.requestLog.maxPerWindow(/incremental/) <= 4,
        `export requests per window: ${emulator.requestLog.maxPerWindow(/incremental/)}`,
      );
      assert.ok(emulator.requestLog.maxPerWindow() <= 12, `requests per window: ${emulator.requestLog.maxPerWindow()}`);
      await assertWarehouseMatches(
        destination,
        'limited',
        expectedRowsFor(
          emulator,
          { lookbackDays: config.lookbackDays, firstSyncAfterMs },
          collections.map((c) => c.name),
        ),
      );
    },
  );
});

test('a >1000 same-second run (tickets and their events) lands whole: the warehouse equals the ground truth', async () => {
  // SMALL_ACCOUNT switches the run off; here it is on, larger than an export page, with the
  // same-second records in Zendesk's arbitrary order.
  await withAccount(
    { tickets: 2300, sameSecondRun: 1100, quirks: { sameSecondOrder: 'shuffled' } },
    async ({ emulator, tmp, credentialRef, resources }) => {
      assert.ok(emulator.sameSecondRun.tickets > 1000);
      const destination = `sqlite://${path.join(tmp, 'wh')}`;
      const config: SourceConfig = {
        name: 'same_second',
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: allOn,
        lookbackDays: 3650,
        rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      };
      const firstSyncAfterMs = Date.now();
      const results = await syncAll(resources, config);
      assert.ok(
        results.tickets!.rows >= 2300 && results.ticket_events!.rows > 1100,
        JSON.stringify({ tickets: results.tickets!.rows, events: results.ticket_events!.rows }),
      );
      await assertWarehouseMatches(
        destination,
        'same_second',
        expectedRowsFor(
          emulator,
          { lookbackDays: config.lookbackDays, firstSyncAfterMs },
          collections.map((c) => c.name),
        ),
      );
    },
  );
});

test('a 429 storm after a limit dip: the first refusal reports the real limit again, so requests do not crawl at the dip pace', async () => {
  // The chaos run's slowest minutes: the client learned 2 per minute during a dip, and the storm's
  // 429s were then its only answers. Zendesk reports the account's limit on a 429 too, and the client
  // must take it from there instead of waiting out a minute per request.
  await withAccount({ tickets: 20, rateLimits: { minuteMs: 60_000, corePerMinute: 2, exportPerMinute: 1 } }, async ({ emulator }) => {
    // The budget runs on a clock the test moves, only while a request waits for it: the wait is
    // measured in the budget's time, which a busy machine does not stretch.
    const clock = new ManualClock();
    const budget = new RateBudget({ corePerMinute: 1000, windowMs: 60_000 }, clock);
    const { email, apiToken } = emulator.credentials.admin;
    const client = createZendeskClient({ baseUrl: emulator.baseUrl, auth: { type: 'api_token', email, apiToken }, rate: { budget } });
    try {
      await client.get('/api/v2/groups.json');
      assert.equal(budget.snapshot().core.limit, 2, 'the dip is learned from the headers');
      emulator.setRateLimits({ enabled: true, corePerMinute: 700, exportPerMinute: 10, minuteMs: 60_000 });
      emulator.setFaults([{ id: 'storm', endpoint: '/api/v2/*', kind: 'status', status: 429, retryAfterSeconds: 1, firstN: 3 }]);
      let done = false;
      const calls = (async () => {
        for (let i = 0; i < 3; i++) await client.get(`/api/v2/groups.json?i=${i}`);
      })().finally(() => (done = true));
      let waitedMs = 0;
      while (!done && waitedMs <= 120_000) {
        if (budget.snapshot().core.waiting > 0) {
          clock.advance(100);
          waitedMs += 100;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      assert.ok(done, `still waiting after ${waitedMs} ms of the budget's time`);
      await calls;
      // Three Retry-Afters of 1 s; at the dip's pace the second refused request alone would wait most of a minute.
      assert.ok(waitedMs >= 3000 && waitedMs < 20_000, `waited ${waitedMs} ms of the budget's time`);
      assert.equal(emulator.firedFaults().length, 3);
      assert.equal(budget.snapshot().core.limit, 700);
    } finally {
      await client.close();
    }
  });
});

test('every fault kind is survived and nothing is lost', async () => {
  await withAccount(
    {
      tickets: 2300,
      faults: [
        { id: 'groups-500', endpoint: '/api/v2/groups', kind: 'status', status: 500, firstN: 1 },
        { id: 'users-502', endpoint: '/api/v2/incremental/users/cursor', kind: 'status', status: 502, firstN: 1 },
        { id: 'events-503', endpoint: '/api/v2/incremental/ticket_events', kind: 'status', status: 503, retryAfterSeconds: 1, firstN: 1 },
        { id: 'tickets-504', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'status', status: 504, perPageAbove: 500, firstN: 2 },
        { id: 'orgs-reset', endpoint: '/api/v2/incremental/organizations', kind: 'reset', firstN: 1 },
        { id: 'fields-truncate', endpoint: '/api/v2/ticket_fields', kind: 'truncate', firstN: 1 },
        { id: 'skips-latency', endpoint: '/api/v2/skips', kind: 'latency', latencyMs: 300, firstN: 2 },
      ],
    },
    async ({ emulator, tmp, credentialRef, resources }) => {
      const destination = `sqlite://${path.join(tmp, 'wh')}`;
      const config: SourceConfig = {
        name: 'faulty',
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: allOn,
        rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      };
      const firstSyncAfterMs = Date.now();
      await syncAll(resources, config);
      const fired = new Set(emulator.firedFaults().map((f) => f.ruleId));
      for (const id of ['groups-500', 'users-502', 'events-503', 'tickets-504', 'orgs-reset', 'fields-truncate', 'skips-latency']) {
        assert.ok(fired.has(id), `fault ${id} fired`);
      }
      await assertWarehouseMatches(
        destination,
        'faulty',
        expectedRowsFor(
          emulator,
          { lookbackDays: config.lookbackDays, firstSyncAfterMs },
          collections.map((c) => c.name),
        ),
      );
    },
  );
});

test('clear messages: bad credentials, non-admin, malformed subdomain; plan-gated collections are skipped', async () => {
  await withAccount({ plan: 'team' }, async ({ emulator, tmp, resources }) => {
    const destination = `sqlite://${path.join(tmp, 'wh')}`;
    const wrongRef = `file:${path.join(tmp, 'wrong.json')}`;
    await saveCredential(wrongRef, { type: 'api_token', email: emulator.credentials.admin.email, token: 'nope' });
    const agentRef = `file:${path.join(tmp, 'agent.json')}`;
    await saveCredential(agentRef, {
      type: 'api_token',
      email: emulator.credentials.agent.email,
      token: emulator.credentials.agent.apiToken,
    });
    const base = { name: 'msgs', baseUrl: emulator.baseUrl, destination };

    await assert.rejects(
      (await resources.session({ ...base, credentialRef: wrongRef })).checkCredentials(),
      (err: Error & { type?: string }) => {
        assert.equal(err.type, 'ZendeskAuthError');
        assert.match(err.message, /authenticate|credentials/i);
        return true;
      },
    );
    await assert.rejects((await resources.session({ ...base, credentialRef: agentRef })).checkCredentials(), (err: Error) => {
      assert.match(err.message, /role "agent"/);
      assert.match(err.message, /admin/);
      return true;
    });
    assert.throws(
      () => validateSourceConfig({ ...base, baseUrl: undefined, subdomain: 'x', credentialRef: wrongRef, name: 'Bad Name' }),
      /name: must be a warehouse schema name/,
    );
    await assert.rejects(
      resources.session({ name: 'msgs', subdomain: 'acme.zendesk.com.zendesk.com', credentialRef: wrongRef, destination }),
      /acme\.zendesk\.com\.zendesk\.com.*expected the account subdomain only/,
    );

    const adminRef = `file:${path.join(tmp, 'admin.json')}`;
    const config: SourceConfig = { ...base, credentialRef: adminRef, collections: { audit_logs: true } };
    const results = await syncAll(resources, { ...config, rate: { corePerMinute: 1e5, exportPerMinute: 1e5 } });
    assert.match(results.ticket_forms!.skipped ?? '', /access|Forbidden/i);
    assert.match(results.audit_logs!.skipped ?? '', /access|Forbidden/i);
    assert.ok(results.tickets!.rows > 0, 'the other collections carried on');
  });
});

test('a next link on a foreign host never receives the credential', async () => {
  const seen: Array<string | undefined> = [];
  const hostile = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"groups":[],"meta":{"has_more":false}}');
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', () => r()));
  const hostileUrl = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
  try {
    await withAccount({ groups: 250, canonicalBaseUrl: hostileUrl }, async ({ emulator, tmp, credentialRef, resources }) => {
      const destination = `sqlite://${path.join(tmp, 'wh')}`;
      const config: SourceConfig = {
        name: 'hostile',
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: Object.fromEntries(collections.map((c) => [c.name, c.name === 'groups'])),
      };
      const results = await syncAll(resources, config);
      assert.equal(results.groups!.pages, 3, 'paged through links that name the foreign host');
      assert.equal(results.groups!.rows, emulator.groundTruth({ collections: ['groups'] }).groups!.length);
    });
  } finally {
    hostile.close();
  }
  assert.deepEqual(seen, [], 'the foreign host got no request at all');
});

test('resuming the ticket export from any page cursor yields exactly the rest', async () => {
  await withAccount({ tickets: 2300 }, async ({ emulator, credentialRef, resources }) => {
    const config = {
      name: 'resume',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: 'sqlite://unused',
      rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
    };
    const session = await resources.session(config);
    const stream = streamByName('tickets');
    const pages: Array<{ ids: number[]; cursor: unknown }> = [];
    for await (const page of session.paginate(stream, { startTime: 0, pageSize: 500 })) {
      pages.push({ ids: page.records.map((r: JsonRecord) => r.id as number), cursor: page.resumeCursor });
    }
    const all = pages.flatMap((p) => p.ids);
    assert.equal(new Set(all).size, all.length, 'no ticket twice');
    assert.ok(pages.length >= 4);
    for (let i = 0; i < pages.length - 1; i++) {
      const rest: number[] = [];
      for await (const page of session.paginate(stream, { resumeCursor: pages[i]!.cursor as never, pageSize: 500 })) {
        rest.push(...page.records.map((r: JsonRecord) => r.id as number));
      }
      assert.deepEqual(
        rest,
        pages.slice(i + 1).flatMap((p) => p.ids),
        `resume after page ${i + 1}`,
      );
    }
  });
});
