import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { freePort } from '../../runtime/freePort';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { authorize } from '../../cli/auth';
import { resolveCredential } from '../../credentials/store';
import { get, startSmall } from '../emulator/helpers';

const ROOT = path.resolve(__dirname, '../..');

describe('client.ts auth', () => {
  let emulator: Emulator;
  let port: number;
  const dir = mkdtempSync(path.join(tmpdir(), 'zs-auth-'));
  before(async () => {
    port = await freePort();
    emulator = await startSmall({ tickets: 5, users: 3, oauth: { redirectUris: [`http://127.0.0.1:${port}/oauth/callback`] } });
  });
  after(() => emulator.close());

  test('authorization code + PKCE from a terminal: URL printed, loopback redirect, tokens stored 0600', async () => {
    const file = path.join(dir, 'acme.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'client.ts',
        'auth',
        'acme',
        '--base-url',
        emulator.baseUrl,
        '--client-id',
        emulator.credentials.oauth.clientId,
        '--client-secret',
        emulator.credentials.oauth.clientSecret,
        '--credential',
        `file:${file}`,
        '--port',
        String(port),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /(http\S+\/oauth\/authorizations\/new\?\S+)/.exec(out);
        if (m && out.includes('Waiting for the redirect')) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`auth exited early: ${out}${err}`)));
    });
    const auth = new URL(url);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(auth.searchParams.get('state'));
    assert.equal(auth.searchParams.get('client_secret'), null, 'no secret in the URL');
    // Play the browser: Zendesk answers with a 302 to the loopback redirect.
    const approval = await fetch(url, { redirect: 'manual' });
    assert.equal(approval.status, 302);
    const callback = await fetch(approval.headers.get('location')!);
    assert.equal(callback.status, 200);
    assert.equal(await exited, 0, out + err);
    assert.match(out, /authorized acme: tokens stored/);
    assert.match(out, /2027-04-30/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = await resolveCredential(`file:${file}`);
    assert.equal(stored.type, 'oauth');
    if (stored.type !== 'oauth') return;
    assert.ok(stored.refreshToken && stored.expiresAt);
    assert.equal(stored.clientId, emulator.credentials.oauth.clientId);
    assert.ok(!out.includes(stored.accessToken) && !out.includes(stored.refreshToken!), 'tokens never printed');
    assert.equal((await get(emulator, '/api/v2/users/me.json', `Bearer ${stored.accessToken}`)).status, 200);
  });

  test('a redirect with the wrong state is refused and nothing is stored', async () => {
    const file = path.join(dir, 'wrong-state.json');
    const p = authorize({
      baseUrl: emulator.baseUrl,
      clientId: emulator.credentials.oauth.clientId,
      credentialRef: `file:${file}`,
      port,
      log: () => {},
      onAuthorizationUrl: (url) => {
        void (async () => {
          const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
          location.searchParams.set('state', 'forged');
          const r = await fetch(location);
          assert.equal(r.status, 400);
        })();
      },
    });
    await assert.rejects(p, /state parameter does not match/);
    assert.throws(() => statSync(file));
  });

  test('client_credentials grant for a confidential client', async () => {
    const file = path.join(dir, 'cc.json');
    const result = await authorize({
      baseUrl: emulator.baseUrl,
      clientId: emulator.credentials.oauth.clientId,
      clientSecret: emulator.credentials.oauth.clientSecret,
      credentialRef: `file:${file}`,
      grant: 'client_credentials',
      log: () => {},
    });
    assert.equal(result.hasRefreshToken, false);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(stored.type, 'oauth');
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${stored.accessToken}`)).status, 200);
    await assert.rejects(
      authorize({
        baseUrl: emulator.baseUrl,
        clientId: emulator.credentials.oauth.clientId,
        clientSecret: 'wrong',
        credentialRef: `file:${file}.2`,
        grant: 'client_credentials',
        log: () => {},
      }),
      /refused/,
    );
  });
});
