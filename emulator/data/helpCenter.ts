/**
 * Help Center (Guide) and community records of the emulated account: categories > sections >
 * articles (with comments and votes), topics > posts (with comments). Authors, commenters and voters
 * are the account's own users (articles by agents; comments and votes by active users, at most one
 * vote per user and item), so every id a record names resolves.
 *
 * Generated from random streams and an id allocator of their own, so adding Help Center data never
 * shifts a value or id of the rest of the account.
 */
import { IdAllocator } from '../ids';
import { Random } from '../random';
import type { Store } from '../store';
import { Table } from '../store';
import { DAY, isoFromEpoch } from '../time';
import type { TextPools } from './textPools';

export interface HcCategory {
  id: number;
  name: string;
  description: string;
  locale: string;
  source_locale: string;
  position: number;
  outdated: boolean;
  created_at: string;
  updated_at: string;
}

export interface HcSection {
  id: number;
  category_id: number;
  parent_section_id: number | null;
  name: string;
  description: string;
  locale: string;
  source_locale: string;
  position: number;
  sorting: string;
  outdated: boolean;
  theme_template: string;
  created_at: string;
  updated_at: string;
}

export interface HcArticle {
  id: number;
  author_id: number;
  section_id: number;
  permission_group_id: number;
  user_segment_id: number | null;
  title: string;
  body: string;
  locale: string;
  source_locale: string;
  comments_disabled: boolean;
  draft: boolean;
  promoted: boolean;
  position: number;
  vote_sum: number;
  vote_count: number;
  outdated: boolean;
  outdated_locales: string[];
  label_names: string[];
  content_tag_ids: string[];
  created_at: string;
  updated_at: string;
  edited_at: string;
}

export interface HcArticleComment {
  id: number;
  source_id: number;
  source_type: 'Article';
  author_id: number;
  body: string;
  locale: string;
  non_author_editor_id: number | null;
  non_author_updated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HcVote {
  id: number;
  item_id: number;
  item_type: 'Article' | 'Post';
  user_id: number;
  value: 1 | -1;
  created_at: string;
  updated_at: string;
}

export interface HcTopic {
  id: number;
  name: string;
  description: string;
  position: number;
  follower_count: number;
  manageable_by: string;
  user_segment_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface HcPost {
  id: number;
  author_id: number;
  topic_id: number;
  title: string;
  details: string;
  status: string;
  pinned: boolean;
  featured: boolean;
  closed: boolean;
  vote_sum: number;
  vote_count: number;
  comment_count: number;
  follower_count: number;
  non_author_editor_id: number | null;
  non_author_updated_at: string | null;
  created_at: string;
  updated_at: string;
  edited_at: string;
}

export interface HcPostComment {
  id: number;
  post_id: number;
  author_id: number;
  body: string;
  official: boolean;
  vote_sum: number;
  vote_count: number;
  non_author_editor_id: number | null;
  non_author_updated_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Every Help Center record of the account, and the allocator new ones take their ids from. */
export class HelpCenterTables {
  readonly categories = new Table<HcCategory>('hc_categories');
  readonly sections = new Table<HcSection>('hc_sections');
  readonly articles = new Table<HcArticle>('hc_articles');
  readonly articleComments = new Table<HcArticleComment>('hc_article_comments');
  readonly votes = new Table<HcVote>('hc_votes');
  readonly topics = new Table<HcTopic>('community_topics');
  readonly posts = new Table<HcPost>('community_posts');
  readonly postComments = new Table<HcPostComment>('community_post_comments');

  constructor(readonly ids: IdAllocator) {}

