// The per-parent list engine (catalog `perParent`) and Help Center's article export, on scripted
// answers: which requests are sent, what each page resumes from, and how it ends or fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streams } from '../../catalog/collections';
import { ZendeskNotFoundError, ZendeskPaginationError } from '../../zendesk/errors';
import { paginate } from '../../zendesk/pagination';
import type { JsonRecord, PageFetcher } from '../../zendesk/pagination/types';

function scripted(bodies: Record<string, JsonRecord | Error>): PageFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getPage(path) {
      const sent = path();
      asked.push(sent);
      const key = sent.replace(/[?&]page%5Bsize%5D=\d+/, '').replace(/\?$/, '');
      const body = bodies[key];
      if (!body) throw new Error(`unscripted request ${sent}`);
      if (body instanceof Error) throw body;
      return body;
    },
    toRequestPath: (link) => link.replace(/^https?:\/\/[^/]+/, ''),
  };
}

const postComments = streams.find((s) => s.name === 'post_comments')!;
const articles = streams.find((s) => s.name === 'articles')!;

async function read(stream: typeof postComments, fetcher: PageFetcher, resumeCursor: JsonRecord | null = null) {
  const out: Array<{ ids: unknown[]; resume: unknown; done: boolean }> = [];
  for await (const page of paginate(stream, fetcher, { resumeCursor: resumeCursor as never, startTime: 0 })) {
    out.push({ ids: page.records.map((r) => r.id), resume: page.resumeCursor, done: page.done });
  }
  return out;
}

const twoPosts = {
  '/api/v2/community/posts.json': { posts: [{ id: 20 }], meta: { has_more: true, after_cursor: 'P' } },
  '/api/v2/community/posts.json?page%5Bafter%5D=P': { posts: [{ id: 10 }], meta: { has_more: false } },
  '/api/v2/community/posts/10/comments.json': { comments: [{ id: 101 }], meta: { has_more: true, after_cursor: 'C' } },
  '/api/v2/community/posts/10/comments.json?page%5Bafter%5D=C': { comments: [{ id: 102 }], meta: { has_more: false } },
  '/api/v2/community/posts/20/comments.json': { comments: [{ id: 201 }], meta: { has_more: false } },
};

describe('per-parent lists', () => {
  it("lists the parents, then each parent's pages in id order; a page resumes before its parent until the parent is done", async () => {
    const fetcher = scripted(twoPosts);
    assert.deepEqual(await read(postComments, fetcher), [
      { ids: [101], resume: { after_parent_id: null }, done: false },
      { ids: [102], resume: { after_parent_id: 10 }, done: false },
      { ids: [201], resume: { after_parent_id: 20 }, done: true },
    ]);
    assert.equal(fetcher.asked.length, 5, 'two parent pages, three child pages: nothing else');
  });

  it('resumes after the last parent whose children were all read', async () => {
    const fetcher = scripted(twoPosts);
    assert.deepEqual(await read(postComments, fetcher, { after_parent_id: 10 }), [
      { ids: [201], resume: { after_parent_id: 20 }, done: true },
    ]);
    assert.ok(!fetcher.asked.some((p) => p.includes('/posts/10/')), 'the finished parent is not read again');
    assert.deepEqual(await read(postComments, scripted(twoPosts), { after_parent_id: 20 }), [
      { ids: [], resume: { after_parent_id: 20 }, done: true },
    ]);
    await assert.rejects(read(postComments, scripted(twoPosts), { after_cursor: 'x' }), /after_parent_id/);
  });

  it('a parent deleted between the listing and its read has no children; the read goes on', async () => {
    const fetcher = scripted({
      ...twoPosts,
      '/api/v2/community/posts/10/comments.json': new ZendeskNotFoundError('Not found', { status: 404, noHelpDesk: false }),
    });
    assert.deepEqual(await read(postComments, fetcher), [
      { ids: [], resume: { after_parent_id: 10 }, done: false },
      { ids: [201], resume: { after_parent_id: 20 }, done: true },
    ]);
  });

  it('string ids (routing attributes) are ordered, escaped into the path and set on children that lack them', async () => {
    const values = streams.find((s) => s.name === 'attribute_values')!;
    const fetcher = scripted({
      '/api/v2/routing/attributes.json': { attributes: [{ id: 'b-2' }, { id: 'a 1' }], next_page: null, count: 2 },
      '/api/v2/routing/attributes/a%201/values.json': { attribute_values: [{ id: 'v1' }], next_page: null, count: 1 },
      '/api/v2/routing/attributes/b-2/values.json': { attribute_values: [{ id: 'v2', attribute_id: 'b-2' }], next_page: null, count: 1 },
    });
    const seen: JsonRecord[] = [];
    for await (const page of paginate(values, fetcher, { startTime: 0 })) seen.push(...page.records);
    assert.deepEqual(seen, [
      { id: 'v1', attribute_id: 'a 1' },
      { id: 'v2', attribute_id: 'b-2' },
    ]);
    assert.deepEqual(await read(values, fetcher, { after_parent_id: 'a 1' }).then((pages) => pages.map((p) => p.ids)), [['v2']]);
  });

  it('more parents than the bound fail the stream before any child is read, naming the bound', async () => {
    const bounded = { ...postComments, perParent: { ...postComments.perParent!, maxParents: 1 } };
    const fetcher = scripted(twoPosts);
    await assert.rejects(
      read(bounded, fetcher),
      (error: unknown) => error instanceof ZendeskPaginationError && /more than 1 of them/.test(error.message),
    );
    assert.ok(!fetcher.asked.some((p) => p.includes('/comments')), 'no child list was read');
  });

  it('an account without parents reads nothing more and ends', async () => {
    const fetcher = scripted({ '/api/v2/community/posts.json': { posts: [], meta: { has_more: false } } });
    assert.deepEqual(await read(postComments, fetcher), [{ ids: [], resume: { after_parent_id: null }, done: true }]);
  });
});

describe("Help Center's article export (no end_of_stream)", () => {
  const exportPage = (start: number) => `/api/v2/help_center/incremental/articles.json?start_time=${start}&per_page=2`;
  const readArticles = async (fetcher: PageFetcher) => {
    const out: Array<{ ids: unknown[]; resume: unknown; done: boolean }> = [];
    for await (const page of paginate(articles, fetcher, { startTime: 0, pageSize: 2 })) {
      out.push({ ids: page.records.map((r) => r.id), resume: page.resumeCursor, done: page.done });
    }
    return out;
  };

  it('a full page with a next_page continues from end_time; next_page null ends even a full page', async () => {
    const fetcher = scripted({
      [exportPage(0)]: {
        articles: [
          { id: 1, updated_at: '2024-01-01T00:00:10Z' },
          { id: 2, updated_at: '2024-01-01T00:00:20Z' },
        ],
        next_page: 'https://x/y?start_time=20',
        end_time: 20,
      },
      [exportPage(20)]: {
        articles: [
          { id: 2, updated_at: '2024-01-01T00:00:20Z' },
          { id: 3, updated_at: '2024-01-01T00:00:30Z' },
        ],
        next_page: null,
        end_time: 30,
      },
    });
    assert.deepEqual(await readArticles(fetcher), [
      { ids: [1, 2], resume: { start_time: 20 }, done: false },
      { ids: [3], resume: { start_time: 30 }, done: true },
    ]);
  });
});
