/**
 * Ground truth of the Help Center and community collections, projected from the emulator's model
 * (see groundTruth.ts for the row conventions). An account without Help Center has none of them.
 */
import { collections } from '../catalog/collections';
import { hcUrls } from './data/helpCenter';
import type { QuirkSettings } from './options';
import type { Store } from './store';
import { isoFromEpoch } from './time';

type Row = Record<string, unknown>;

const ts = (v: string | null): string | null => (v === null ? null : isoFromEpoch(Math.floor(Date.parse(v) / 1000)));

/** Exactly the catalog's columns (received_at aside); a column without a projection is a bug. */
function pick(collection: string, full: Row): Row {
  const row: Row = {};
  for (const column of collections.find((c) => c.name === collection)!.columns) {
    if (column.name === 'received_at') continue;
    if (!(column.name in full)) throw new Error(`groundTruth: no projection for ${collection}.${column.name}`);
    row[column.name] = full[column.name] === undefined ? null : full[column.name];
  }
  return row;
}

const times = (r: { created_at: string; updated_at: string }) => ({ created_at: ts(r.created_at), updated_at: ts(r.updated_at) });

/** Builders per collection, for computeGroundTruth's `add`. */
export function helpCenterGroundTruth(store: Store, baseUrl: string, quirks: QuirkSettings): Record<string, () => Row[]> {
  const hc = store.helpCenter;
  const on = quirks.helpCenterEnabled;
  const rows =
    <T>(table: { all(): T[] }, build: (record: T) => Row): (() => Row[]) =>
    () =>
      on ? table.all().map(build) : [];
  return {
    categories: rows(hc.categories, (c) =>
      pick('categories', { ...c, ...times(c), url: hcUrls.category(baseUrl, c), html_url: hcUrls.categoryHtml(baseUrl, c) }),
    ),
    sections: rows(hc.sections, (s) =>
      pick('sections', { ...s, ...times(s), url: hcUrls.section(baseUrl, s), html_url: hcUrls.sectionHtml(baseUrl, s) }),
    ),
    articles: rows(hc.articles, (a) =>
      pick('articles', {
        ...a,
        ...times(a),
        edited_at: ts(a.edited_at),
        url: hcUrls.article(baseUrl, a),
        html_url: hcUrls.articleHtml(baseUrl, a),
      }),
    ),
    article_comments: rows(hc.articleComments, (c) =>
      pick('article_comments', {
        ...c,
        ...times(c),
        article_id: c.source_id,
        url: hcUrls.articleComment(baseUrl, c),
        html_url: hcUrls.articleCommentHtml(baseUrl, c),
      }),
    ),
    article_votes: () =>
      on
        ? hc.votes
            .all()
            .filter((v) => v.item_type === 'Article')
            .map((v) => pick('article_votes', { ...v, ...times(v), url: hcUrls.vote(baseUrl, v) }))
        : [],
    topics: rows(hc.topics, (t) =>
      pick('topics', { ...t, ...times(t), url: hcUrls.topic(baseUrl, t), html_url: hcUrls.topicHtml(baseUrl, t) }),
    ),
    posts: rows(hc.posts, (p) =>
      pick('posts', { ...p, ...times(p), edited_at: ts(p.edited_at), url: hcUrls.post(baseUrl, p), html_url: hcUrls.postHtml(baseUrl, p) }),
    ),
    post_comments: rows(hc.postComments, (c) =>
      pick('post_comments', { ...c, ...times(c), url: hcUrls.postComment(baseUrl, c), html_url: hcUrls.postCommentHtml(baseUrl, c) }),
    ),
  };
}