  tables(): Array<Table<{ id: number }>> {
    return [
      this.categories,
      this.sections,
      this.articles,
      this.articleComments,
      this.votes,
      this.topics,
      this.posts,
      this.postComments,
    ] as unknown as Array<Table<{ id: number }>>;
  }
}

/** Record urls, shared by the routes and the ground truth. */
export const hcUrls = {
  category: (base: string, c: HcCategory) => `${base}/api/v2/help_center/${c.locale}/categories/${c.id}.json`,
  categoryHtml: (base: string, c: HcCategory) => `${base}/hc/${c.locale}/categories/${c.id}`,
  section: (base: string, s: HcSection) => `${base}/api/v2/help_center/${s.locale}/sections/${s.id}.json`,
  sectionHtml: (base: string, s: HcSection) => `${base}/hc/${s.locale}/sections/${s.id}`,
  article: (base: string, a: HcArticle) => `${base}/api/v2/help_center/${a.locale}/articles/${a.id}.json`,
  articleHtml: (base: string, a: HcArticle) => `${base}/hc/${a.locale}/articles/${a.id}`,
  articleComment: (base: string, c: HcArticleComment) =>
    `${base}/api/v2/help_center/${c.locale}/articles/${c.source_id}/comments/${c.id}.json`,
  articleCommentHtml: (base: string, c: HcArticleComment) => `${base}/hc/${c.locale}/articles/${c.source_id}/comments/${c.id}`,
  vote: (base: string, v: HcVote) => `${base}/api/v2/help_center/votes/${v.id}.json`,
  topic: (base: string, t: HcTopic) => `${base}/api/v2/community/topics/${t.id}.json`,
  topicHtml: (base: string, t: HcTopic) => `${base}/hc/en-us/community/topics/${t.id}`,
  post: (base: string, p: HcPost) => `${base}/api/v2/community/posts/${p.id}.json`,
  postHtml: (base: string, p: HcPost) => `${base}/hc/en-us/community/posts/${p.id}`,
  postComment: (base: string, c: HcPostComment) => `${base}/api/v2/community/posts/${c.post_id}/comments/${c.id}.json`,
  postCommentHtml: (base: string, c: HcPostComment) => `${base}/hc/en-us/community/posts/${c.post_id}/comments/${c.id}`,
};

const CATEGORY_NAMES = ['Getting started', 'Billing and accounts', 'Troubleshooting', 'Integrations'];
const TOPIC_NAMES = ['Feature requests', 'Tips and tricks', 'Announcements', 'Q&A'];

/** How much Help Center content an account of this size has (kept modest: comments and votes cost a request per article). */
export function helpCenterSizes(users: number): { categories: number; sections: number; articles: number; topics: number; posts: number } {
  return {
    categories: 4,
    sections: 8,
    articles: Math.min(150, Math.max(20, Math.round(users / 2))),
    topics: 4,
    posts: Math.min(100, Math.max(10, Math.round(users / 5))),
  };
}

export function generateHelpCenter(store: Store, pools: TextPools, seed: number, referenceTime: number, historyDays: number): HelpCenterTables {
  const random = new Random(`${seed}:help-center`);
  const hc = new HelpCenterTables(new IdAllocator(new Random(`${seed}:help-center-ids`), 8_000_000_000_000));
  const ids = hc.ids;
  const latest = referenceTime - 120;
  const start = referenceTime - historyDays * DAY;
  const between = (from: number, to: number) => (to <= from ? from : random.int(from, to));
  const users = [...store.users.rows.values()].filter((u) => u.active);
  const agents = users.filter((u) => u.role !== 'end-user');
  const authors = agents.length ? agents : users;
  const sizes = helpCenterSizes(store.users.size);
  const epoch = (iso: string) => Date.parse(iso) / 1000;

  const categories: HcCategory[] = [];
  for (let i = 0; i < sizes.categories; i++) {
    const created = between(start, start + 30 * DAY);
    categories.push(
      hc.categories.put({
        id: ids.next(),
        name: CATEGORY_NAMES[i % CATEGORY_NAMES.length]!,
        description: random.pick(pools.sentences),
        locale: 'en-us',
        source_locale: 'en-us',
        position: i,
        outdated: false,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(between(created, latest)),
      }),
    );
  }
  const sections: HcSection[] = [];
  for (let i = 0; i < sizes.sections; i++) {
    const category = categories[i % categories.length]!;
    const created = between(epoch(category.created_at), epoch(category.created_at) + 30 * DAY);
    // The last section nests under the first one of its category.
    const parent = i >= categories.length && i === sizes.sections - 1 ? sections[i % categories.length]! : null;
    sections.push(
      hc.sections.put({
        id: ids.next(),
        category_id: category.id,
        parent_section_id: parent ? parent.id : null,
        name: `${random.pick(pools.words)} ${i}`,
        description: random.chance(0.6) ? random.pick(pools.sentences) : '',
        locale: 'en-us',
        source_locale: 'en-us',
        position: i,
        sorting: random.pick(['manual', 'created_at', 'title']),
        outdated: false,
        theme_template: 'section_page',
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(between(created, latest)),
      }),
    );
  }

  const vote = (itemId: number, itemType: HcVote['item_type'], voters: number, after: number): HcVote[] =>
    random.sample(users, Math.min(voters, users.length)).map((user) => {
      const at = between(after, latest);
      return hc.votes.put({
        id: ids.next(),
        item_id: itemId,
        item_type: itemType,
        user_id: user.id,
        value: random.chance(0.75) ? 1 : -1,
        created_at: isoFromEpoch(at),
        updated_at: isoFromEpoch(random.chance(0.1) ? between(at, latest) : at),
      });
    });

  for (let i = 0; i < sizes.articles; i++) {
    const section = random.pick(sections);
    const created = between(epoch(section.created_at), latest - DAY);
    const edited = between(created, latest);
    const articleId = ids.next();
    const votes = vote(articleId, 'Article', random.int(0, 6), created);
    hc.articles.put({
      id: articleId,
      author_id: random.pick(authors).id,
      section_id: section.id,
      permission_group_id: 360000123456,
      user_segment_id: random.chance(0.2) ? 360000654321 : null,
      title: random.pick(pools.subjects),
      body: `<p>${random.pick(pools.paragraphs).replace(/\n\n/g, '</p><p>')}</p>`,
      locale: 'en-us',
      source_locale: 'en-us',
      comments_disabled: random.chance(0.1),
      draft: random.chance(0.1),
      promoted: random.chance(0.1),
      position: i,
      vote_sum: votes.reduce((sum, v) => sum + v.value, 0),
      vote_count: votes.length,
      outdated: random.chance(0.05),
      outdated_locales: [],
      label_names: random.sample(pools.words, random.int(0, 3)),
      content_tag_ids: [],
      created_at: isoFromEpoch(created),
      // Votes and comments leave an article's updated_at alone; edits move both.
      updated_at: isoFromEpoch(between(edited, latest)),
      edited_at: isoFromEpoch(edited),
    });
    const comments = random.int(0, 4);
    for (let c = 0; c < comments; c++) {
      const at = between(created, latest);
      hc.articleComments.put({
        id: ids.next(),
        source_id: articleId,
        source_type: 'Article',
        author_id: random.pick(users).id,
        body: random.pick(pools.sentences),
        locale: 'en-us',
        non_author_editor_id: null,
        non_author_updated_at: null,
        created_at: isoFromEpoch(at),
        updated_at: isoFromEpoch(random.chance(0.2) ? between(at, latest) : at),
      });
    }
  }

  const topics: HcTopic[] = [];
  for (let i = 0; i < sizes.topics; i++) {
    const created = between(start, start + 60 * DAY);
    topics.push(
      hc.topics.put({
        id: ids.next(),
        name: TOPIC_NAMES[i % TOPIC_NAMES.length]!,
        description: random.pick(pools.sentences),
        position: i,
        follower_count: random.int(0, 50),
        manageable_by: random.pick(['managers', 'managers', 'agents']),
        user_segment_id: null,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(between(created, latest)),
      }),
    );
  }
  for (let i = 0; i < sizes.posts; i++) {
    const topic = random.pick(topics);
    const created = between(epoch(topic.created_at), latest - DAY);
    const postId = ids.next();
    const votes = vote(postId, 'Post', random.int(0, 5), created);
    const commentCount = random.int(0, 4);
    let lastActivity = created;
    for (let c = 0; c < commentCount; c++) {
      const at = between(created, latest);
      lastActivity = Math.max(lastActivity, at);
      hc.postComments.put({
        id: ids.next(),
        post_id: postId,
        author_id: random.pick(users).id,
        body: random.pick(pools.sentences),
        official: random.chance(0.1),
        vote_sum: 0,
        vote_count: 0,
        non_author_editor_id: null,
        non_author_updated_at: null,
        created_at: isoFromEpoch(at),
        updated_at: isoFromEpoch(at),
      });
    }
    hc.posts.put({
      id: postId,
      author_id: random.pick(users).id,
      topic_id: topic.id,
      title: random.pick(pools.subjects),
      details: `<p>${random.pick(pools.sentences)}</p>`,
      status: random.pick(['none', 'none', 'planned', 'not_planned', 'completed', 'answered']),
      pinned: random.chance(0.05),
      featured: random.chance(0.05),
      closed: random.chance(0.1),
      vote_sum: votes.reduce((sum, v) => sum + v.value, 0),
      vote_count: votes.length,
      comment_count: commentCount,
      follower_count: random.int(0, 10),
      non_author_editor_id: null,
      non_author_updated_at: null,
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(between(lastActivity, latest)),
      edited_at: isoFromEpoch(created),
    });
  }
  return hc;
}

export class HelpCenterNotFound extends Error {}

/**
 * Changes between syncs (admin API `/__admin/help_center/...`). Each stamps the emulated now on what
 * it changes; like Zendesk (as far as its documentation says), a vote or a comment changes the
 * article's totals but not its updated_at, while a post's counts and updated_at move with it.
 */
export class HelpCenterMutations {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  private get hc(): HelpCenterTables {
    return this.store.helpCenter;
  }

