import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { streams } from '../../catalog/collections';
import type { StreamSpec } from '../../catalog/types';
import { createZendeskClient, InvalidSettingsError, type PageResult, ZendeskPaginationError } from '../../zendesk';
import { cursorList, offsetList } from './fakeZendesk';
import { API_TOKEN_AUTH, FAST_HTTP, sendJson, type Stub, startStub } from './stubServer';

const streamNamed = (name: string): StreamSpec => streams.find((s) => s.name === name)!;
const GROUPS = streamNamed('groups');
const TICKET_FORMS = streamNamed('ticket_forms');

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

/** Stub B: a hostile canonical host. It answers like Zendesk would, and records who called with which credentials. */
async function hostileHost(key: string) {
  const authorizations: Array<string | undefined> = [];
  const s = await stub((request, res) => {
    authorizations.push(request.headers.authorization);
    sendJson(res, 200, { [key]: [{ id: 666 }], meta: { has_more: false }, next_page: null });
  });
  return { stub: s, authorizations };
}

async function collect(pages: AsyncIterable<PageResult>): Promise<PageResult[]> {
  const out: PageResult[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
const ids = (pages: PageResult[]) => pages.flatMap((p) => p.records.map((r) => r.id as number));
const groups = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `group ${i + 1}` }));

function clientFor(s: Stub, auth: Parameters<typeof createZendeskClient>[0]['auth'] = API_TOKEN_AUTH) {
  return createZendeskClient({ baseUrl: s.baseUrl, auth, rate: false, http: FAST_HTTP });
}

describe('cursor list engine', () => {
  it('stops on has_more=false although links.next is still set, and never sends credentials to the links host', async () => {
    const evil = await hostileHost('groups');
    const records = groups(250);
    const s = await stub(cursorList(records, 'groups', evil.stub.baseUrl));
    const client = clientFor(s, { type: 'oauth', accessToken: 'BEARER-SECRET' });
    try {
      const pages = await collect(client.paginate(GROUPS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.equal(pages.length, 3);
      assert.ok(typeof (pages.at(-1)!.page.links as { next?: string }).next === 'string', 'the last page still has links.next');
      assert.equal(s.requests.length, 3, 'no request after has_more=false');
      assert.ok(s.requests.every((r) => r.query.get('page[size]') === '100'));
      assert.ok(s.requests.every((r) => r.headers.authorization === 'Bearer BEARER-SECRET'));
      assert.equal(s.requests[1]!.query.get('page[after]'), (pages[0]!.page.meta as { after_cursor: string }).after_cursor);
      assert.deepEqual(evil.authorizations, [], 'stub B received no request, so no Authorization header');
      assert.deepEqual(
        pages.map((p) => p.done),
        [false, false, true],
      );
    } finally {
      await client.close();
    }
  });

  it('resumes after a page from its after_cursor', async () => {
    const evil = await hostileHost('groups');
    const records = groups(230);
    const s = await stub(cursorList(records, 'groups', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      const full = await collect(client.paginate(GROUPS));
      const resumed = await collect(client.paginate(GROUPS, { resumeCursor: full[0]!.resumeCursor }));
      assert.deepEqual(
        [...ids(full.slice(0, 1)), ...ids(resumed)],
        records.map((r) => r.id),
      );
      assert.deepEqual(full.at(-1)!.resumeCursor, { after_cursor: null }, 'a finished full read starts over next time');
      assert.equal(evil.authorizations.length, 0);
    } finally {
      await client.close();
    }
  });

  it('keeps the stream params on next links that dropped them', async () => {
    const evil = await hostileHost('groups');
    const s = await stub(cursorList(groups(150), 'groups', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      await collect(client.paginate({ ...GROUPS, params: { exclude_deleted: 'true' } }));
      assert.deepEqual(
        s.requests.map((r) => r.query.get('exclude_deleted')),
        ['true', 'true'],
      );
    } finally {
      await client.close();
    }
  });

  it('fails instead of looping when has_more stays true with the same cursor', async () => {
    const s = await stub((request, res) =>
      sendJson(
        res,
        200,
        {
          groups: [{ id: 1 }],
          meta: { has_more: true, after_cursor: 'same' },
          links: { next: '/api/v2/groups.json?page%5Bafter%5D=same' },
        },
        {},
        request,
      ),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(collect(client.paginate(GROUPS)), ZendeskPaginationError);
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });
});

describe('offset list engine', () => {
  it('follows next_page on our own origin until it is null', async () => {
    const evil = await hostileHost('ticket_forms');
    const records = groups(250);
    const s = await stub(offsetList(records, 'ticket_forms', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKET_FORMS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.deepEqual(
        s.requests.map((r) => r.url),
        ['/api/v2/ticket_forms.json', '/api/v2/ticket_forms.json?page=2', '/api/v2/ticket_forms.json?page=3'],
      );
      assert.deepEqual(
        pages.map((p) => p.resumeCursor),
        [{ next_page: '/api/v2/ticket_forms.json?page=2' }, { next_page: '/api/v2/ticket_forms.json?page=3' }, { next_page: null }],
      );
      assert.deepEqual(evil.authorizations, []);
      const resumed = await collect(client.paginate(TICKET_FORMS, { resumeCursor: pages[1]!.resumeCursor }));
      assert.deepEqual(
        ids(resumed),
        records.slice(200).map((r) => r.id),
      );
    } finally {
      await client.close();
    }
  });

  it('handles an endpoint that returns everything in one response without next_page', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { ticket_forms: groups(3) }, {}, request));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKET_FORMS));
      assert.equal(pages.length, 1);
      assert.deepEqual(ids(pages), [1, 2, 3]);
      assert.equal(pages[0]!.done, true);
    } finally {
      await client.close();
    }
  });

  it('a next_page with a non-http scheme fails with a typed, non-retryable error naming the link, after one request', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { ticket_forms: [{ id: 1 }], next_page: 'javascript:x', count: 2 }));
    const client = clientFor(s);
    try {
      const pages: PageResult[] = [];
      await assert.rejects(
        (async () => {
          for await (const page of client.paginate(TICKET_FORMS)) pages.push(page);
        })(),
        (err: unknown) => err instanceof ZendeskPaginationError && err.retryable === false && err.message.includes('"javascript:x"'),
      );
      assert.equal(s.requests.length, 1, 'never retried');
    } finally {
      await client.close();
    }
  });

  it('rejects a resume cursor of another engine', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { ticket_forms: [] }, {}, request));
    const client = clientFor(s);
    try {
      assert.throws(() => client.paginate(TICKET_FORMS, { resumeCursor: { start_time: 5 } }), InvalidSettingsError);
      assert.throws(() => client.paginate(TICKET_FORMS, { resumeCursor: { next_page: 'https://evil.example/x' } }), InvalidSettingsError);
      assert.throws(() => client.paginate(GROUPS, { resumeCursor: { cursor: 'abc' } }), InvalidSettingsError);
    } finally {
      await client.close();
    }
  });
});

