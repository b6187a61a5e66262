// The quick start's decisions, without Temporal: which settings changed between the running
// source and the requested one (any change means replace), which row counts belong to the cycle
// this invocation ran, and whether a server's Web UI is where it is usually put.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedSettings } from '../../../cli/sources';
import { createServer } from 'node:http';
import { cycleRows } from '../../../cli/quickstart/cycleReport';
import { probeWebUi } from '../../../cli/quickstart/temporal';
import { freePort } from '../../../runtime/freePort';
import type { SourceConfig, SourceStatus } from '../../../workflows/types';

const demo: SourceConfig = {
  name: 'zendesk_demo',
  baseUrl: 'http://127.0.0.1:8484',
  credentialRef: 'file:/data/credentials/zendesk_demo.json',
  destination: 'sqlite:///data/warehouse',
  intervalSeconds: 10800,
  rate: { windowMs: 3000 },
};

test('the same settings are not a change, whatever the key order or undefined members', () => {
  const reordered = {
    rate: { windowMs: 3000 },
    intervalSeconds: 10800,
    destination: demo.destination,
    credentialRef: demo.credentialRef,
    baseUrl: demo.baseUrl,
    name: demo.name,
    lookbackDays: undefined,
  };
  assert.deepEqual(changedSettings(demo, reordered as SourceConfig), []);
});

test('real credentials after a demo change the account and the credential', () => {
  const real: SourceConfig = {
    name: 'zendesk_demo',
    subdomain: 'acme',
    credentialRef: 'env:ZENDESK',
    destination: demo.destination,
    intervalSeconds: 10800,
  };
  assert.deepEqual(changedSettings(demo, real), ['baseUrl', 'credentialRef', 'rate', 'subdomain']);
});

test('a nested change is a change', () => {
  assert.deepEqual(changedSettings(demo, { ...demo, rate: { windowMs: 60_000 } }), ['rate']);
  assert.deepEqual(changedSettings(demo, { ...demo, intervalSeconds: 60 }), ['intervalSeconds']);
});

test("only the streams that succeeded in this invocation's cycle show rows synced in it", () => {
  const status = {
    lastCycle: { startedAt: '2026-11-27T10:00:00.000Z', finishedAt: '2026-11-27T10:01:00.000Z', rows: 130, failedStreams: ['users'] },
    collections: {
      tickets: { enabled: true, lastSuccessAt: '2026-11-27T10:00:40.000Z', lastRows: 130 },
      // Its stream failed this cycle: the 40 rows are from an earlier cycle and must not be shown as new.
      users: { enabled: true, lastSuccessAt: '2026-11-27T07:00:40.000Z', lastRows: 40, lastError: 'HTTP 500' },
      groups: { enabled: false },
    },
  } as unknown as SourceStatus;
  const rows = cycleRows(status, { tickets: 500, users: 40 });
  assert.deepEqual(
    new Map(rows.map(([table, ...cells]) => [table, cells])),
    new Map([
      ['tickets', ['500', '130', '']],
      ['users', ['40', '', 'HTTP 500']],
    ]),
    'disabled collections are left out; a failed stream keeps its warehouse count but no rows for this cycle',
  );
});

test('the Web UI of a server the quick start did not start is linked only if it answers there', async () => {
  assert.equal(await probeWebUi('127.0.0.1', await freePort()), null, 'nothing listening: unknown');
  const notTheUi = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>some other service</p>'),
  );
  // What the Temporal UI server answers at /api/v1/settings (ui-server v2.42.1, trimmed).
  const ui = createServer((req, res) =>
    req.url === '/api/v1/settings'
      ? res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ Auth: { Enabled: false, Options: null }, DefaultNamespace: '', Version: '2.42.1' }))
      : res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>'),
  );
  await Promise.all([notTheUi, ui].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  try {
    const port = (s: typeof ui) => (s.address() as { port: number }).port;
    assert.equal(await probeWebUi('127.0.0.1', port(notTheUi)), null, 'another service on that port is not the UI');
    assert.equal(await probeWebUi('127.0.0.1', port(ui)), `http://127.0.0.1:${port(ui)}`);
  } finally {
    await Promise.all([notTheUi, ui].map((s) => new Promise((r) => s.close(r))));
  }
});