  private found<T>(record: T | undefined, what: string, id: number): T {
    if (!record) throw new HelpCenterNotFound(`${what} ${id} not found`);
    return record;
  }

  updateArticle(id: number, patch: { title?: string; body?: string; draft?: boolean; section_id?: number }): HcArticle {
    const article = this.found(this.hc.articles.get(id), 'article', id);
    const at = isoFromEpoch(this.now());
    if (patch.section_id !== undefined) this.found(this.hc.sections.get(patch.section_id), 'section', patch.section_id);
    return this.hc.articles.put({ ...article, ...patch, edited_at: patch.title !== undefined || patch.body !== undefined ? at : article.edited_at, updated_at: at });
  }

  addArticleComment(articleId: number, input: { author_id?: number; body?: string }): HcArticleComment {
    this.found(this.hc.articles.get(articleId), 'article', articleId);
    const at = isoFromEpoch(this.now());
    return this.hc.articleComments.put({
      id: this.hc.ids.next(),
      source_id: articleId,
      source_type: 'Article',
      author_id: input.author_id ?? this.store.adminUserId,
      body: input.body ?? 'A new comment',
      locale: 'en-us',
      non_author_editor_id: null,
      non_author_updated_at: null,
      created_at: at,
      updated_at: at,
    });
  }

