/**
 * Help Center and community endpoints (`/api/v2/help_center/...`, `/api/v2/community/...`):
 * the lists in both envelopes (cursor with `page[size]`, offset otherwise) through the shared list
 * engine, the per-article and per-post lists, and Help Center's incremental article export.
 *
 * An account without Help Center answers every one of these paths with quirks.helpCenterOffAnswer.
 */
import type { ApiRequest, EmulatorContext } from '../context';
import { errors, jsonResponse, type ApiResponse } from '../http';
import {
  hcUrls,
  type HelpCenterMutations,
  type HcArticle,
  type HcArticleComment,
  type HcCategory,
  type HcPost,
  type HcPostComment,
  type HcSection,
  type HcTopic,
  type HcVote,
} from '../data/helpCenter';
import type { Store, Table } from '../store';
import type { ApiRoute } from './api';
import { serveList, type ListDef } from './lists';
import type { ListOrder } from './pagination';
import { epochFromIso } from '../time';

const byId = <T extends { id: number }>(): ListOrder<T> => ({ spec: 'id', desc: false, key: (r) => [r.id, r.id] });
const byTime = <T extends { id: number }>(field: keyof T & string, desc: boolean): ListOrder<T> => ({
  spec: `${desc ? '-' : ''}${field},id`,
  desc,
  key: (r) => [epochFromIso(r[field] as unknown as string), r.id],
});
const byPosition = <T extends { id: number; position: number }>(): ListOrder<T> => ({
  spec: 'position,id',
  desc: false,
  key: (r) => [r.position, r.id],
});
const orders = <T extends { id: number }>(): Record<string, ListOrder<T>> => ({
  id: byId<T>(),
  created_at: byTime<T>('created_at' as keyof T & string, false),
  '-created_at': byTime<T>('created_at' as keyof T & string, true),
  updated_at: byTime<T>('updated_at' as keyof T & string, false),
  '-updated_at': byTime<T>('updated_at' as keyof T & string, true),
});

/** `{"url":…,"html_url":…, ...record}` */
function withUrls(url: string, htmlUrl: string | null, record: object): string {
  return JSON.stringify(htmlUrl === null ? { url, ...record } : { url, html_url: htmlUrl, ...record });
}

function def<T extends { id: number }>(
  key: string,
  table: (store: Store) => Table<T>,
  serialize: (ctx: EmulatorContext, record: T) => string,
  extraOrders: Record<string, ListOrder<T>> = {},
  defaultOrder = 'id',
): ListDef<T> {
  return {
    key,
    table,
    orders: { ...orders<T>(), ...extraOrders },
    defaultOrder,
    serialize,
    urlPath: key,
    singular: key.replace(/s$/, ''),
  };
}

const categoriesList = def<HcCategory>(
  'categories',
  (s) => s.helpCenter.categories,
  (ctx, c) => withUrls(hcUrls.category(ctx.baseUrl(), c), hcUrls.categoryHtml(ctx.baseUrl(), c), c),
  { position: byPosition() },
  'position',
);
const sectionsList = def<HcSection>(
  'sections',
  (s) => s.helpCenter.sections,
  (ctx, s) => withUrls(hcUrls.section(ctx.baseUrl(), s), hcUrls.sectionHtml(ctx.baseUrl(), s), s),
  { position: byPosition() },
  'position',
);
const articlesList = def<HcArticle>(
  'articles',
  (s) => s.helpCenter.articles,
  (ctx, a) => withUrls(hcUrls.article(ctx.baseUrl(), a), hcUrls.articleHtml(ctx.baseUrl(), a), a),
  { position: byPosition() },
  'position',
);
const articleCommentsList = def<HcArticleComment>(
  'comments',
  (s) => s.helpCenter.articleComments,
  (ctx, c) => withUrls(hcUrls.articleComment(ctx.baseUrl(), c), hcUrls.articleCommentHtml(ctx.baseUrl(), c), c),
  {},
  'created_at',
);
const votesList = def<HcVote>(
  'votes',
  (s) => s.helpCenter.votes,
  (ctx, v) => withUrls(hcUrls.vote(ctx.baseUrl(), v), null, v),
  {},
  'created_at',
);
const topicsList = def<HcTopic>(
  'topics',
  (s) => s.helpCenter.topics,
  (ctx, t) => withUrls(hcUrls.topic(ctx.baseUrl(), t), hcUrls.topicHtml(ctx.baseUrl(), t), t),
  { position: byPosition() },
  'position',
);
const postsList = def<HcPost>(
  'posts',
  (s) => s.helpCenter.posts,
  (ctx, p) => withUrls(hcUrls.post(ctx.baseUrl(), p), hcUrls.postHtml(ctx.baseUrl(), p), p),
  {},
  '-created_at',
);
const postCommentsList = def<HcPostComment>(
  'comments',
  (s) => s.helpCenter.postComments,
  (ctx, c) => withUrls(hcUrls.postComment(ctx.baseUrl(), c), hcUrls.postCommentHtml(ctx.baseUrl(), c), c),
  {},
  'created_at',
);

