/**
 * Generates the account's Help Center and community records (see HelpCenterTables): categories >
 * sections > articles (with comments and votes), topics > posts (with comments). Authors, commenters
 * and voters are the account's own users (articles by agents; comments and votes by active users, at
 * most one vote per user and item), so every id a record names resolves.
 *
 * Generated from random streams and an id allocator of their own, so adding Help Center data never
 * shifts a value or id of the rest of the account. The parts run in a fixed order (categories,
 * sections, articles, topics, posts): that order is what makes the same seed give the same records.
 */
import { IdAllocator } from '../ids';
import type { User } from '../model';
import { Random } from '../random';
import type { Store } from '../store';
import { DAY, isoFromEpoch } from '../time';
import { HelpCenterTables, type HcCategory, type HcSection, type HcTopic, type HcVote } from './helpCenter';
import type { TextPools } from './textPools';

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

/** What the parts share: the tables being filled, the random stream and ids, the time frame and the people. */
class HelpCenterDraft {
  readonly random: Random;
  readonly hc: HelpCenterTables;
  readonly latest: number;
  readonly start: number;
  /** Active users: commenters and voters. */
  readonly users: User[];
  /** Article authors: the active agents (anyone, in an account without). */
  readonly authors: User[];
  readonly sizes: ReturnType<typeof helpCenterSizes>;

  constructor(
    store: Store,
    readonly pools: TextPools,
    seed: number,
    referenceTime: number,
    historyDays: number,
  ) {
    this.random = new Random(`${seed}:help-center`);
    this.hc = new HelpCenterTables(new IdAllocator(new Random(`${seed}:help-center-ids`), 8_000_000_000_000));
    this.latest = referenceTime - 120;
    this.start = referenceTime - historyDays * DAY;
    this.users = [...store.users.rows.values()].filter((u) => u.active);
    const agents = this.users.filter((u) => u.role !== 'end-user');
    this.authors = agents.length ? agents : this.users;
    this.sizes = helpCenterSizes(store.users.size);
  }

  get ids(): IdAllocator {
    return this.hc.ids;
  }

  between(from: number, to: number): number {
    return to <= from ? from : this.random.int(from, to);
  }

  /** Up to `voters` votes on an item by distinct users, cast after `after`. */
  vote(itemId: number, itemType: HcVote['item_type'], voters: number, after: number): HcVote[] {
    const { random, users, latest } = this;
    return random.sample(users, Math.min(voters, users.length)).map((user) => {
      const at = this.between(after, latest);
      return this.hc.votes.put({
        id: this.ids.next(),
        item_id: itemId,
        item_type: itemType,
        user_id: user.id,
        value: random.chance(0.75) ? 1 : -1,
        created_at: isoFromEpoch(at),
        updated_at: isoFromEpoch(random.chance(0.1) ? this.between(at, latest) : at),
      });
    });
  }
}

const epoch = (iso: string) => Date.parse(iso) / 1000;

export function generateHelpCenter(store: Store, pools: TextPools, seed: number, referenceTime: number, historyDays: number): HelpCenterTables {
  const draft = new HelpCenterDraft(store, pools, seed, referenceTime, historyDays);
  const categories = generateCategories(draft);
  const sections = generateSections(draft, categories);
  for (let i = 0; i < draft.sizes.articles; i++) generateArticle(draft, sections, i);
  const topics = generateTopics(draft);
  for (let i = 0; i < draft.sizes.posts; i++) generatePost(draft, topics);
  return draft.hc;
}

function generateCategories(draft: HelpCenterDraft): HcCategory[] {
  const { random, pools, start, latest } = draft;
  const categories: HcCategory[] = [];
  for (let i = 0; i < draft.sizes.categories; i++) {
    const created = draft.between(start, start + 30 * DAY);
    categories.push(
      draft.hc.categories.put({
        id: draft.ids.next(),
        name: CATEGORY_NAMES[i % CATEGORY_NAMES.length]!,
        description: random.pick(pools.sentences),
        locale: 'en-us',
        source_locale: 'en-us',
        position: i,
        outdated: false,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(draft.between(created, latest)),
      }),
    );
  }
  return categories;
}

