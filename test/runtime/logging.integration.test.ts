// The log line rules: secrets scrubbed from text and secret-named fields, source/collection
// derived from workflow and activity IDs when a line does not name them itself, and Temporal
// Core's native lines forwarded into the same JSON stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createPinoLogger, scrubText, scrubValue, sourceFields } from '../../runtime/logging';
import { coreLogFilter } from '../../runtime/worker';
import { startDevServer } from '../../runtime/devServer';

test('credentials are scrubbed from text and from secret-named fields', () => {
  assert.equal(scrubText('GET failed: Authorization: Bearer abcdef123456'), 'GET failed: Authorization: Bearer [redacted]');
  assert.equal(scrubText('Basic YWRtaW5AZXhhbXBsZS5jb20vdG9rZW46c2VjcmV0'), 'Basic [redacted]');
  assert.equal(
    scrubText('POST /oauth/tokens grant_type=refresh_token&refresh_token=r1x2&client_secret=s3'),
    'POST /oauth/tokens grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]',
  );
  const scrubbed = scrubValue({
    accessToken: 'a',
    nested: { refresh_token: 'b', password: 'c', rows: 3 },
    error: new Error('Bearer zzzzzzzz'),
  }) as Record<string, any>;
  assert.equal(scrubbed.accessToken, '[redacted]');
  assert.deepEqual(scrubbed.nested, { refresh_token: '[redacted]', password: '[redacted]', rows: 3 });
  assert.equal(scrubbed.error.message, 'Bearer [redacted]');
});

test('source and collection come from workflow and activity IDs', () => {
  assert.deepEqual(sourceFields({ workflowId: 'zendesk-source-acme', activityId: 'sync tickets' }), {
    source: 'acme',
    collection: 'tickets',
    workflowId: 'zendesk-source-acme',
    activityId: 'sync tickets',
  });
  assert.deepEqual(sourceFields({ workflowId: 'zendesk-source-acme', activityId: '1' }), {
    source: 'acme',
    collection: null,
    workflowId: 'zendesk-source-acme',
    activityId: '1',
  });
  assert.equal(
    sourceFields({ workflowId: 'zendesk-source-acme/backfill/ticket_events/2020-01-01T00:00:00Z..2021-01-01T00:00:00Z' }).collection,
    'ticket_events',
  );
  assert.deepEqual(sourceFields({ source: 'acme', collection: 'users' }), { source: 'acme', collection: 'users' });
  assert.deepEqual(sourceFields({ taskQueue: 'zendesk-sync' }), { taskQueue: 'zendesk-sync' }, 'worker-wide lines name no source');
});

test('lines are JSON objects with level, time and message', () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += chunk;
      done();
    },
  });
  createPinoLogger('INFO', sink as never).info({ source: 'acme', collection: 'tickets' }, 'stream sync finished');
  const line = JSON.parse(out.trim());
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'stream sync finished');
  assert.equal(line.source, 'acme');
  assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
});

test("Temporal Core's own lines come through our logger as JSON on stdout, none on stderr", async () => {
  const server = await startDevServer({ uiPort: null });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'coreLogProbe.ts')], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, TEMPORAL_ADDRESS: server.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `the probe failed: ${stderr}`);

    const lines = stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          assert.fail(`a stdout line is not JSON: ${line}`);
        }
      });
    const coreLines = lines.filter((l) => l.sdkComponent === 'core');
    assert.ok(
      coreLines.some((l) => l.msg === 'Initializing worker' && l.level === 'info' && l.taskQueue),
      `Core's "Initializing worker" line should be forwarded with its fields; got ${JSON.stringify(coreLines)}`,
    );
    assert.ok(
      coreLines.every((l) => typeof l.time === 'string' && typeof l.target === 'string'),
      "forwarded lines keep pino's shape and Core's target",
    );
    assert.equal(stderr, '', 'nothing may bypass the logger onto stderr');
  } finally {
    await server.stop();
  }
});

test('the Core log filter follows the worker level but keeps other native crates at WARN or above', () => {
  assert.deepEqual(coreLogFilter('DEBUG'), { core: 'DEBUG', other: 'WARN' });
  assert.deepEqual(coreLogFilter('INFO'), { core: 'INFO', other: 'WARN' });
  assert.deepEqual(coreLogFilter('ERROR'), { core: 'ERROR', other: 'ERROR' });
});
