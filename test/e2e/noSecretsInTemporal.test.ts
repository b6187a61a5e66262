// Credentials never reach Temporal or the logs: sources run with an OAuth credential (whose tokens
// rotate during the run) and an API token, through cycles and a backfill; then every workflow
// history (payloads decoded), memo, search attribute, heartbeat and the worker's own log output are
// searched for every secret. The rotated credential file stays owner-only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveCredential, saveCredential } from '../../credentials/store';
import { findTemporalCli } from '../../runtime/temporalCli';
import { sourceHandle } from '../../cli/sources';
import { backfillUpdate, syncNowSignal } from '../../workflows/messages';
import { sourceConfig, spawnWorkerProcess, startStack, startTestSource, waitForCycle, type Stack } from '../../harness/stack';

const run = promisify(execFile);
let stack: Stack;

before(async () => {
  stack = await startStack({ emulator: { tickets: 200, oauth: { accessTokenLifetimeSeconds: 400 } } });
});
after(async () => {
  await stack?.close();
});

/** Every string inside a JSON document, with base64 payload data decoded too. */
function expandPayloads(json: string): string {
  const parts = [json];
  for (const match of json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)) {
    parts.push(Buffer.from(match[1]!, 'base64').toString('utf8'));
  }
  return parts.join('\n');
}

test('no credential appears in workflow histories, memo, search attributes, heartbeats or logs; logs are structured', async () => {
  const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
  const { oauth, admin } = stack.emulator.credentials;
  // An access token that expires within the client's refresh margin: the first request rotates it.
  const minted = stack.emulator.mintOAuthToken('read', 400);
  const oauthRef = `file:${path.join(stack.tmp, 'credentials', 'oauth.json')}`;
  await saveCredential(oauthRef, {
    type: 'oauth',
    accessToken: minted.accessToken,
    refreshToken: minted.refreshToken,
    expiresAt: new Date(Date.now() + 200_000).toISOString(), // inside the 5-minute refresh margin
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
  });

  // One request that needs a retry, so the log has a line about it.
  stack.emulator.addFault({ id: 'groups-500', endpoint: '/api/v2/groups', kind: 'status', status: 500, firstN: 1 });
  const worker = spawnWorkerProcess(stack, { logLevel: 'DEBUG' });
  let logs = '';
  let stdout = '';
  worker.stdout!.removeAllListeners('data');
  worker.stdout!.on('data', (d) => {
    logs += d;
    stdout += d;
  });
  worker.stderr!.on('data', (d) => (logs += d));
  try {
    await startTestSource(
      stack,
      sourceConfig(stack, { name: 'secret_oauth', destination, credentialRef: oauthRef, collections: { activities: false } }),
    );
    await startTestSource(stack, sourceConfig(stack, { name: 'secret_token', destination, collections: { activities: false } }));
    await waitForCycle(stack, 'secret_oauth', 1);
    await waitForCycle(stack, 'secret_token', 1);
    const from = new Date((stack.emulator.now() - 800 * 86_400) * 1000).toISOString();
    await sourceHandle(stack.client, 'secret_oauth').executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from }] });
    await sourceHandle(stack.client, 'secret_oauth').signal(syncNowSignal);
    await waitForCycle(stack, 'secret_oauth', 2);
  } finally {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }

  const rotated = await resolveCredential(oauthRef);
  assert.equal(rotated.type, 'oauth');
  assert.notEqual((rotated as { accessToken: string }).accessToken, minted.accessToken, 'the access token rotated during the run');
  const secrets = [
    admin.apiToken,
    minted.accessToken,
    minted.refreshToken,
    oauth.clientSecret,
    (rotated as { accessToken: string }).accessToken,
    (rotated as { refreshToken?: string }).refreshToken!,
  ];

  const cli = findTemporalCli();
  const haystacks: Array<[string, string]> = [['worker logs', logs]];
  for await (const execution of stack.client.workflow.list()) {
    const shown = await run(
      cli,
      [
        'workflow',
        'show',
        '--address',
        stack.server.address,
        '--workflow-id',
        execution.workflowId,
        '--run-id',
        execution.runId,
        '--output',
        'json',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    haystacks.push([`history of ${execution.workflowId}`, expandPayloads(shown.stdout)]);
    const described = await run(cli, [
      'workflow',
      'describe',
      '--address',
      stack.server.address,
      '--workflow-id',
      execution.workflowId,
      '--run-id',
      execution.runId,
      '--output',
      'json',
    ]);
    haystacks.push([`memo, search attributes and pending heartbeats of ${execution.workflowId}`, expandPayloads(described.stdout)]);
  }
  assert.ok(haystacks.length > 5, 'histories were collected');
  assert.ok(
    haystacks.some(([, text]) => text.includes('secret_oauth')),
    'the search covers the source workflow',
  );
  for (const [where, text] of haystacks) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `a credential (${secret.slice(0, 4)}…) appears in ${where}`);
    }
  }

  // Structured logs: one JSON object per line, and every line about a source names it and the
  // collection (null for lines about the whole source).
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        assert.fail(`a worker log line is not JSON: ${l.slice(0, 200)}`);
      }
    });
  assert.ok(lines.length > 20, `log lines: ${lines.length}`);
  for (const line of lines) {
    assert.equal(typeof line.level, 'string');
    assert.equal(typeof line.msg, 'string');
    if (typeof line.workflowId === 'string' && line.workflowId.startsWith('zendesk-source-')) {
      assert.ok(line.source === 'secret_oauth' || line.source === 'secret_token', `no source on: ${JSON.stringify(line).slice(0, 300)}`);
      assert.ok('collection' in line, `no collection on: ${JSON.stringify(line).slice(0, 300)}`);
    }
    if (line.activityType === 'syncStream')
      assert.equal(typeof line.collection, 'string', `no collection on: ${JSON.stringify(line).slice(0, 300)}`);
  }
  const find = (msg: string, where: (l: Record<string, unknown>) => boolean = () => true) => lines.find((l) => l.msg === msg && where(l));
  assert.ok(
    find('cycle finished', (l) => l.source === 'secret_oauth' && l.collection === null),
    'a cycle-finished line',
  );
  assert.ok(
    find('stream synced', (l) => l.source === 'secret_token' && l.collection === 'tickets'),
    'a stream-synced line',
  );
  assert.ok(
    find('stream sync finished', (l) => l.source === 'secret_oauth' && l.collection === 'users'),
    'an activity line',
  );
  assert.ok(
    find('backfill started', (l) => l.source === 'secret_oauth' && l.collection === 'tickets'),
    'a backfill-started line',
  );
  assert.ok(
    find('Zendesk request succeeded after retries', (l) => typeof l.source === 'string' && l.collection === 'groups' && l.status === 200),
    'a retried-request line',
  );

  const mode = statSync(oauthRef.slice('file:'.length)).mode & 0o777;
  assert.equal(mode, 0o600, `credential file mode ${mode.toString(8)} after rotation`);
  assert.ok(readFileSync(oauthRef.slice('file:'.length), 'utf8').includes((rotated as { refreshToken?: string }).refreshToken!));
});
