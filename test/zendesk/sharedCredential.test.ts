// OAuth credentials shared by several worker processes, and credentials from the environment.
// Two independent clients stand in for two processes: each reads the credential file itself and
// holds its own copy of the refresh token, exactly as two workers would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  credentialFileTokenStore,
  CredentialLockTimeoutError,
  resolveCredential,
  saveCredential,
  withCredentialFileLock,
  type OAuthCredential,
} from '../../credentials/store';
import type { Emulator } from '../../emulator';
import { createZendeskClient, InvalidSettingsError, type ZendeskClient, ZendeskAuthError } from '../../zendesk';
import { startSmall } from '../emulator/helpers';
import { FAST_HTTP } from './stubServer';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-shared-cred-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What a worker does: read the file, build a client whose rotations are saved back to it. */
async function workerClient(emulator: Emulator, credentialRef: string, shared: boolean): Promise<ZendeskClient> {
  const credential = (await resolveCredential(credentialRef)) as OAuthCredential;
  return createZendeskClient({
    baseUrl: emulator.baseUrl,
    rate: false,
    http: FAST_HTTP,
    auth: {
      type: 'oauth',
      accessToken: credential.accessToken,
      refreshToken: credential.refreshToken,
      expiresAt: credential.expiresAt ? Date.parse(credential.expiresAt) : undefined,
      clientId: credential.clientId,
      onTokensRotated: async (tokens) => {
        await saveCredential(credentialRef, {
          ...credential,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
        });
      },
      ...(shared ? { sharedStore: credentialFileTokenStore(credentialRef) } : {}),
    },
  });
}

