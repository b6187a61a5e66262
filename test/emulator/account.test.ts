import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { adminAuth, startSmall } from './helpers';

/** GET with an explicit Host header (fetch does not let a caller choose it). */
function getWithHost(emulator: Emulator, path: string, host: string): Promise<{ status: number; contentType: string; body: any }> {
  const url = new URL(emulator.baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path, method: 'GET', headers: { host, authorization: adminAuth(emulator) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode!, contentType: String(response.headers['content-type']), body: JSON.parse(text) });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const noHelpDesk = (host: string) => ({
  error: {
    title: `No help desk at ${host}`,
    message:
      'There is no help desk configured at this address. This means that the address is available and that you can claim it at http://www.zendesk.com/signup',
  },
});

describe('account routing by Host (404 "No help desk")', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 10, users: 5, subdomain: 'acme', canonicalBaseUrl: 'https://acme-canonical.zendesk.com' });
  });
  after(() => emulator.close());

  test('another zendesk.com subdomain gets the 404 body Zendesk sends, on API and OAuth paths alike', async () => {
    for (const path of ['/api/v2/groups.json', '/api/v2/incremental/tickets/cursor.json?start_time=0', '/oauth/tokens']) {
      const response = await getWithHost(emulator, path, 'someone-else.zendesk.com');
      assert.equal(response.status, 404, path);
      assert.match(response.contentType, /^application\/json/);
      assert.deepEqual(response.body, noHelpDesk('someone-else.zendesk.com'));
    }
    assert.deepEqual((await getWithHost(emulator, '/api/v2/groups.json', 'Other.Zendesk.com:443')).body, noHelpDesk('other.zendesk.com'));
    const logged = emulator.requestLog.entries().at(-1)!;
    assert.equal(logged.status, 404, 'the refusal is in the request log');
  });

  test("the account's own subdomain, its canonical host and loopback hosts are served", async () => {
    for (const host of [
      'acme.zendesk.com',
      'ACME.zendesk.com:443',
      'acme-canonical.zendesk.com',
      '127.0.0.1',
      `127.0.0.1:${new URL(emulator.baseUrl).port}`,
      'localhost',
      'localhost:8484',
    ]) {
      const response = await getWithHost(emulator, '/api/v2/groups.json', host);
      assert.equal(response.status, 200, host);
      assert.ok(Array.isArray(response.body.groups), host);
    }
  });

  test('accountExists=false: every host gets the 404, naming the configured subdomain on loopback; the admin API still answers', async () => {
    emulator.setAccountExists(false);
    try {
      const loopback = await getWithHost(emulator, '/api/v2/users/me.json', '127.0.0.1');
      assert.equal(loopback.status, 404);
      assert.deepEqual(loopback.body, noHelpDesk('acme.zendesk.com'));
      assert.deepEqual((await getWithHost(emulator, '/api/v2/groups.json', 'acme.zendesk.com')).body, noHelpDesk('acme.zendesk.com'));
      const state = await fetch(`${emulator.baseUrl}/__admin/state`);
      assert.equal(state.status, 200);
      assert.equal(((await state.json()) as any).accountExists, false);
      const restored = await fetch(`${emulator.baseUrl}/__admin/account`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ exists: true }),
      });
      assert.equal(restored.status, 200);
      assert.equal((await getWithHost(emulator, '/api/v2/groups.json', '127.0.0.1')).status, 200);
    } finally {
      emulator.setAccountExists(true);
    }
  });

  test('the option at start-up', async () => {
    const missing = await startSmall({ tickets: 3, users: 2, accountExists: false });
    try {
      const response = await getWithHost(missing, '/api/v2/groups.json', 'localhost');
      assert.deepEqual(response.body, noHelpDesk('emulator.zendesk.com'));
    } finally {
      await missing.close();
    }
  });
});
