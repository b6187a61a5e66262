// Help Center and community collections against the emulator, without Temporal: a full sync of every
// one of them into SQLite and Postgres equals the emulator's ground truth; after an article is
// edited, comments and votes are deleted or added and a post goes, a second cycle equals it again.
// The per-parent streams spend the requests their status says. An account without Help Center
// skips every one of them with a warning (either answer Zendesk may send), never failing.
// Snowflake, and sections, categories and topics changing: secondCycleEveryDestination.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections as helpCenterCollections } from '../../catalog/optional/helpCenter';
import { WorkerResources } from '../../activities/resources';
import { checkSource } from '../../cli/check';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig } from '../../workflows/types';
import { HelpCenterMutations, type Emulator } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { readTable } from '../../harness/warehouseReader';
import { startSyncHarness, type SyncHarness } from '../support/syncHarness';

const HC_TABLES = helpCenterCollections.map((c) => c.name);

let harness: SyncHarness;
let emulator: Emulator;

const config = (kind: 'sqlite' | 'postgres', name: string): Promise<SourceConfig> => harness.sourceFor(kind, name, HC_TABLES);
const cycle = (source: SourceConfig) => harness.cycle(source);

async function warehouseIds(source: SourceConfig, table: string): Promise<number[]> {
  const rows = await readTable(source.destination, source.name, table, { id: 'bigint' });
  return rows.map((r) => r.id as number).sort((a, b) => a - b);
}

before(async () => {
  // Lists of 5 per page, so the category, section, post and per-parent lists really page.
  harness = await startSyncHarness({ emulator: { ...SMALL_ACCOUNT, quirks: { listMaxPageSize: 5 } } });
  emulator = harness.emulator;
});

