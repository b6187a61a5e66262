import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  API_TOKEN_RETIREMENT_WARNING,
  createZendeskClient,
  type OAuthTokens,
  ZendeskAuthError,
  ZendeskForbiddenError,
  ZendeskTokenPersistError,
} from '../../zendesk';
import { API_TOKEN_AUTH, FAST_HTTP, sendJson, type Stub, startStub } from './stubServer';

const INVALID_TOKEN = {
  error: 'invalid_token',
  error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
};

const ADMIN = { user: { id: 9001, name: 'Ada Admin', role: 'admin', email: 'ada@example.com' } };

let stubs: Stub[] = [];
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  stubs = [];
});

async function stub(handler: Parameters<typeof startStub>[0]) {
  const s = await startStub(handler);
  stubs.push(s);
  return s;
}

/** An OAuth server that rotates on every refresh: only the newest refresh token works. */
function oauthAccount() {
  const state = { access: 'access-1', refresh: 'refresh-1', refreshCalls: 0, generation: 1 };
  return {
    state,
    handler: (request: Parameters<Parameters<typeof startStub>[0]>[0], res: Parameters<Parameters<typeof startStub>[0]>[1]) => {
      if (request.path === '/oauth/tokens') {
        state.refreshCalls += 1;
        const body = JSON.parse(request.body) as Record<string, string>;
        if (body.grant_type !== 'refresh_token' || body.refresh_token !== state.refresh || body.client_id !== 'client-a') {
          return sendJson(res, 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid' });
        }
        state.generation += 1;
        state.access = `access-${state.generation}`;
        state.refresh = `refresh-${state.generation}`;
        return sendJson(res, 200, {
          access_token: state.access,
          refresh_token: state.refresh,
          token_type: 'bearer',
          expires_in: 172800,
          refresh_token_expires_in: 604800,
        });
      }
      if (request.headers.authorization !== `Bearer ${state.access}`) return sendJson(res, 401, INVALID_TOKEN);
      return sendJson(res, 200, ADMIN, {}, request);
    },
  };
}

describe('auth headers', () => {
  it('sends Basic email/token:TOKEN for API tokens and warns about their retirement', async () => {
    const s = await stub((request, res) => sendJson(res, 200, ADMIN, {}, request));
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
    try {
      await client.get('/api/v2/users/me.json');
      const expected = `Basic ${Buffer.from('admin@example.com/token:SECRET-TOKEN-123').toString('base64')}`;
      assert.equal(s.requests[0]!.headers.authorization, expected);
      assert.deepEqual(client.warnings, [API_TOKEN_RETIREMENT_WARNING]);
      assert.match(API_TOKEN_RETIREMENT_WARNING, /2027-04-30/);
    } finally {
      await client.close();
    }
  });

  it('sends Bearer for OAuth access tokens', async () => {
    const s = await stub((request, res) => sendJson(res, 200, ADMIN, {}, request));
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: { type: 'oauth', accessToken: 'tok-1' }, rate: false, http: FAST_HTTP });
    try {
      await client.get('/api/v2/users/me.json');
      assert.equal(s.requests[0]!.headers.authorization, 'Bearer tok-1');
      assert.equal(s.requests[0]!.headers['accept-encoding'], 'gzip');
      assert.deepEqual(client.warnings, []);
    } finally {
      await client.close();
    }
  });
});