/** Help Center's incremental article export: up to 1,000 articles per page (`per_page` lowers it). */
export const ARTICLE_EXPORT_MAX_PAGE = 1000;

/**
 * `/help_center/incremental/articles?start_time=`: articles with updated_at >= start_time in
 * (updated_at, id) order. A full page ends at its last article's second (which the next page repeats);
 * a full page of one second is stretched to that whole second with end_time = second + 1. The last
 * page has next_page null. No end_of_stream, and no one-minute delay: neither is documented for
 * this export.
 */
function articlesExport(ctx: EmulatorContext, req: ApiRequest): ApiResponse {
  const raw = req.query.get('start_time');
  const startTime = raw === null ? NaN : Math.floor(Number(raw));
  if (!Number.isFinite(startTime) || startTime < 0)
    return errors.invalidValue('start_time is required and must be a Unix epoch time in seconds');
  const rawPer = Number(req.query.get('per_page') ?? ARTICLE_EXPORT_MAX_PAGE);
  const perPage = Math.min(ARTICLE_EXPORT_MAX_PAGE, Math.max(1, Math.floor(rawPer) || ARTICLE_EXPORT_MAX_PAGE));
  const all = ctx.store.helpCenter.articles
    .ordered('export', { key: (a) => [epochFromIso(a.updated_at), a.id], desc: false })
    .filter((a) => epochFromIso(a.updated_at) >= startTime);
  let page = all.slice(0, perPage);
  let endTime = startTime;
  if (page.length > 0) {
    const first = epochFromIso(page[0]!.updated_at);
    const last = epochFromIso(page[page.length - 1]!.updated_at);
    if (page.length === perPage && first === last) {
      page = all.filter((a) => epochFromIso(a.updated_at) === first);
      endTime = first + 1;
    } else {
      endTime = last;
    }
  }
  const more = all.length > page.length;
  const nextPage = more ? `${ctx.baseUrl()}/api/v2/help_center/incremental/articles.json?start_time=${endTime}` : null;
  const body = `{"articles":[${page.map((a) => articlesList.serialize(ctx, a)).join(',')}],"count":${page.length},"next_page":${JSON.stringify(nextPage)},"end_time":${endTime}}`;
  return jsonResponse(200, body);
}

function helpCenterOff(ctx: EmulatorContext): ApiResponse {
  return ctx.quirks().helpCenterOffAnswer === 403 ? errors.forbidden() : errors.recordNotFound();
}

/**
 * The route for a path under /api/v2 whose first segment is `help_center` or `community`; null when
 * nothing there answers it, undefined for other paths.
 */
