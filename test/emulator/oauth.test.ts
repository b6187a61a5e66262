import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

const REDIRECT = 'http://127.0.0.1:9999/callback';

describe('OAuth', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 10, users: 5, oauth: { redirectUris: [REDIRECT], accessTokenLifetimeSeconds: 600 } });
  });
  after(() => emulator.close());

  async function authorize(params: Record<string, string>): Promise<Response> {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: emulator.credentials.oauth.clientId,
      redirect_uri: REDIRECT,
      scope: 'read',
      ...params,
    });
    return fetch(`${emulator.baseUrl}/oauth/authorizations/new?${query}`, { redirect: 'manual' });
  }

  async function tokens(body: Record<string, string>, form = false): Promise<{ status: number; body: any }> {
    const response = await fetch(`${emulator.baseUrl}/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const client = () => ({ client_id: emulator.credentials.oauth.clientId, client_secret: emulator.credentials.oauth.clientSecret });

  test('authorization code + PKCE exchange, then refresh rotation invalidates the old pair', async () => {
    const verifier = 'a-long-random-verifier-string-of-sufficient-length-1234567890';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = await authorize({ state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(redirect.status, 302);
    const location = new URL(redirect.headers.get('location')!);
    assert.equal(location.origin + location.pathname, REDIRECT);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const code = location.searchParams.get('code')!;
    const bad = await tokens({
      grant_type: 'authorization_code',
      code,
      client_id: client().client_id,
      redirect_uri: REDIRECT,
      code_verifier: 'wrong',
    });
    assert.equal(bad.status, 400, 'wrong verifier (and the code is now used up)');

    const again = new URL((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.get('location')!);
    const first = await tokens({
      grant_type: 'authorization_code',
      code: again.searchParams.get('code')!,
      client_id: client().client_id,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.equal(first.status, 200);
    assert.equal(first.body.token_type, 'bearer');
    assert.equal(first.body.expires_in, 600);
    assert.ok(first.body.refresh_token);
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${first.body.access_token}`)).status, 200);

    const second = await tokens({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, ...client() }, true);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.access_token, first.body.access_token);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${first.body.access_token}`)).status, 401, 'old access token dead');
    const reuse = await tokens({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, ...client() });
    assert.equal(reuse.status, 400, 'old refresh token dead');
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${second.body.access_token}`)).status, 200);
  });

  test('access tokens expire on the emulated clock; a confidential code exchange needs the secret', async () => {
    const code = new URL((await authorize({})).headers.get('location')!).searchParams.get('code')!;
    const noSecret = await tokens({ grant_type: 'authorization_code', code, client_id: client().client_id, redirect_uri: REDIRECT });
    assert.equal(noSecret.status, 401);
    const code2 = new URL((await authorize({})).headers.get('location')!).searchParams.get('code')!;
    const issued = await tokens(
      { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, expires_in: '301', ...client() },
      true,
    );
    assert.equal(issued.status, 200);
    assert.equal(issued.body.expires_in, 301);
    assert.equal((await get(emulator, '/api/v2/groups.json', `Bearer ${issued.body.access_token}`)).status, 200);
    emulator.advanceClock(302);
    const expired = await get(emulator, '/api/v2/groups.json', `Bearer ${issued.body.access_token}`);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'invalid_token');
  });

  test("requested lifetimes outside Zendesk's bounds are refused (default) or clamped (setting)", async () => {
    const exchange = async (lifetimes: Record<string, string>) => {
      const code = new URL((await authorize({})).headers.get('location')!).searchParams.get('code')!;
      return tokens({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...client(), ...lifetimes });
    };
    // expires_in must be more than 300 s and less than 172,800 s; refresh lifetimes 7 to 90 days.
    const outOfRange: Array<Record<string, string>> = [
      { expires_in: '300' },
      { expires_in: '172800' },
      { refresh_token_expires_in: '604799' },
      { refresh_token_expires_in: '7776001' },
    ];
    for (const lifetimes of outOfRange) {
      const refused = await exchange(lifetimes);
      assert.equal(refused.status, 400, JSON.stringify(lifetimes));
      assert.equal(refused.body.error, 'invalid_request');
    }
    const refresh = await tokens({
      grant_type: 'refresh_token',
      refresh_token: (await exchange({})).body.refresh_token,
      expires_in: '60',
      ...client(),
    });
    assert.equal(refresh.status, 400, 'the refresh grant checks the bounds too');
    const edges = await exchange({ expires_in: '301', refresh_token_expires_in: '604800' });
    assert.equal(edges.status, 200);
    assert.deepEqual([edges.body.expires_in, edges.body.refresh_token_expires_in], [301, 604800]);

    const clamping = await startSmall({ tickets: 5, users: 3, oauth: { redirectUris: [REDIRECT], expiresInOutOfRange: 'clamp' } });
    try {
      const query = new URLSearchParams({ response_type: 'code', client_id: clamping.credentials.oauth.clientId, redirect_uri: REDIRECT });
      const location = (await fetch(`${clamping.baseUrl}/oauth/authorizations/new?${query}`, { redirect: 'manual' })).headers.get(
        'location',
      )!;
      const response = await fetch(`${clamping.baseUrl}/oauth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          code: new URL(location).searchParams.get('code'),
          redirect_uri: REDIRECT,
          client_id: clamping.credentials.oauth.clientId,
          client_secret: clamping.credentials.oauth.clientSecret,
          expires_in: 30,
          refresh_token_expires_in: 100_000_000,
        }),
      });
      const body = (await response.json()) as any;
      assert.equal(response.status, 200);
      assert.deepEqual([body.expires_in, body.refresh_token_expires_in], [301, 7_776_000]);
    } finally {
      await clamping.close();
    }
  });

  test('client_credentials grant, and authorize validation of client_id and redirect_uri', async () => {
    const cc = await tokens({ grant_type: 'client_credentials', scope: 'read', ...client() });
    assert.equal(cc.status, 200);
    assert.equal(cc.body.refresh_token, undefined);
    assert.equal((await get(emulator, '/api/v2/users/me.json', `Bearer ${cc.body.access_token}`)).body.user.role, 'admin');
    assert.equal((await tokens({ grant_type: 'client_credentials', client_id: client().client_id, client_secret: 'x' })).status, 401);
    assert.equal((await authorize({ client_id: 'unknown' })).status, 400);
    const badRedirect = await authorize({ redirect_uri: 'http://evil.example.com/cb' });
    assert.equal(badRedirect.status, 400);
    assert.equal(badRedirect.headers.get('location'), null);
  });
});