describe('two processes refreshing one OAuth credential file', () => {
  let emulator: Emulator;
  let clients: ZendeskClient[] = [];
  before(async () => {
    emulator = await startSmall({ tickets: 5, users: 3 });
  });
  after(() => emulator.close());
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });

  /** A credential file whose access token is about to expire, so every holder wants to refresh it. */
  async function expiringCredentialFile(name: string): Promise<string> {
    const minted = emulator.mintOAuthToken('read', 3600);
    const ref = `file:${path.join(tmp, name)}`;
    await saveCredential(ref, {
      type: 'oauth',
      accessToken: minted.accessToken,
      refreshToken: minted.refreshToken,
      expiresAt: new Date(Date.now() + 60_000).toISOString(), // inside the 5-minute refresh skew
      clientId: emulator.credentials.oauth.clientId,
    });
    return ref;
  }

  const refreshRequests = () => emulator.requestLog.entries().filter((e) => e.path === '/oauth/tokens');

  it('without the shared store the slower process spends a dead refresh token (the race being fixed)', async () => {
    const ref = await expiringCredentialFile('unshared.json');
    clients = [await workerClient(emulator, ref, false), await workerClient(emulator, ref, false)];
    const before = refreshRequests().length;
    const results = await Promise.allSettled(clients.map((c) => c.get('/api/v2/groups.json')));
    assert.equal(refreshRequests().length - before, 2, 'both processes refreshed');
    const failures = results.filter((r) => r.status === 'rejected');
    assert.equal(failures.length, 1);
    assert.ok((failures[0] as PromiseRejectedResult).reason instanceof ZendeskAuthError);
  });

  it('with the shared store only one process refreshes; the other adopts the stored pair', async () => {
    const ref = await expiringCredentialFile('shared.json');
    clients = [await workerClient(emulator, ref, true), await workerClient(emulator, ref, true)];
    const before = refreshRequests().length;
    await Promise.all(clients.map((c) => c.get('/api/v2/groups.json')));
    assert.equal(refreshRequests().length - before, 1, 'exactly one refresh token spent');
    // Both keep working with the one live pair, and the file holds it.
    await Promise.all(clients.map((c) => c.get('/api/v2/groups.json')));
    const stored = (await resolveCredential(ref)) as OAuthCredential;
    const fresh = await workerClient(emulator, ref, true);
    clients.push(fresh);
    await fresh.get('/api/v2/groups.json');
    assert.ok(Date.parse(stored.expiresAt!) > Date.now() + 30 * 60_000, 'the stored pair is the newly issued one');
    await assert.rejects(fs.stat(`${ref.slice('file:'.length)}.lock`), { code: 'ENOENT' }, 'lock released');
  });

  it('after invalid_grant, adopts a pair another process stored without taking the lock', async () => {
    const ref = await expiringCredentialFile('outside.json');
    const stale = (await resolveCredential(ref)) as OAuthCredential;
    // An older worker (no lock) rotates the pair and writes it back while our refresh is under way.
    const response = await fetch(`${emulator.baseUrl}/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: stale.refreshToken, client_id: stale.clientId }),
    });
    const rotated = (await response.json()) as { access_token: string; refresh_token: string };
    await saveCredential(ref, { ...stale, accessToken: rotated.access_token, refreshToken: rotated.refresh_token });
    const store = credentialFileTokenStore(ref)!;
    let reads = 0;
    clients = [
      createZendeskClient({
        baseUrl: emulator.baseUrl,
        rate: false,
        http: FAST_HTTP,
        auth: {
          type: 'oauth',
          accessToken: stale.accessToken,
          refreshToken: stale.refreshToken,
          expiresAt: Date.now() + 60_000,
          clientId: stale.clientId,
          onTokensRotated: async () => assert.fail('nothing new to save: the stored pair is adopted'),
          sharedStore: {
            exclusive: store.exclusive,
            // The read before refreshing still sees the old pair (the other write lands just after it).
            read: async () => (++reads === 1 ? { accessToken: stale.accessToken, refreshToken: stale.refreshToken } : store.read()),
          },
        },
      }),
    ];
    const before = refreshRequests().length;
    await clients[0]!.get('/api/v2/groups.json');
    assert.equal(refreshRequests().length - before, 1, 'one refused refresh, then the stored pair');
    assert.equal(reads, 2);
  });
});

describe('credential file lock', () => {
  it('admits one holder at a time across independent callers', async () => {
    const file = path.join(tmp, 'exclusive.json');
    let inside = 0;
    let maxInside = 0;
    const holder = async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 20));
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 5 }, () => withCredentialFileLock(file, holder, { pollMs: 5 })));
    assert.equal(maxInside, 1);
  });

  it('breaks the lock of a process that died holding it', async () => {
    const file = path.join(tmp, 'dead-holder.json');
    // A pid that cannot be alive: beyond the kernel's pid_max.
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: 2 ** 30, host: os.hostname(), nonce: 'dead', acquiredAt: new Date().toISOString() }),
    );
    assert.equal(await withCredentialFileLock(file, async () => 'ran', { timeoutMs: 60_000 }), 'ran'); // a bound to fail on, not a speed expected
  });

  it('waits for a live holder and then gives up with a retryable error, leaving its lock alone', async () => {
    const file = path.join(tmp, 'live-holder.json');
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'alive', acquiredAt: new Date().toISOString() }),
    );
    await assert.rejects(
      withCredentialFileLock(file, async () => 'ran', { timeoutMs: 150, pollMs: 10 }),
      (error: unknown) => error instanceof CredentialLockTimeoutError && error.retryable && /live-holder\.json/.test(error.message),
    );
    assert.match(await fs.readFile(`${file}.lock`, 'utf8'), /alive/);
  });

  it('breaks a lock nobody has touched for staleMs (a holder crashed on another host)', async () => {
    const file = path.join(tmp, 'other-host.json');
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: 'another-host', nonce: 'old', acquiredAt: '2020-01-01T00:00:00Z' }));
    const longAgo = new Date(Date.now() - 60_000);
    await fs.utimes(`${file}.lock`, longAgo, longAgo);
    assert.equal(await withCredentialFileLock(file, async () => 'ran', { staleMs: 10_000, timeoutMs: 60_000 }), 'ran');
  });

  it('saveCredential writes an owner-only file and leaves no temp files behind', async () => {
    const dir = mkdtempSync(path.join(tmp, 'save-'));
    const ref = `file:${path.join(dir, 'c.json')}`;
    await saveCredential(ref, { type: 'api_token', email: 'a@example.com', token: 't' });
    await saveCredential(ref, { type: 'api_token', email: 'a@example.com', token: 't2' });
    assert.deepEqual(await fs.readdir(dir), ['c.json']);
    assert.equal((await fs.stat(path.join(dir, 'c.json'))).mode & 0o777, 0o600);
    assert.equal(((await resolveCredential(ref)) as { token: string }).token, 't2');
  });
});

describe('OAuth credentials from the environment', () => {
  const names = ['ZS_TEST_OAUTH_ACCESS_TOKEN', 'ZS_TEST_OAUTH_REFRESH_TOKEN', 'ZS_TEST_OAUTH_CLIENT_ID'];
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it('refuses a refresh token up front, non-retryably, pointing at a file: credential', async () => {
    process.env.ZS_TEST_OAUTH_ACCESS_TOKEN = 'SECRET-ACCESS-123';
    process.env.ZS_TEST_OAUTH_REFRESH_TOKEN = 'SECRET-REFRESH-456';
    process.env.ZS_TEST_OAUTH_CLIENT_ID = 'client';
    await assert.rejects(resolveCredential('env:ZS_TEST_OAUTH'), (error: unknown) => {
      assert.ok(error instanceof InvalidSettingsError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /ZS_TEST_OAUTH_REFRESH_TOKEN/);
      assert.match(error.message, /file:<path>/);
      assert.doesNotMatch(error.message, /SECRET-/, 'never echoes the secrets');
      return true;
    });
  });

  it('accepts an access token alone (used until it expires, never refreshed)', async () => {
    process.env.ZS_TEST_OAUTH_ACCESS_TOKEN = 'access';
    const credential = await resolveCredential('env:ZS_TEST_OAUTH');
    assert.equal(credential.type, 'oauth');
    assert.equal((credential as OAuthCredential).refreshToken, undefined);
  });
});