describe('OAuth refresh with rotation', () => {
  it('refreshes on 401 invalid_token, persists the new pair before using the new access token', async () => {
    const account = oauthAccount();
    account.state.access = 'access-server-expired'; // the token we hold has expired server-side
    const s = await stub(account.handler);
    const events: string[] = [];
    const saved: OAuthTokens[] = [];
    const client = createZendeskClient({
      baseUrl: s.baseUrl,
      rate: false,
      http: FAST_HTTP,
      auth: {
        type: 'oauth',
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        clientId: 'client-a',
        clientSecret: 'shh',
        onTokensRotated: async (tokens) => {
          // The new access token must not have been used yet.
          events.push(`persist:${s.requests.filter((r) => r.headers.authorization === `Bearer ${tokens.accessToken}`).length}`);
          saved.push(tokens);
        },
      },
    });
    try {
      const body = await client.get<typeof ADMIN>('/api/v2/users/me.json');
      assert.equal(body.user.id, 9001);
      assert.equal(account.state.refreshCalls, 1);
      assert.deepEqual(events, ['persist:0']);
      assert.equal(saved[0]!.accessToken, 'access-2');
      assert.equal(saved[0]!.refreshToken, 'refresh-2');
      assert.ok(saved[0]!.expiresAt! > Date.now());
      const refresh = s.requests.find((r) => r.path === '/oauth/tokens')!;
      assert.equal(refresh.headers.authorization, undefined, 'the token endpoint gets no bearer');
      assert.deepEqual(JSON.parse(refresh.body), {
        grant_type: 'refresh_token',
        refresh_token: 'refresh-1',
        client_id: 'client-a',
        client_secret: 'shh',
      });
      assert.deepEqual(
        s.requests.map((r) => `${r.path} ${r.headers.authorization ?? '-'}`),
        ['/api/v2/users/me.json Bearer access-1', '/oauth/tokens -', '/api/v2/users/me.json Bearer access-2'],
      );
    } finally {
      await client.close();
    }
  });

  it('shares one refresh among concurrent 401s', async () => {
    const account = oauthAccount();
    account.state.access = 'access-server-expired';
    const s = await stub(account.handler);
    let persisted = 0;
    const client = createZendeskClient({
      baseUrl: s.baseUrl,
      rate: false,
      http: FAST_HTTP,
      auth: {
        type: 'oauth',
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        clientId: 'client-a',
        onTokensRotated: async () => {
          persisted += 1;
        },
      },
    });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => client.get<typeof ADMIN>('/api/v2/users/me.json')));
      assert.equal(results.length, 8);
      assert.equal(account.state.refreshCalls, 1);
      assert.equal(persisted, 1);
    } finally {
      await client.close();
    }
  });

  it('refreshes ahead of expiry without waiting for a 401', async () => {
    const account = oauthAccount();
    const s = await stub(account.handler);
    const client = createZendeskClient({
      baseUrl: s.baseUrl,
      rate: false,
      http: FAST_HTTP,
      auth: {
        type: 'oauth',
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        clientId: 'client-a',
        expiresAt: Date.now() + 60_000, // inside the default 5-minute skew
        onTokensRotated: async () => {},
      },
    });
    try {
      await client.get('/api/v2/users/me.json');
      assert.deepEqual(
        s.requests.map((r) => r.path),
        ['/oauth/tokens', '/api/v2/users/me.json'],
      );
      assert.equal(s.requests[1]!.headers.authorization, 'Bearer access-2');
    } finally {
      await client.close();
    }
  });

  it('does not use a rotated token that could not be saved, and saves it before the next use', async () => {
    const account = oauthAccount();
    account.state.access = 'access-server-expired';
    const s = await stub(account.handler);
    let failSave = true;
    const saved: string[] = [];
    const client = createZendeskClient({
      baseUrl: s.baseUrl,
      rate: false,
      http: FAST_HTTP,
      auth: {
        type: 'oauth',
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        clientId: 'client-a',
        onTokensRotated: async (tokens) => {
          if (failSave) throw new Error('secret store down');
          saved.push(tokens.refreshToken);
        },
      },
    });
    try {
      await assert.rejects(client.get('/api/v2/users/me.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskTokenPersistError);
        assert.equal(error.retryable, true);
        return true;
      });
      assert.equal(s.requests.filter((r) => r.headers.authorization === 'Bearer access-2').length, 0);
      failSave = false;
      await client.get('/api/v2/users/me.json');
      assert.deepEqual(saved, ['refresh-2']);
      assert.equal(account.state.refreshCalls, 1, 'the dead refresh token is not used again');
    } finally {
      await client.close();
    }
  });

  it('gives a non-retryable auth error when the refresh token is rejected', async () => {
    const account = oauthAccount();
    account.state.access = 'access-server-expired';
    account.state.refresh = 'someone-else-rotated-it';
    const s = await stub(account.handler);
    const client = createZendeskClient({
      baseUrl: s.baseUrl,
      rate: false,
      http: FAST_HTTP,
      auth: { type: 'oauth', accessToken: 'access-1', refreshToken: 'refresh-1', clientId: 'client-a', onTokensRotated: async () => {} },
    });
    try {
      await assert.rejects(client.get('/api/v2/users/me.json'), (error: unknown) => {
        assert.ok(error instanceof ZendeskAuthError);
        assert.equal(error.retryable, false);
        assert.match(error.message, /Reconnect/);
        assert.doesNotMatch(error.message, /refresh-1|access-1/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

describe('checkCredentials', () => {
  it('returns the admin user', async () => {
    const s = await stub((request, res) => sendJson(res, 200, ADMIN, {}, request));
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
    try {
      assert.deepEqual(await client.checkCredentials(), { id: 9001, name: 'Ada Admin', role: 'admin', email: 'ada@example.com' });
      assert.equal(s.requests[0]!.path, '/api/v2/users/me.json');
    } finally {
      await client.close();
    }
  });

  it('rejects the anonymous-200 answer as bad credentials', async () => {
    const s = await stub((request, res) =>
      sendJson(
        res,
        200,
        { user: { id: null, url: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user' } },
        {},
        request,
      ),
    );
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
    try {
      await assert.rejects(client.checkCredentials(), (error: unknown) => {
        assert.ok(error instanceof ZendeskAuthError);
        assert.equal(error.type, 'ZendeskAuthError');
        assert.equal(error.retryable, false);
        assert.match(error.message, /Anonymous user/);
        assert.doesNotMatch(error.message, /SECRET-TOKEN-123/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it('rejects a 401 as bad credentials without retrying', async () => {
    const s = await stub((_request, res) =>
      sendJson(res, 401, { error: "Couldn't authenticate you" }, { 'www-authenticate': 'Basic realm="Web Password"' }),
    );
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
    try {
      await assert.rejects(client.checkCredentials(), ZendeskAuthError);
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('names the role of a non-admin user and says exports need an admin', async () => {
    const s = await stub((request, res) =>
      sendJson(res, 200, { user: { id: 5, name: 'Al Agent', role: 'agent', email: 'al@example.com' } }, {}, request),
    );
    const client = createZendeskClient({ baseUrl: s.baseUrl, auth: API_TOKEN_AUTH, rate: false, http: FAST_HTTP });
    try {
      await assert.rejects(client.checkCredentials(), (error: unknown) => {
        assert.ok(error instanceof ZendeskForbiddenError);
        assert.equal(error.retryable, false);
        assert.match(error.message, /role "agent"/);
        assert.match(error.message, /incremental exports .* need an admin/);
        return true;
      });
      const agent = await client.checkCredentials({ requireAdmin: false });
      assert.equal(agent.role, 'agent');
    } finally {
      await client.close();
    }
  });
});