  deleteArticleComment(id: number): void {
    this.found(this.hc.articleComments.get(id), 'article comment', id);
    this.hc.articleComments.remove(id);
  }

  addArticleVote(articleId: number, input: { user_id: number; value?: 1 | -1 }): HcVote {
    const article = this.found(this.hc.articles.get(articleId), 'article', articleId);
    const at = isoFromEpoch(this.now());
    const vote = this.hc.votes.put({
      id: this.hc.ids.next(),
      item_id: articleId,
      item_type: 'Article',
      user_id: input.user_id,
      value: input.value ?? 1,
      created_at: at,
      updated_at: at,
    });
    this.hc.articles.put({ ...article, vote_sum: article.vote_sum + vote.value, vote_count: article.vote_count + 1 });
    return vote;
  }

  deleteVote(id: number): void {
    const vote = this.found(this.hc.votes.get(id), 'vote', id);
    this.hc.votes.remove(id);
    if (vote.item_type === 'Article') {
      const article = this.hc.articles.get(vote.item_id);
      if (article) this.hc.articles.put({ ...article, vote_sum: article.vote_sum - vote.value, vote_count: article.vote_count - 1 });
    } else {
      const post = this.hc.posts.get(vote.item_id);
      if (post) this.hc.posts.put({ ...post, vote_sum: post.vote_sum - vote.value, vote_count: post.vote_count - 1, updated_at: isoFromEpoch(this.now()) });
    }
  }

  addPostComment(postId: number, input: { author_id?: number; body?: string; official?: boolean }): HcPostComment {
    const post = this.found(this.hc.posts.get(postId), 'post', postId);
    const at = isoFromEpoch(this.now());
    const comment = this.hc.postComments.put({
      id: this.hc.ids.next(),
      post_id: postId,
      author_id: input.author_id ?? this.store.adminUserId,
      body: input.body ?? 'A new comment',
      official: input.official ?? false,
      vote_sum: 0,
      vote_count: 0,
      non_author_editor_id: null,
      non_author_updated_at: null,
      created_at: at,
      updated_at: at,
    });
    this.hc.posts.put({ ...post, comment_count: post.comment_count + 1, updated_at: at });
    return comment;
  }