/**
 * Zendesk endpoints do not always answer in the envelope asked for: some ignore page[size] and
 * answer offset-style, others ignore page/per_page and answer cursor-style. Every list engine reads
 * each page by what it carries and reads to the end, or fails naming the stream and what is missing.
 */
describe('list engines follow the envelope each page carries', () => {
  it('cursor_list: an endpoint that ignores page[size] and answers offset-style is read to its end, and resumes', async () => {
    const evil = await hostileHost('groups');
    const records = groups(250);
    const s = await stub(offsetList(records, 'groups', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(GROUPS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.equal(s.requests[0]!.query.get('page[size]'), '100', 'asked cursor-style first');
      assert.deepEqual(
        s.requests.slice(1).map((r) => r.url),
        ['/api/v2/groups.json?page=2', '/api/v2/groups.json?page=3'],
      );
      assert.deepEqual(
        pages.map((p) => p.resumeCursor),
        [{ next_page: '/api/v2/groups.json?page=2' }, { next_page: '/api/v2/groups.json?page=3' }, { after_cursor: null }],
      );
      const resumed = await collect(client.paginate(GROUPS, { resumeCursor: pages[0]!.resumeCursor }));
      assert.deepEqual(
        ids(resumed),
        records.slice(100).map((r) => r.id),
        'an offset position resumes a cursor_list stream',
      );
      assert.deepEqual(evil.authorizations, []);
    } finally {
      await client.close();
    }
  });

  it('offset_list: an endpoint that ignores page/per_page and answers cursor-style is read to its end, and resumes', async () => {
    const evil = await hostileHost('ticket_forms');
    const records = groups(230);
    const s = await stub(cursorList(records, 'ticket_forms', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(TICKET_FORMS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.equal(pages.length, 3);
      assert.equal(s.requests[0]!.url, '/api/v2/ticket_forms.json', 'asked bare first');
      assert.ok(s.requests.slice(1).every((r) => r.query.get('page[size]') === '100' && r.query.get('page[after]') !== null));
      assert.deepEqual(pages[0]!.resumeCursor, { after_cursor: (pages[0]!.page.meta as { after_cursor: string }).after_cursor });
      assert.deepEqual(pages.at(-1)!.resumeCursor, { next_page: null });
      const resumed = await collect(client.paginate(TICKET_FORMS, { resumeCursor: pages[0]!.resumeCursor }));
      assert.deepEqual(
        ids(resumed),
        records.slice(100).map((r) => r.id),
        'a cursor position resumes an offset_list stream',
      );
      assert.deepEqual(evil.authorizations, []);
    } finally {
      await client.close();
    }
  });

  it('a page without has_more but with next_page is followed to the end (it used to end the read silently)', async () => {
    const records = groups(7);
    const s = await stub((request, res) => {
      const n = Number(request.query.get('page') ?? 1);
      const more = n * 3 < records.length;
      sendJson(
        res,
        200,
        {
          groups: records.slice((n - 1) * 3, n * 3),
          meta: { before_cursor: null },
          next_page: more ? `${s.baseUrl}/api/v2/groups.json?page=${n + 1}` : null,
          count: records.length,
        },
        {},
        request,
      );
    });
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(GROUPS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.deepEqual(
        pages.map((p) => p.done),
        [false, false, true],
      );
    } finally {
      await client.close();
    }
  });

  it('for the field definitions too: a definitions list answered offset-style is read whole', async () => {
    // tablePlans reads definitions through the cursor_list engine (AccountSession.listAll).
    const evil = await hostileHost('user_fields');
    const records = groups(205).map((g) => ({ ...g, key: `field_${g.id}`, type: 'text' }));
    const s = await stub(offsetList(records, 'user_fields', evil.stub.baseUrl));
    const client = clientFor(s);
    try {
      const fields: StreamSpec = {
        name: 'user_fields',
        style: 'cursor_list',
        path: '/api/v2/user_fields.json',
        recordsKey: 'user_fields',
        bucket: 'core',
        fullRefresh: true,
        skipWhenForbidden: false,
      };
      const pages = await collect(client.paginate(fields));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
    } finally {
      await client.close();
    }
  });

  it('neither has_more nor next_page, with a count above the records received: fails naming the stream and the count', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { groups: groups(3), count: 10 }, {}, request));
    const client = clientFor(s);
    try {
      await assert.rejects(collect(client.paginate(GROUPS)), (err: unknown) => {
        assert.ok(err instanceof ZendeskPaginationError);
        assert.match(err.message, /groups/);
        assert.match(err.message, /count of 10/);
        assert.match(err.message, /without has_more or next_page/);
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  it('neither signal and count equal to the records (or absent): one unpaginated answer, done', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { groups: groups(3), count: 3 }, {}, request));
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(GROUPS));
      assert.deepEqual(ids(pages), [1, 2, 3]);
      assert.equal(pages[0]!.done, true);
    } finally {
      await client.close();
    }
  });

  it('offset style ending before its count, read from the first page: fails instead of losing the rest', async () => {
    const s = await stub((request, res) =>
      sendJson(res, 200, { ticket_forms: groups(3), next_page: null, previous_page: null, count: 5 }, {}, request),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(
        collect(client.paginate(TICKET_FORMS)),
        (err: unknown) => err instanceof ZendeskPaginationError && /ticket_forms/.test(err.message) && /count says 5/.test(err.message),
      );
    } finally {
      await client.close();
    }
  });

  it('cursor signs without has_more: links.next is followed until a page comes back empty', async () => {
    const records = groups(5);
    const s = await stub((request, res) => {
      const after = Number(request.query.get('page[after]') ?? 0);
      const page = records.slice(after, after + 2);
      const cursor = String(after + page.length);
      sendJson(
        res,
        200,
        {
          groups: page,
          meta: { after_cursor: page.length ? cursor : null },
          links: { next: page.length ? `/api/v2/groups.json?page%5Bafter%5D=${cursor}` : null },
        },
        {},
        request,
      );
    });
    const client = clientFor(s);
    try {
      const pages = await collect(client.paginate(GROUPS));
      assert.deepEqual(
        ids(pages),
        records.map((r) => r.id),
      );
      assert.equal(pages.at(-1)!.records.length, 0);
      assert.equal(pages.at(-1)!.done, true);
    } finally {
      await client.close();
    }
  });

  it('meta without has_more and no way onward on a non-empty page: fails clearly', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { groups: groups(2), meta: {} }, {}, request));
    const client = clientFor(s);
    try {
      await assert.rejects(
        collect(client.paginate(GROUPS)),
        (err: unknown) => err instanceof ZendeskPaginationError && /groups/.test(err.message) && /has_more/.test(err.message),
      );
    } finally {
      await client.close();
    }
  });

  it('has_more true without after_cursor or links.next: fails clearly', async () => {
    const s = await stub((request, res) => sendJson(res, 200, { groups: groups(2), meta: { has_more: true } }, {}, request));
    const client = clientFor(s);
    try {
      await assert.rejects(
        collect(client.paginate(GROUPS)),
        (err: unknown) => err instanceof ZendeskPaginationError && /has_more but gives neither/.test(err.message),
      );
    } finally {
      await client.close();
    }
  });
});

describe('list engines refuse to loop', () => {
  it('links.next without has_more or after_cursor pointing back to a page already read: fails after two requests', async () => {
    const s = await stub((request, res) =>
      sendJson(res, 200, { groups: [{ id: 1 }], links: { next: '/api/v2/groups.json?page%5Bafter%5D=x&page%5Bsize%5D=100' } }, {}, request),
    );
    const client = clientFor(s);
    try {
      await assert.rejects(
        collect(client.paginate(GROUPS)),
        (err: unknown) => err instanceof ZendeskPaginationError && /already read/.test(err.message),
      );
      assert.equal(s.requests.length, 2);
    } finally {
      await client.close();
    }
  });
});
