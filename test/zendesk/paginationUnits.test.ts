import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptivePageSize } from '../../zendesk/pagination/pageSize';
import { withDefaultQuery, withQuery } from '../../zendesk/pagination/query';
import { dedupeAgainstPrevious } from '../../zendesk/pagination/timeExport';
import { streams } from '../../catalog/collections';
import { paginate } from '../../zendesk/pagination';
import type { JsonRecord, PageFetcher } from '../../zendesk/pagination/types';

describe('query building', () => {
  it('keeps opaque cursor bytes from next links untouched and replaces only named params', () => {
    const link = '/api/v2/groups.json?page%5Bafter%5D=ab+c%2Fd%3D%3D&page%5Bsize%5D=100';
    assert.equal(withQuery(link, [['page[size]', '50']]), '/api/v2/groups.json?page%5Bafter%5D=ab+c%2Fd%3D%3D&page%5Bsize%5D=50');
  });
  it('encodes new values, including + and = in cursors', () => {
    assert.equal(
      withQuery('/x.json', [
        ['cursor', 'a+b/c=='],
        ['per_page', '1000'],
      ]),
      '/x.json?cursor=a%2Bb%2Fc%3D%3D&per_page=1000',
    );
  });
  it('adds defaults only when missing', () => {
    assert.equal(
      withDefaultQuery('/x.json?exclude_deleted=false', [
        ['exclude_deleted', 'true'],
        ['include', 'users'],
      ]),
      '/x.json?exclude_deleted=false&include=users',
    );
  });
});

describe('adaptive page size', () => {
  it('halves on 504 down to the floor and grows back to the size asked for', () => {
    const size = new AdaptivePageSize(1000, 100);
    for (let i = 0; i < 5; i++) size.onRetry({ attempt: i + 1, status: 504, kind: 'server' });
    assert.equal(size.current, 100);
    size.onRetry({ attempt: 6, status: 500, kind: 'server' });
    assert.equal(size.current, 100, 'only 504 shrinks');
    for (let i = 0; i < 12; i++) size.recordSuccess();
    assert.equal(size.current, 1000);
    const small = new AdaptivePageSize(1000, 100, 5);
    for (let i = 0; i < 6; i++) small.recordSuccess();
    assert.equal(small.current, 5, 'never grows past the size asked for');
  });
});

describe('time-export dedupe', () => {
  it('drops same-or-older copies from the previous page, keeps newer ones, and collapses in-page repeats to the newest', () => {
    const previous = new Map([
      ['1', Date.parse('2024-01-01T00:00:05Z') / 1000],
      ['2', Date.parse('2024-01-01T00:00:05Z') / 1000],
    ]);
    const { records, seen } = dedupeAgainstPrevious(
      [
        { id: 1, updated_at: '2024-01-01T00:00:05Z' },
        { id: 2, updated_at: '2024-01-01T00:00:09Z' },
        { id: 3, updated_at: '2024-01-01T00:00:06Z', v: 'old' },
        { id: 3, updated_at: '2024-01-01T00:00:07Z', v: 'new' },
        { no_id: true },
      ],
      previous,
      'updated_at',
    );
    assert.deepEqual(records, [
      { id: 2, updated_at: '2024-01-01T00:00:09Z' },
      { id: 3, updated_at: '2024-01-01T00:00:07Z', v: 'new' },
      { no_id: true },
    ]);
    assert.deepEqual([...seen.keys()], ['1', '2', '3']);
  });
});

/** A fetcher answering scripted bodies by request path (page[size] stripped), recording the paths asked. */
function scripted(bodies: Record<string, JsonRecord>): PageFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getPage(path) {
      const sent = path();
      asked.push(sent);
      const key = sent.replace(/[?&]page%5Bsize%5D=\d+/, '').replace(/\?$/, '');
      const body = bodies[key];
      if (!body) throw new Error(`unscripted request ${sent}`);
      return body;
    },
    toRequestPath: (link) => link.replace(/^https?:\/\/[^/]+/, ''),
  };
}

describe('list engines: the envelope of each page decides', () => {
  const groups = streams.find((s) => s.name === 'groups')!;
  const forms = streams.find((s) => s.name === 'ticket_forms')!;
  const read = async (stream: typeof groups, fetcher: PageFetcher, resumeCursor: JsonRecord | null = null) => {
    const out: Array<{ ids: unknown[]; resume: unknown; done: boolean }> = [];
    for await (const page of paginate(stream, fetcher, { resumeCursor: resumeCursor as never })) {
      out.push({ ids: page.records.map((r) => r.id), resume: page.resumeCursor, done: page.done });
    }
    return out;
  };

  it('cursor_list: cursor, then offset, then cursor pages are all followed; each resume position names its style', async () => {
    const fetcher = scripted({
      '/api/v2/groups.json': { groups: [{ id: 1 }], meta: { has_more: true, after_cursor: 'A' } },
      '/api/v2/groups.json?page%5Bafter%5D=A': {
        groups: [{ id: 2 }],
        next_page: 'https://x.zendesk.com/api/v2/groups.json?page=3',
        count: 4,
      },
      '/api/v2/groups.json?page=3': {
        groups: [{ id: 3 }],
        meta: { has_more: true, after_cursor: 'C' },
        links: { next: 'https://x.zendesk.com/api/v2/groups.json?page%5Bafter%5D=C' },
      },
      '/api/v2/groups.json?page%5Bafter%5D=C': { groups: [{ id: 4 }], meta: { has_more: false, after_cursor: 'D' } },
    });
    assert.deepEqual(await read(groups, fetcher), [
      { ids: [1], resume: { after_cursor: 'A' }, done: false },
      { ids: [2], resume: { next_page: '/api/v2/groups.json?page=3' }, done: false },
      { ids: [3], resume: { after_cursor: 'C' }, done: false },
      { ids: [4], resume: { after_cursor: null }, done: true },
    ]);
  });

  it('offset_list: a bare first request answered cursor-style continues with page[after]; old and new positions resume', async () => {
    const fetcher = scripted({
      '/api/v2/ticket_forms.json': { ticket_forms: [{ id: 1 }], meta: { has_more: true, after_cursor: 'A' }, links: { next: null } },
      '/api/v2/ticket_forms.json?page%5Bafter%5D=A': { ticket_forms: [{ id: 2 }], meta: { has_more: false } },
      '/api/v2/ticket_forms.json?page=2': { ticket_forms: [{ id: 2 }], next_page: null, count: 2 },
    });
    assert.deepEqual(
      (await read(forms, fetcher)).map((p) => p.resume),
      [{ after_cursor: 'A' }, { next_page: null }],
    );
    assert.match(fetcher.asked[1]!, /page%5Bsize%5D=100/, 'a cursor request carries page[size]');
    assert.deepEqual(
      (await read(forms, fetcher, { after_cursor: 'A' })).map((p) => p.ids),
      [[2]],
    );
    // Resumed from the middle, an offset count cannot be checked against what this run saw.
    assert.deepEqual(
      (await read(forms, fetcher, { next_page: '/api/v2/ticket_forms.json?page=2' })).map((p) => p.ids),
      [[2]],
    );
  });
});