  deletePostComment(id: number): void {
    const comment = this.found(this.hc.postComments.get(id), 'post comment', id);
    this.hc.postComments.remove(id);
    const post = this.hc.posts.get(comment.post_id);
    if (post) this.hc.posts.put({ ...post, comment_count: post.comment_count - 1, updated_at: isoFromEpoch(this.now()) });
  }

  updatePost(id: number, patch: { title?: string; details?: string; status?: string; closed?: boolean }): HcPost {
    const post = this.found(this.hc.posts.get(id), 'post', id);
    const at = isoFromEpoch(this.now());
    return this.hc.posts.put({ ...post, ...patch, edited_at: at, updated_at: at });
  }

  /** A post goes with its comments and votes, as in Zendesk. */
  deletePost(id: number): void {
    this.found(this.hc.posts.get(id), 'post', id);
    this.hc.posts.remove(id);
    for (const c of this.hc.postComments.all()) if (c.post_id === id) this.hc.postComments.remove(c.id);
    for (const v of this.hc.votes.all()) if (v.item_type === 'Post' && v.item_id === id) this.hc.votes.remove(v.id);
  }

  /** Only an empty section is deleted here (Zendesk deletes a section's articles with it; not emulated). */
  deleteSection(id: number): void {
    this.found(this.hc.sections.get(id), 'section', id);
    if (this.hc.articles.all().some((a) => a.section_id === id)) throw new Error(`section ${id} still holds articles`);
    this.hc.sections.remove(id);
  }

  addSection(input: { category_id: number; name?: string }): HcSection {
    this.found(this.hc.categories.get(input.category_id), 'category', input.category_id);
    const at = isoFromEpoch(this.now());
    return this.hc.sections.put({
      id: this.hc.ids.next(),
      category_id: input.category_id,
      parent_section_id: null,
      name: input.name ?? 'New section',
      description: '',
      locale: 'en-us',
      source_locale: 'en-us',
      position: this.hc.sections.size,
      sorting: 'manual',
      outdated: false,
      theme_template: 'section_page',
      created_at: at,
      updated_at: at,
    });
  }

  updateSection(id: number, patch: { name?: string; description?: string; position?: number }): HcSection {
    const section = this.found(this.hc.sections.get(id), 'section', id);
    return this.hc.sections.put({ ...section, ...patch, updated_at: isoFromEpoch(this.now()) });
  }

  addCategory(input: { name?: string } = {}): HcCategory {
    const at = isoFromEpoch(this.now());
    return this.hc.categories.put({
      id: this.hc.ids.next(),
      name: input.name ?? 'New category',
      description: '',
      locale: 'en-us',
      source_locale: 'en-us',
      position: this.hc.categories.size,
      outdated: false,
      created_at: at,
      updated_at: at,
    });
  }

  updateCategory(id: number, patch: { name?: string; description?: string; position?: number }): HcCategory {
    const category = this.found(this.hc.categories.get(id), 'category', id);
    return this.hc.categories.put({ ...category, ...patch, updated_at: isoFromEpoch(this.now()) });
  }

  /** Only an empty category is deleted here (Zendesk deletes its sections and articles with it; not emulated). */
  deleteCategory(id: number): void {
    this.found(this.hc.categories.get(id), 'category', id);
    if (this.hc.sections.all().some((s) => s.category_id === id)) throw new Error(`category ${id} still holds sections`);
    this.hc.categories.remove(id);
  }

  addTopic(input: { name?: string } = {}): HcTopic {
    const at = isoFromEpoch(this.now());
    return this.hc.topics.put({
      id: this.hc.ids.next(),
      name: input.name ?? 'New topic',
      description: '',
      position: this.hc.topics.size,
      follower_count: 0,
      manageable_by: 'managers',
      user_segment_id: null,
      created_at: at,
      updated_at: at,
    });
  }

  updateTopic(id: number, patch: { name?: string; description?: string; position?: number }): HcTopic {
    const topic = this.found(this.hc.topics.get(id), 'topic', id);
    return this.hc.topics.put({ ...topic, ...patch, updated_at: isoFromEpoch(this.now()) });
  }

  /** Only a topic without posts is deleted here (Zendesk deletes its posts with it; not emulated). */
  deleteTopic(id: number): void {
    this.found(this.hc.topics.get(id), 'topic', id);
    if (this.hc.posts.all().some((p) => p.topic_id === id)) throw new Error(`topic ${id} still holds posts`);
    this.hc.topics.remove(id);
  }
}