after(async () => {
  await harness?.close();
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`Help Center collections (${kind})`, () => {
    test('a full sync equals the ground truth; after edits and deletions the next cycle does too', async () => {
      const hc = emulator.store.helpCenter;
      const m = new HelpCenterMutations(emulator.store, () => emulator.now());
      const source = await config(kind, 'help_center');
      assert.deepEqual(
        new Set(enabledStreams(source)),
        new Set([
          'articles',
          'help_center_categories',
          'help_center_sections',
          'community_topics',
          'community_posts',
          'article_comments',
          'article_votes',
          'post_comments',
        ]),
      );

      const first = await cycle(source);
      const truth = expectedRowsFor(
        emulator,
        { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */,
        HC_TABLES,
      );
      for (const table of HC_TABLES) assert.ok(truth[table]!.length > 0, `${table}: the account has some`);
      await assertWarehouseMatches(source.destination, source.name, truth);

      // Per-parent streams: the parents' own read, then one request per parent and page; the status
      // counts every one of them.
      const articles = hc.articles.size;
      const posts = hc.posts.size;
      for (const [stream, parents] of [
        ['article_comments', articles],
        ['article_votes', articles],
        ['post_comments', posts],
      ] as const) {
        const { result, logged } = first[stream]!;
        assert.equal(result.requests, logged, `${stream}: the status counts every request sent`);
        assert.ok(result.requests >= parents + 1, `${stream}: ${result.requests} requests for ${parents} parents`);
        assert.equal(result.skipped, undefined);
      }
      // Votes come up to 6 per article and lists hold 5 per page: some articles need two pages.
      const votesPerArticle = new Map<number, number>();
      for (const v of hc.votes.all())
        if (v.item_type === 'Article') votesPerArticle.set(v.item_id, (votesPerArticle.get(v.item_id) ?? 0) + 1);
      const extraPages = [...votesPerArticle.values()].filter((n) => n > 5).length;
      assert.equal(
        first.article_votes!.result.requests,
        1 + articles + extraPages,
        'article export page + one list per article (+ second pages)',
      );

      // --- changes in Zendesk -----------------------------------------------------------------
      const article = hc.articles.all()[0]!;
      const edited = m.updateArticle(article.id, { title: `Edited ${source.name}`, body: '<p>New body</p>' });
      const goneComment = hc.articleComments.all()[0]!;
      m.deleteArticleComment(goneComment.id);
      const goneVote = hc.votes.all().find((v) => v.item_type === 'Article')!;
      m.deleteVote(goneVote.id);
      const voter = [...emulator.store.users.rows.values()].find((u) => u.active)!;
      const newVote = m.addArticleVote(article.id, { user_id: voter.id, value: -1 });
      const newComment = m.addArticleComment(article.id, { body: 'Added later' });
      const goneCommentOfPost = hc.postComments.all()[0]!;
      m.deletePostComment(goneCommentOfPost.id);
      const gonePost = hc.posts
        .all()
        .find((p) => p.id !== goneCommentOfPost.post_id && hc.postComments.all().some((c) => c.post_id === p.id))!;
      const commentsOfGonePost = hc.postComments
        .all()
        .filter((c) => c.post_id === gonePost.id)
        .map((c) => c.id);
      m.deletePost(gonePost.id);
      emulator.advanceClock(61);

      const second = await cycle(source);
      await assertWarehouseMatches(
        source.destination,
        source.name,
        expectedRowsFor(emulator, { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */, HC_TABLES),
      );
      // The article export sends only what changed since the last cycle (its boundary second again at most).
      assert.ok(second.articles!.result.rows < articles, `${second.articles!.result.rows} articles re-read of ${articles}`);
      const title = (await readTable(source.destination, source.name, 'articles', { id: 'bigint', title: 'text' })).find(
        (r) => r.id === article.id,
      )?.title;
      assert.equal(title, edited.title);
      assert.ok(!(await warehouseIds(source, 'article_comments')).includes(goneComment.id), 'a deleted article comment left the warehouse');
      assert.ok((await warehouseIds(source, 'article_comments')).includes(newComment.id));
      assert.ok(!(await warehouseIds(source, 'article_votes')).includes(goneVote.id), 'a removed vote left the warehouse');
      assert.ok((await warehouseIds(source, 'article_votes')).includes(newVote.id));
      assert.ok(!(await warehouseIds(source, 'posts')).includes(gonePost.id), 'a deleted post left the warehouse');
      const postComments = await warehouseIds(source, 'post_comments');
      for (const id of [goneCommentOfPost.id, ...commentsOfGonePost])
        assert.ok(!postComments.includes(id), `post comment ${id} left the warehouse`);
      assert.ok(second.article_comments!.result.deletedByTable?.article_comments === 1);
      assert.ok(second.post_comments!.result.deletedByTable?.post_comments === 1 + commentsOfGonePost.length);
    });

    if (kind === 'sqlite') {
      for (const listStyle of ['offset', 'cursor'] as const) {
        test(`lists read per parent answering ${listStyle}-style whatever is asked, in pages of 5, equal the ground truth`, async () => {
          emulator.setQuirks({ listStyle });
          try {
            const source = await config(kind, `per_parent_${listStyle}`);
            const results = await cycle(source);
            for (const stream of ['article_comments', 'article_votes', 'post_comments'])
              assert.ok(results[stream]!.result.pages > 1, stream);
            await assertWarehouseMatches(
              source.destination,
              source.name,
              expectedRowsFor(emulator, { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */, HC_TABLES),
            );
          } finally {
            emulator.setQuirks({ listStyle: 'as_asked' });
          }
        });
      }

      test('check: the Help Center streams are available where Help Center is on, and not where it is off', async () => {
        const source = await config(kind, 'check');
        const probe = async () => Object.fromEntries((await checkSource(source, new WorkerResources())).streams.map((s) => [s.stream, s]));
        const on = await probe();
        for (const stream of ['articles', 'help_center_sections', 'article_comments', 'article_votes', 'post_comments']) {
          assert.equal(on[stream]?.available, true, `${stream}: ${JSON.stringify(on[stream])}`);
        }
        emulator.setQuirks({ helpCenterEnabled: false });
        try {
          const off = await probe();
          for (const stream of ['articles', 'article_comments', 'post_comments']) assert.equal(off[stream]?.available, false, stream);
          assert.equal(off.tickets?.available, true);
        } finally {
          emulator.setQuirks({ helpCenterEnabled: true });
        }
      });
    }

    for (const answer of [404, 403] as const) {
      test(`an account without Help Center (answering ${answer}) skips every Help Center stream with a warning`, async () => {
        emulator.setQuirks({ helpCenterEnabled: false, helpCenterOffAnswer: answer });
        try {
          const source = await config(kind, `no_help_center_${answer}`);
          const results = await cycle(source);
          assert.equal(Object.keys(results).length, 8);
          for (const [stream, { result }] of Object.entries(results)) {
            assert.ok(result.skipped, `${stream} skipped`);
            assert.match(result.warnings.join('\n'), new RegExp(`${stream} skipped`));
            assert.equal(result.rows, 0);
          }
          await assertWarehouseMatches(
            source.destination,
            source.name,
            expectedRowsFor(emulator, { firstSyncAfterMs: Date.now() } /* no ticket tables: the lookback does not apply */, HC_TABLES),
          );
        } finally {
          emulator.setQuirks({ helpCenterEnabled: true, helpCenterOffAnswer: 404 });
        }
      });
    }
  });
}