export function matchHelpCenterRoute(segments: string[], path: string): ApiRoute | null | undefined {
  const [area, first, second, third] = segments;
  if (area !== 'help_center' && area !== 'community') return undefined;
  const isId = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
  const gated = (handler: ApiRoute['handler']): ApiRoute => ({
    handler: (ctx, req) => (ctx.quirks().helpCenterEnabled ? handler(ctx, req) : helpCenterOff(ctx)),
    adminOnly: false,
  });
  const list = <T extends { id: number }>(listDef: ListDef<T>, scope?: (ctx: EmulatorContext, record: T) => boolean) =>
    gated((ctx, req) => serveList(ctx, req, listDef, path, scope ? (r) => scope(ctx, r) : undefined));
  const perParent = <T extends { id: number }>(
    parentTable: (ctx: EmulatorContext) => Table<{ id: number }>,
    listDef: ListDef<T>,
    belongs: (record: T, parentId: number) => boolean,
  ) => {
    const parentId = Number(second);
    return gated((ctx, req) =>
      parentTable(ctx).get(parentId) ? serveList(ctx, req, listDef, path, (r) => belongs(r, parentId)) : errors.recordNotFound(),
    );
  };

  if (area === 'help_center') {
    if (first === 'incremental' && second === 'articles' && segments.length === 3) return gated(articlesExport);
    if (segments.length === 2 && first === 'categories') return list(categoriesList);
    if (segments.length === 2 && first === 'sections') return list(sectionsList);
    if (segments.length === 2 && first === 'articles') return list(articlesList);
    if (segments.length === 4 && first === 'articles' && isId(second)) {
      const articles = (ctx: EmulatorContext) => ctx.store.helpCenter.articles as unknown as Table<{ id: number }>;
      if (third === 'comments') return perParent(articles, articleCommentsList, (c, id) => c.source_id === id);
      if (third === 'votes') return perParent(articles, votesList, (v, id) => v.item_type === 'Article' && v.item_id === id);
    }
    return null;
  }
  if (segments.length === 2 && first === 'topics') return list(topicsList);
  if (segments.length === 2 && first === 'posts') return list(postsList);
  if (segments.length === 4 && first === 'posts' && isId(second)) {
    const posts = (ctx: EmulatorContext) => ctx.store.helpCenter.posts as unknown as Table<{ id: number }>;
    if (third === 'comments') return perParent(posts, postCommentsList, (c, id) => c.post_id === id);
    if (third === 'votes') return perParent(posts, votesList, (v, id) => v.item_type === 'Post' && v.item_id === id);
  }
  return null;
}

/**
 * Admin API for Help Center changes between syncs, under `/__admin/help_center/`:
 * `PUT articles/{id}`, `POST articles/{id}/comments`, `POST articles/{id}/votes`,
 * `DELETE article_comments/{id}`, `DELETE votes/{id}`, `PUT posts/{id}`, `DELETE posts/{id}`,
 * `POST posts/{id}/comments`, `DELETE post_comments/{id}`, `POST sections`, `DELETE sections/{id}`.
 * Returns null for a route it does not know.
 */
export function handleHelpCenterAdmin(
  mutations: HelpCenterMutations,
  method: string,
  segments: string[],
  body: Record<string, unknown>,
): ApiResponse | null {
  const [kind, rawId, sub] = segments;
  const id = rawId !== undefined && /^\d+$/.test(rawId) ? Number(rawId) : undefined;
  const ok = (value: unknown) => jsonResponse(200, value as object);
  const route = `${method} ${kind ?? ''}${id !== undefined ? '/:id' : ''}${sub ? `/${sub}` : ''}`;
  switch (route) {
    case 'PUT articles/:id':
      return ok({ article: mutations.updateArticle(id!, body) });
    case 'POST articles/:id/comments':
      return ok({ comment: mutations.addArticleComment(id!, body) });
    case 'POST articles/:id/votes':
      return ok({ vote: mutations.addArticleVote(id!, body as { user_id: number; value?: 1 | -1 }) });
    case 'DELETE article_comments/:id':
      mutations.deleteArticleComment(id!);
      return ok({ deleted: id });
    case 'DELETE votes/:id':
      mutations.deleteVote(id!);
      return ok({ deleted: id });
    case 'PUT posts/:id':
      return ok({ post: mutations.updatePost(id!, body) });
    case 'DELETE posts/:id':
      mutations.deletePost(id!);
      return ok({ deleted: id });
    case 'POST posts/:id/comments':
      return ok({ comment: mutations.addPostComment(id!, body) });
    case 'DELETE post_comments/:id':
      mutations.deletePostComment(id!);
      return ok({ deleted: id });
    case 'POST sections':
      return ok({ section: mutations.addSection(body as { category_id: number; name?: string }) });
    case 'DELETE sections/:id':
      mutations.deleteSection(id!);
      return ok({ deleted: id });
    case 'PUT sections/:id':
      return ok({ section: mutations.updateSection(id!, body) });
    case 'POST categories':
      return ok({ category: mutations.addCategory(body) });
    case 'PUT categories/:id':
      return ok({ category: mutations.updateCategory(id!, body) });
    case 'DELETE categories/:id':
      mutations.deleteCategory(id!);
      return ok({ deleted: id });
    case 'POST topics':
      return ok({ topic: mutations.addTopic(body) });
    case 'PUT topics/:id':
      return ok({ topic: mutations.updateTopic(id!, body) });
    case 'DELETE topics/:id':
      mutations.deleteTopic(id!);
      return ok({ deleted: id });
  }
  return null;
}
