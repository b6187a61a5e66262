// The activities' building blocks without Temporal: how errors become Temporal failures (a
// Retry-After becomes the next retry delay), and the worker's per-account resources (one connection
// pool per account however its address is written; the strictest rate settings of its sources).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { toFailure } from '../../activities';
import { WorkerResources, strictestRateSettings } from '../../activities/resources';
import { streamWindow } from '../../activities/streamWindow';
import { streamByName } from '../../catalog/collections';
import { saveCredential } from '../../credentials/store';
import { rateBudgetFor, ZendeskAuthError, ZendeskRateLimitedError, ZendeskServerError } from '../../zendesk';
import type { SourceConfig } from '../../workflows/types';

test('toFailure: a Retry-After becomes the next retry delay of a benign, retryable failure', () => {
  const failure = toFailure(new ZendeskRateLimitedError('Zendesk asked to wait', { status: 429, retryAfterMs: 42_000 }));
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.type, 'ZendeskRateLimitedError');
  assert.equal(failure.nextRetryDelay, 42_000);
  assert.equal(failure.nonRetryable, false);
  assert.equal(failure.category, ApplicationFailureCategory.BENIGN);
  assert.equal(failure.message, 'Zendesk asked to wait');
});

test('toFailure: credential errors are not retried; other errors keep the retry policy', () => {
  const auth = toFailure(new ZendeskAuthError('wrong token', { status: 401 }));
  assert.ok(auth instanceof ApplicationFailure);
  assert.equal(auth.type, 'ZendeskAuthError');
  assert.equal(auth.nonRetryable, true);
  const server = new ZendeskServerError('502 after retries', { status: 502 });
  assert.equal(toFailure(server), server, 'retried by the activity retry policy as is');
  const zeroWait = Object.assign(new Error('no wait'), { retryAfterMs: 0 });
  assert.equal(toFailure(zeroWait), zeroWait, 'a zero Retry-After sets no delay');
});

test('an account is its normalised address, whatever way a source writes it', () => {
  const acme = WorkerResources.accountKey({ subdomain: 'acme' });
  assert.equal(acme, 'https://acme.zendesk.com');
  for (const written of ['ACME', ' acme.zendesk.com ', 'https://acme.zendesk.com/']) {
    assert.equal(WorkerResources.accountKey({ subdomain: written }), acme, written);
  }
  assert.equal(
    WorkerResources.accountKey({ baseUrl: 'HTTP://127.0.0.1:9/' }),
    WorkerResources.accountKey({ baseUrl: 'http://127.0.0.1:9' }),
  );
  assert.notEqual(WorkerResources.accountKey({ subdomain: 'acme' }), WorkerResources.accountKey({ subdomain: 'acme2' }));
});

test('the strictest rate settings: lowest caps and share, longest window', () => {
  assert.deepEqual(
    strictestRateSettings([
      { corePerMinute: 100, share: 0.8 },
      { corePerMinute: 50, exportPerMinute: 30, windowMs: 1000 },
      { windowMs: 2000 },
    ]),
    { corePerMinute: 50, exportPerMinute: 30, share: 0.8, windowMs: 2000 },
  );
  assert.deepEqual(strictestRateSettings([]), {});
});

test('sources on one account written differently share one connection pool and the strictest rate budget', async () => {
  let connections = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ user: { id: 7, role: 'admin', name: 'Admin' } }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-resources-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = `file:${path.join(tmp, 'admin.json')}`;
    await saveCredential(credentialRef, { type: 'api_token', email: 'admin@example.com', token: 'token' });
    const source = (name: string, baseUrl: string, rate: SourceConfig['rate']): SourceConfig => ({
      name,
      baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
      rate,
    });
    const fast = source('fast', `http://127.0.0.1:${port}`, { corePerMinute: 100_000, exportPerMinute: 500, share: 1 });
    const careful = source('careful', `HTTP://127.0.0.1:${port}/`, { corePerMinute: 50_000, share: 0.5 });

    // One after the other on a keep-alive pool: one connection if, and only if, the pool is shared.
    for (const config of [fast, careful, fast]) await (await resources.session(config)).checkCredentials();
    assert.equal(connections, 1, `connections opened: ${connections}`);

    // The budget of the account keeps the strictest settings, even after the less careful source ran last.
    const budget = rateBudgetFor(WorkerResources.accountKey(fast)).currentSettings;
    assert.equal(budget.corePerMinute, 50_000);
    assert.equal(budget.share, 0.5);
    assert.equal(budget.exportPerMinute, 500);

    // When the careful source relaxes its settings (setRate), the next strictest source's apply.
    await resources.session({ ...careful, rate: { corePerMinute: 200_000, share: 1 } });
    assert.equal(rateBudgetFor(WorkerResources.accountKey(fast)).currentSettings.corePerMinute, 100_000);
    assert.equal(rateBudgetFor(WorkerResources.accountKey(fast)).currentSettings.share, 1);
  } finally {
    await resources.close();
    await new Promise((r) => server.close(r));
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("a stream run's read window: a backfill's range, the source's lookback, the whole history, or none", () => {
  const config = { name: 'acme', subdomain: 'acme', credentialRef: 'env:Z', destination: 'sqlite://./w', lookbackDays: 30 } as SourceConfig;
  const nowMs = Date.UTC(2025, 0, 31);
  const clock = () => nowMs;
  const input = (stream: string, mode: 'incremental' | 'backfill' = 'incremental') => ({
    config,
    stream,
    cursor: null,
    mode,
    runTag: 't',
    ...(mode === 'backfill' ? { range: { from: 100, to: 200 } } : {}),
  });
  const tickets = streamByName('tickets');
  assert.deepEqual(streamWindow(input('tickets', 'backfill'), tickets, null, clock), { resumeCursor: null, startTime: 100, endTime: 200 });
  assert.deepEqual(streamWindow(input('tickets'), tickets, null, clock), { resumeCursor: null, startTime: nowMs / 1000 - 30 * 86_400 });
  assert.deepEqual(
    streamWindow(input('tickets'), { ...tickets, initialLookbackDays: null }, { seq: 3, value: { cursor: 'abc' } }, clock),
    { resumeCursor: { cursor: 'abc' }, startTime: 0 },
    'a resume position travels with the start time; paginate prefers it',
  );
  assert.deepEqual(streamWindow(input('groups'), streamByName('groups'), null, clock), { resumeCursor: null }, 'lists have no start');
  assert.deepEqual(
    streamWindow({ ...input('tickets'), config: { ...config, lookbackDays: undefined } }, tickets, null, clock).startTime,
    nowMs / 1000 - 365 * 86_400,
    'the default lookback is a year',
  );
});
