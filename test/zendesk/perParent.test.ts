// Lists read per parent record (catalog `perParent`): the parent list first, then each parent's list,
// parent ids (strings too) put into the path and onto children that lack them; an empty parent costs
// one request and yields nothing; the last page says done only after the last parent; more parents
// than the bound fail the stream before any child request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paginate } from '../../zendesk/pagination';
import type { StreamSpec } from '../../catalog/types';
import type { JsonRecord, PageFetcher } from '../../zendesk/pagination/types';
import { ZendeskPaginationError } from '../../zendesk';

const stream: StreamSpec = {
  name: 'things',
  style: 'offset_list',
  path: '/api/v2/parents/{parent_id}/things.json',
  recordsKey: 'things',
  bucket: 'core',
  fullRefresh: true,
  skipWhenForbidden: false,
  perParent: { path: '/api/v2/parents.json', recordsKey: 'parents', style: 'offset_list', parentIdField: 'parent_id', maxParents: 3 },
};

function fetcherOf(pages: Record<string, JsonRecord>): PageFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getPage(path) {
      const p = path();
      asked.push(p);
      const page = pages[p];
      if (!page) throw new Error(`unexpected request ${p}`);
      return page;
    },
    toRequestPath: (link) => new URL(link).pathname + new URL(link).search,
  };
}

const whole = (key: string, records: JsonRecord[]) => ({ [key]: records, next_page: null, previous_page: null, count: records.length });

describe('per-parent lists', () => {
  it('reads every parent, fills the parent id, and says done only on the last parent', async () => {
    const fetcher = fetcherOf({
      '/api/v2/parents.json': whole('parents', [{ id: 'a b' }, { id: 7 }, { id: 'x' }]),
      '/api/v2/parents/a%20b/things.json': {
        things: [{ id: 1 }],
        next_page: 'https://z.example.com/api/v2/parents/a%20b/things.json?page=2',
        previous_page: null,
        count: 2,
      },
      '/api/v2/parents/a%20b/things.json?page=2': { things: [{ id: 2 }], next_page: null, previous_page: null, count: 2 },
      '/api/v2/parents/7/things.json': whole('things', []),
      '/api/v2/parents/x/things.json': whole('things', [{ id: 3, parent_id: 'kept' }]),
    });
    const pages = [];
    for await (const page of paginate(stream, fetcher)) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.records),
      [[{ id: 1, parent_id: 'a b' }], [{ id: 2, parent_id: 'a b' }], [], [{ id: 3, parent_id: 'kept' }]],
    );
    assert.deepEqual(pages.map((p) => p.done), [false, false, false, true]);
    assert.equal(fetcher.asked.length, 5, 'the parent list, two pages of the first parent, one request for each other parent');
  });

  it('no parents: one request, one empty last page', async () => {
    const fetcher = fetcherOf({ '/api/v2/parents.json': whole('parents', []) });
    const pages = [];
    for await (const page of paginate(stream, fetcher)) pages.push(page);
    assert.deepEqual(pages.map((p) => [p.records.length, p.done]), [[0, true]]);
    assert.equal(fetcher.asked.length, 1);
  });

  it('more parents than the bound: fails before any child request', async () => {
    const fetcher = fetcherOf({ '/api/v2/parents.json': whole('parents', [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]) });
    await assert.rejects(async () => {
      for await (const page of paginate(stream, fetcher)) void page;
    }, (err: unknown) => err instanceof ZendeskPaginationError && /more than 3/.test(err.message));
    assert.deepEqual(fetcher.asked, ['/api/v2/parents.json']);
  });

  it('a parent without an id fails the stream instead of skipping its children', async () => {
    const fetcher = fetcherOf({ '/api/v2/parents.json': whole('parents', [{ name: 'no id' }]) });
    await assert.rejects(async () => {
      for await (const page of paginate(stream, fetcher)) void page;
    }, ZendeskPaginationError);
  });
});