function generateSections(draft: HelpCenterDraft, categories: HcCategory[]): HcSection[] {
  const { random, pools, latest, sizes } = draft;
  const sections: HcSection[] = [];
  for (let i = 0; i < sizes.sections; i++) {
    const category = categories[i % categories.length]!;
    const created = draft.between(epoch(category.created_at), epoch(category.created_at) + 30 * DAY);
    // The last section nests under the first one of its category.
    const parent = i >= categories.length && i === sizes.sections - 1 ? sections[i % categories.length]! : null;
    sections.push(
      draft.hc.sections.put({
        id: draft.ids.next(),
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
        updated_at: isoFromEpoch(draft.between(created, latest)),
      }),
    );
  }
  return sections;
}

/** The i-th article, its votes and its comments. */
function generateArticle(draft: HelpCenterDraft, sections: HcSection[], i: number): void {
  const { random, pools, latest, hc } = draft;
  const section = random.pick(sections);
  const created = draft.between(epoch(section.created_at), latest - DAY);
  const edited = draft.between(created, latest);
  const articleId = draft.ids.next();
  const votes = draft.vote(articleId, 'Article', random.int(0, 6), created);
  hc.articles.put({
    id: articleId,
    author_id: random.pick(draft.authors).id,
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
    updated_at: isoFromEpoch(draft.between(edited, latest)),
    edited_at: isoFromEpoch(edited),
  });
  const comments = random.int(0, 4);
  for (let c = 0; c < comments; c++) {
    const at = draft.between(created, latest);
    hc.articleComments.put({
      id: draft.ids.next(),
      source_id: articleId,
      source_type: 'Article',
      author_id: random.pick(draft.users).id,
      body: random.pick(pools.sentences),
      locale: 'en-us',
      non_author_editor_id: null,
      non_author_updated_at: null,
      created_at: isoFromEpoch(at),
      updated_at: isoFromEpoch(random.chance(0.2) ? draft.between(at, latest) : at),
    });
  }
}

function generateTopics(draft: HelpCenterDraft): HcTopic[] {
  const { random, pools, start, latest } = draft;
  const topics: HcTopic[] = [];
  for (let i = 0; i < draft.sizes.topics; i++) {
    const created = draft.between(start, start + 60 * DAY);
    topics.push(
      draft.hc.topics.put({
        id: draft.ids.next(),
        name: TOPIC_NAMES[i % TOPIC_NAMES.length]!,
        description: random.pick(pools.sentences),
        position: i,
        follower_count: random.int(0, 50),
        manageable_by: random.pick(['managers', 'managers', 'agents']),
        user_segment_id: null,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(draft.between(created, latest)),
      }),
    );
  }
  return topics;
}

/** A post, its votes and its comments; the post's updated_at follows its last comment. */
function generatePost(draft: HelpCenterDraft, topics: HcTopic[]): void {
  const { random, pools, latest, hc } = draft;
  const topic = random.pick(topics);
  const created = draft.between(epoch(topic.created_at), latest - DAY);
  const postId = draft.ids.next();
  const votes = draft.vote(postId, 'Post', random.int(0, 5), created);
  const commentCount = random.int(0, 4);
  let lastActivity = created;
  for (let c = 0; c < commentCount; c++) {
    const at = draft.between(created, latest);
    lastActivity = Math.max(lastActivity, at);
    hc.postComments.put({
      id: draft.ids.next(),
      post_id: postId,
      author_id: random.pick(draft.users).id,
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
    author_id: random.pick(draft.users).id,
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
    updated_at: isoFromEpoch(draft.between(lastActivity, latest)),
    edited_at: isoFromEpoch(created),
  });
}
