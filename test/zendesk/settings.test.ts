import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorForResponse, parseErrorBody } from '../../zendesk/errorBody';
import {
  InvalidSettingsError,
  ZendeskAuthError,
  ZendeskForbiddenError,
  ZendeskNotFoundError,
  ZendeskPaginationError,
  ZendeskRequestError,
  ZendeskServerError,
} from '../../zendesk/errors';
import { linkToRequestPath, normalizeSubdomain, resolveEndpoint } from '../../zendesk/settings';
import { NON_RETRYABLE_FAILURE_TYPES } from '../../failures/vocabulary';

describe('normalizeSubdomain', () => {
  for (const input of ['acme', 'acme.zendesk.com', 'https://acme.zendesk.com/', ' ACME ', 'http://acme.zendesk.com', 'Acme.Zendesk.com/']) {
    it(`accepts ${JSON.stringify(input)} as acme`, () => {
      assert.equal(normalizeSubdomain(input), 'acme');
    });
  }
  it('keeps hyphens and digits', () => {
    assert.equal(normalizeSubdomain('d3v-airbyte'), 'd3v-airbyte');
  });
  for (const input of [
    'acme.zendesk.com.zendesk.com',
    'https://evil.com',
    'acme/x',
    '',
    '   ',
    'ac_me',
    'acme!',
    '-acme',
    'acme.example.com',
    'https://acme.zendesk.com/agent',
  ]) {
    it(`rejects ${JSON.stringify(input)} with a message showing what is expected`, () => {
      assert.throws(
        () => normalizeSubdomain(input),
        (error: unknown) => {
          assert.ok(error instanceof InvalidSettingsError);
          assert.equal(error.type, 'InvalidSettingsError');
          assert.equal(error.retryable, false);
          assert.match(error.message, /e\.g\. "acme" for https:\/\/acme\.zendesk\.com/);
          return true;
        },
      );
    });
  }
});

describe('resolveEndpoint', () => {
  it('builds the Zendesk origin from a subdomain', () => {
    assert.deepEqual(resolveEndpoint({ subdomain: 'acme.zendesk.com' }), { origin: 'https://acme.zendesk.com', basePath: '' });
  });
  it('accepts http for loopback hosts and keeps a path prefix', () => {
    assert.deepEqual(resolveEndpoint({ baseUrl: 'http://127.0.0.1:4010/' }), { origin: 'http://127.0.0.1:4010', basePath: '' });
    assert.deepEqual(resolveEndpoint({ baseUrl: 'http://localhost:4010/tenant/acme/' }), {
      origin: 'http://localhost:4010',
      basePath: '/tenant/acme',
    });
    assert.equal(resolveEndpoint({ baseUrl: 'http://[::1]:80' }).origin, 'http://[::1]');
  });
  it('rejects plain http to other hosts unless explicitly allowed', () => {
    assert.throws(() => resolveEndpoint({ baseUrl: 'http://proxy.internal:8080' }), /only allowed for loopback/);
    assert.equal(resolveEndpoint({ baseUrl: 'http://proxy.internal:8080', allowInsecureHttp: true }).origin, 'http://proxy.internal:8080');
  });
  it('rejects credentials, queries and non-http schemes in the base URL', () => {
    assert.throws(() => resolveEndpoint({ baseUrl: 'https://user:pw@proxy.example' }), InvalidSettingsError);
    assert.throws(() => resolveEndpoint({ baseUrl: 'https://proxy.example/?x=1' }), InvalidSettingsError);
    assert.throws(() => resolveEndpoint({ baseUrl: 'ftp://proxy.example' }), InvalidSettingsError);
    assert.throws(() => resolveEndpoint({}), InvalidSettingsError);
  });
});

describe('linkToRequestPath', () => {
  it('refuses a link that names no http(s) path with a typed, non-retryable pagination error naming it', () => {
    const zendesk = resolveEndpoint({ subdomain: 'acme' });
    for (const link of ['javascript:x', 'data:text/plain,hi', 'mailto:ops@example.com', 'http://[bad', 42 as unknown as string]) {
      assert.throws(
        () => linkToRequestPath(link, zendesk),
        (err: unknown) =>
          err instanceof ZendeskPaginationError && err.retryable === false && err.message.includes(JSON.stringify(String(link))),
        String(link),
      );
    }
  });
  const zendesk = { origin: 'https://acme.zendesk.com', basePath: '' };
  it('keeps only path and query of a link on another host', () => {
    assert.equal(
      linkToRequestPath('https://evil.example:4443/api/v2/groups.json?page%5Bafter%5D=abc&page%5Bsize%5D=100', zendesk),
      '/api/v2/groups.json?page%5Bafter%5D=abc&page%5Bsize%5D=100',
    );
  });
  it('maps links onto a base path prefix without doubling it', () => {
    const proxied = { origin: 'http://127.0.0.1:1', basePath: '/z' };
    assert.equal(linkToRequestPath('https://acme.zendesk.com/api/v2/x.json?a=1', proxied), '/api/v2/x.json?a=1');
    assert.equal(linkToRequestPath('http://127.0.0.1:1/z/api/v2/x.json?a=1', proxied), '/api/v2/x.json?a=1');
  });
});

