// The log line rules: secrets scrubbed from text and secret-named fields, and source/collection
// derived from workflow and activity IDs when a line does not name them itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createPinoLogger, scrubText, scrubValue, sourceFields } from '../../orchestration/logging';

test('credentials are scrubbed from text and from secret-named fields', () => {
  assert.equal(scrubText('GET failed: Authorization: Bearer abcdef123456'), 'GET failed: Authorization: Bearer [redacted]');
  assert.equal(scrubText('Basic YWRtaW5AZXhhbXBsZS5jb20vdG9rZW46c2VjcmV0'), 'Basic [redacted]');
  assert.equal(scrubText('POST /oauth/tokens grant_type=refresh_token&refresh_token=r1x2&client_secret=s3'), 'POST /oauth/tokens grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]');
  const scrubbed = scrubValue({ accessToken: 'a', nested: { refresh_token: 'b', password: 'c', rows: 3 }, error: new Error('Bearer zzzzzzzz') }) as Record<string, any>;
  assert.equal(scrubbed.accessToken, '[redacted]');
  assert.deepEqual(scrubbed.nested, { refresh_token: '[redacted]', password: '[redacted]', rows: 3 });
  assert.equal(scrubbed.error.message, 'Bearer [redacted]');
});

test('source and collection come from workflow and activity IDs', () => {
  assert.deepEqual(sourceFields({ workflowId: 'zendesk-source-acme', activityId: 'sync tickets' }), { source: 'acme', collection: 'tickets', workflowId: 'zendesk-source-acme', activityId: 'sync tickets' });
  assert.deepEqual(sourceFields({ workflowId: 'zendesk-source-acme', activityId: '1' }), { source: 'acme', collection: null, workflowId: 'zendesk-source-acme', activityId: '1' });
  assert.equal(sourceFields({ workflowId: 'zendesk-source-acme/backfill/ticket_events/2020-01-01T00:00:00Z..2021-01-01T00:00:00Z' }).collection, 'ticket_events');
  assert.deepEqual(sourceFields({ source: 'acme', collection: 'users' }), { source: 'acme', collection: 'users' });
  assert.deepEqual(sourceFields({ taskQueue: 'zendesk-sync' }), { taskQueue: 'zendesk-sync' }, 'worker-wide lines name no source');
});

test('lines are JSON objects with level, time and message', () => {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, done) { out += chunk; done(); } });
  createPinoLogger('INFO', sink as never).info({ source: 'acme', collection: 'tickets' }, 'stream sync finished');
  const line = JSON.parse(out.trim());
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'stream sync finished');
  assert.equal(line.source, 'acme');
  assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
});
