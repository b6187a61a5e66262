/**
 * Opt-in collections beyond Segment's: the helpCenter group (see README, "Collections beyond Segment's").
 *
 * Help Center (Guide) knowledge base and community. Every stream is skipped with a warning where the
 * account has no Help Center (Zendesk refuses the path), never failing the source.
 *
 * Cost: articles come from Help Center's incremental export (up to 1,000 per request, only changed
 * articles after the first load); categories, sections, topics and posts are cursor lists read in full
 * (100 per request). Zendesk offers comments and votes only per article or post (or per user): no
 * account-wide list exists, so those three streams read one list per parent record (`perParent`),
 * bounded by `maxParents`, and their request counts show in the stream's status like any other.
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, StreamSpec } from '../types';

/** Parents a per-parent stream reads at most per cycle (one request each, at least). */
const MAX_PARENTS = 20_000;

function helpCenterList(name: string, path: string, recordsKey: string, extra: Partial<StreamSpec> = {}): StreamSpec {
  return {
    name,
    style: 'cursor_list',
    path,
    recordsKey,
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
    ...extra,
  };
}

export const streams: StreamSpec[] = [
  {
    name: 'articles',
    style: 'time_export',
    path: '/api/v2/help_center/incremental/articles.json',
    recordsKey: 'articles',
    // Not under /api/v2/incremental/, so not in the 10-a-minute export bucket. Zendesk gives the Help
    // Center API limits of its own, equal to Support's; counting its requests against the core budget
    // is conservative (they pace with Support's requests, and never exceed either limit).
    bucket: 'core',
    initialLookbackDays: null,
    fullRefresh: false,
    skipWhenForbidden: true,
    timeField: 'updated_at',
  },
  helpCenterList('help_center_categories', '/api/v2/help_center/categories.json', 'categories'),
  helpCenterList('help_center_sections', '/api/v2/help_center/sections.json', 'sections'),
  helpCenterList('community_topics', '/api/v2/community/topics.json', 'topics'),
  helpCenterList('community_posts', '/api/v2/community/posts.json', 'posts'),
  helpCenterList('article_comments', '/api/v2/help_center/articles/{parent_id}/comments.json', 'comments', {
    perParent: { stream: 'articles', maxParents: MAX_PARENTS },
  }),
  helpCenterList('article_votes', '/api/v2/help_center/articles/{parent_id}/votes.json', 'votes', {
    perParent: { stream: 'articles', maxParents: MAX_PARENTS },
  }),
  helpCenterList('post_comments', '/api/v2/community/posts/{parent_id}/comments.json', 'comments', {
    perParent: { stream: 'community_posts', maxParents: MAX_PARENTS },
  }),
];

const record = { kind: 'record' } as const;

function collection(name: string, stream: string, description: string, cols: string[]): CollectionSpec {
  return {
    name,
    description,
    enabledByDefault: false,
    primaryKey: 'id',
    stream,
    source: record,
    freshness: 'updated_at',
    columns: columns(...cols),
  };
}

export const collections: CollectionSpec[] = [
  collection(
    'categories',
    'help_center_categories',
    'Help Center categories (the top level of the knowledge base). Read in full each run.',
    [
      'id bigint',
      'url text',
      'html_url text',
      'name text',
      'description text',
      'locale text',
      'source_locale text',
      'position bigint',
      'outdated boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ],
  ),
  collection('sections', 'help_center_sections', 'Help Center sections, each in a category (or a parent section). Read in full each run.', [
    'id bigint',
    'url text',
    'html_url text',
    'category_id bigint',
    'parent_section_id bigint',
    'name text',
    'description text',
    'locale text',
    'source_locale text',
    'position bigint',
    'sorting text',
    'outdated boolean',
    'theme_template text',
    'created_at timestamp',
    'updated_at timestamp',
    'received_at timestamp',
  ]),
  // Vote totals are left out: whether a vote alone brings an article back into the export is
  // UNCONFIRMED, so a stored total could go stale. article_votes holds every vote.
  collection(
    'articles',
    'articles',
    "Help Center articles, from Help Center's incremental article export (changed articles only after the first load).",
    [
      'id bigint',
      'url text',
      'html_url text',
      'author_id bigint',
      'section_id bigint',
      'permission_group_id bigint',
      'user_segment_id bigint',
      'title text',
      'body text',
      'locale text',
      'source_locale text',
      'comments_disabled boolean',
      'draft boolean',
      'promoted boolean',
      'position bigint',
      'outdated boolean',
      'label_names json',
      'content_tag_ids json',
      'created_at timestamp',
      'updated_at timestamp',
      'edited_at timestamp',
      'received_at timestamp',
    ],
  ),
  collection(
    'article_comments',
    'article_comments',
    'Comments on Help Center articles: one list per article (Zendesk has no account-wide list). Read in full each run.',
    [
      'id bigint',
      'url text',
      'html_url text',
      'article_id bigint <- source_id',
      'source_type text',
      'author_id bigint',
      'body text',
      'locale text',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ],
  ),
  collection(
    'article_votes',
    'article_votes',
    'Votes on Help Center articles (value 1 or -1): one list per article. Read in full each run.',
    [
      'id bigint',
      'url text',
      'item_id bigint',
      'item_type text',
      'user_id bigint',
      'value bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ],
  ),
  collection('topics', 'community_topics', 'Community topics (the top level of the community). Read in full each run.', [
    'id bigint',
    'url text',
    'html_url text',
    'name text',
    'description text',
    'position bigint',
    'follower_count bigint',
    'manageable_by text',
    'user_segment_id bigint',
    'created_at timestamp',
    'updated_at timestamp',
    'received_at timestamp',
  ]),
  collection('posts', 'community_posts', 'Community posts, each in a topic. Read in full each run.', [
    'id bigint',
    'url text',
    'html_url text',
    'author_id bigint',
    'topic_id bigint',
    'title text',
    'details text',
    'status text',
    'pinned boolean',
    'featured boolean',
    'closed boolean',
    'vote_sum bigint',
    'vote_count bigint',
    'comment_count bigint',
    'follower_count bigint',
    'created_at timestamp',
    'updated_at timestamp',
    'edited_at timestamp',
    'received_at timestamp',
  ]),
  collection(
    'post_comments',
    'post_comments',
    'Comments on community posts: one list per post (Zendesk has no account-wide list). Read in full each run.',
    [
      'id bigint',
      'url text',
      'html_url text',
      'post_id bigint',
      'author_id bigint',
      'body text',
      'official boolean',
      'vote_sum bigint',
      'vote_count bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ],
  ),
];