describe('error bodies (spec §7 shapes)', () => {
  const cases: Array<[string, string, number, { code?: string; message: RegExp }]> = [
    [
      'A string error + description',
      '{"error":"RecordNotFound","description":"Not found"}',
      404,
      { code: 'RecordNotFound', message: /RecordNotFound: Not found/ },
    ],
    ['B string error', `{"error":"Couldn't authenticate you"}`, 401, { code: "Couldn't authenticate you", message: /authenticate/ }],
    [
      'C object error',
      '{"error":{"title":"Forbidden","message":"You do not have access to this page."}}',
      403,
      { code: 'Forbidden', message: /Forbidden: You do not have access/ },
    ],
    [
      'D OAuth',
      '{"error":"invalid_token","error_description":"The access token provided is expired"}',
      401,
      { code: 'invalid_token', message: /invalid_token: The access token provided is expired/ },
    ],
    [
      'E errors[]',
      '{"errors":[{"code":"InvalidPaginationDepth","title":"Invalid pagination","detail":"too deep"}]}',
      400,
      { code: 'InvalidPaginationDepth', message: /Invalid pagination: too deep/ },
    ],
    [
      'F validation',
      '{"error":"RecordInvalid","description":"Record validation errors","details":{"name":[{"description":"Name is too short","error":"x"}]}}',
      422,
      { code: 'RecordInvalid', message: /name: Name is too short/ },
    ],
    [
      'G text/plain',
      'Number of allowed API requests per minute exceeded',
      429,
      { message: /^Number of allowed API requests per minute exceeded$/ },
    ],
    ['HTML page', '<html><body>Bad gateway</body></html>', 502, { message: /^HTTP 502$/ }],
    ['empty', '', 500, { message: /^HTTP 500$/ }],
  ];
  for (const [name, body, status, expected] of cases) {
    it(`parses shape ${name}`, () => {
      const parsed = parseErrorBody(body, status);
      assert.equal(parsed.code, expected.code);
      assert.match(parsed.message, expected.message);
    });
  }

  it('classifies statuses into typed errors', () => {
    assert.ok(errorForResponse(401, '{"error":"Couldn\'t authenticate you"}', 'GET /x') instanceof ZendeskAuthError);
    const forbidden = errorForResponse(
      403,
      '{"error":{"title":"Forbidden","message":"You do not have access to this page. Please contact the account owner"}}',
      'GET /api/v2/audit_logs.json',
    );
    assert.ok(forbidden instanceof ZendeskForbiddenError);
    assert.equal((forbidden as ZendeskForbiddenError).planGated, true);
    const scope = errorForResponse(
      403,
      '{"error":"Forbidden","description":"You are missing the following required scopes: read"}',
      'GET /x',
    );
    assert.equal((scope as ZendeskForbiddenError).planGated, false);
    const noHelpDesk = errorForResponse(
      404,
      '{"error":{"title":"No help desk at nope.zendesk.com","message":"There is no help desk configured at this address."}}',
      'GET /x',
    );
    assert.ok(noHelpDesk instanceof ZendeskNotFoundError);
    assert.equal((noHelpDesk as ZendeskNotFoundError).noHelpDesk, true);
    assert.match(noHelpDesk.message, /Check the subdomain/);
    assert.ok(errorForResponse(400, 'bad', 'GET /x') instanceof ZendeskRequestError);
    assert.ok(errorForResponse(500, 'boom', 'GET /x') instanceof ZendeskServerError);
  });

  it('lists the non-retryable types for Temporal', () => {
    for (const type of ['ZendeskAuthError', 'ZendeskForbiddenError', 'ZendeskNotFoundError', 'InvalidSettingsError']) {
      assert.ok(NON_RETRYABLE_FAILURE_TYPES.includes(type), type);
    }
    assert.ok(!NON_RETRYABLE_FAILURE_TYPES.includes('ZendeskRateLimitedError'));
    assert.ok(!NON_RETRYABLE_FAILURE_TYPES.includes('ZendeskServerError'));
  });
});
