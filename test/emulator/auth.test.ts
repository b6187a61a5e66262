import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { adminAuth, basic, get, startSmall } from './helpers';

describe('authentication and permissions', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 20, users: 10 });
  });
  after(() => emulator.close());

  test('bad Basic credentials: 401 with the Basic body and WWW-Authenticate', async () => {
    const { status, body, headers } = await get(emulator, '/api/v2/groups.json', basic(emulator.credentials.admin.email, 'wrong'));
    assert.equal(status, 401);
    assert.deepEqual(body, { error: "Couldn't authenticate you" });
    assert.equal(headers.get('www-authenticate'), 'Basic realm="Web Password"');
    const missing = await get(emulator, '/api/v2/groups', null);
    assert.equal(missing.status, 401);
  });

  test('bad Bearer token: 401 invalid_token', async () => {
    const { status, body } = await get(emulator, '/api/v2/groups.json', 'Bearer not-a-token');
    assert.equal(status, 401);
    assert.deepEqual(body, {
      error: 'invalid_token',
      error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
    });
  });

  test('users/me: anonymous 200 without credentials or with a password, 401 for a wrong API token', async () => {
    for (const authorization of [null, 'Basic ' + Buffer.from('someone@example.com:password').toString('base64')]) {
      const { status, body } = await get(emulator, '/api/v2/users/me.json', authorization);
      assert.equal(status, 200);
      assert.equal(body.user.id, null);
      assert.equal(body.user.name, 'Anonymous user');
    }
    const wrong = await get(emulator, '/api/v2/users/me.json', basic(emulator.credentials.admin.email, 'nope'));
    assert.equal(wrong.status, 401);
    const me = await get(emulator, '/api/v2/users/me.json');
    assert.equal(me.body.user.id, emulator.credentials.admin.userId);
    assert.equal(me.body.user.role, 'admin');
  });

  test('an agent credential gets the object-shaped 403 on incremental exports but reads lists', async () => {
    const agent = basic(emulator.credentials.agent.email, emulator.credentials.agent.apiToken);
    for (const path of [
      '/api/v2/incremental/tickets/cursor.json?start_time=0',
      '/api/v2/incremental/organizations.json?start_time=0',
      '/api/v2/audit_logs.json',
    ]) {
      const { status, body } = await get(emulator, path, agent);
      assert.equal(status, 403, path);
      assert.equal(body.error.title, 'Forbidden');
      assert.match(body.error.message, /^You do not have access to this page/);
    }
    assert.equal((await get(emulator, '/api/v2/groups.json', agent)).status, 200);
    assert.equal((await get(emulator, '/api/v2/users/me.json', agent)).body.user.role, 'agent');
  });

  test('the plan gates ticket_forms (team) and audit_logs (below enterprise)', async () => {
    try {
      emulator.setPlan('professional');
      assert.equal((await get(emulator, '/api/v2/ticket_forms.json')).status, 200);
      const audit = await get(emulator, '/api/v2/audit_logs.json');
      assert.equal(audit.status, 403);
      assert.equal(audit.body.error.title, 'Forbidden');
      assert.equal(audit.headers.get('x-rate-limit'), null, 'limits are off in this suite');
      emulator.setPlan('team');
      assert.equal((await get(emulator, '/api/v2/ticket_forms.json')).status, 403);
      assert.equal(emulator.groundTruth({ collections: ['ticket_forms'] }).ticket_forms!.length, 0);
    } finally {
      emulator.setPlan('enterprise');
    }
    assert.equal((await get(emulator, '/api/v2/audit_logs.json')).status, 200);
  });

  test('credentials can be revoked and restored at runtime', async () => {
    const token = emulator.mintOAuthToken('read').accessToken;
    emulator.revokeCredentials();
    assert.equal((await get(emulator, '/api/v2/groups.json')).status, 401);
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${token}`)).body.error, 'invalid_token');
    emulator.restoreCredentials();
    assert.equal((await get(emulator, '/api/v2/groups.json')).status, 200);
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${token}`)).status, 200);
    emulator.revokeCredentials('agent');
    assert.equal(
      (await get(emulator, '/api/v2/groups.json', basic(emulator.credentials.agent.email, emulator.credentials.agent.apiToken))).status,
      401,
    );
    assert.equal((await get(emulator, '/api/v2/groups.json', adminAuth(emulator))).status, 200);
    emulator.restoreCredentials('agent');
  });

  test('an OAuth token without a read scope gets 403; unknown paths 404 InvalidEndpoint', async () => {
    const token = emulator.mintOAuthToken('impersonate').accessToken;
    const { status, body } = await get(emulator, '/api/v2/groups.json', `Bearer ${token}`);
    assert.equal(status, 403);
    assert.match(body.description, /missing the following required scopes/);
    const scoped = emulator.mintOAuthToken('users:read').accessToken;
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${scoped}`)).status, 200);
    assert.equal((await get(emulator, '/api/v2/audit_logs.json', `Bearer ${scoped}`)).status, 403);
    const unknown = await get(emulator, '/api/v2/no_such_thing.json');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'InvalidEndpoint');
  });
});
