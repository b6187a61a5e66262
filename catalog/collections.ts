/**
 * The catalog: every stream fetched from Zendesk and every warehouse table it feeds.
 *
 * Table and column names are exactly those of Segment's Zendesk source
 * (shared/spec/collections.json), so SQL written against Segment's tables keeps working. Streams are
 * chosen to spend the fewest requests: ticket metrics ride on the ticket export
 * (`include=metric_sets`), comments and attachments ride on the ticket-event export
 * (`include=comment_events`); nothing is fetched per ticket.
 */
import { columns } from './columnSpecs';
import { optionalCollections, optionalStreams } from './optional';
import type { Catalog, CollectionSpec, StreamSpec } from './types';

/** Child events of the ticket-event export that are comments (spec: ticket_comments.type). */
const COMMENT_EVENT_TYPES = ['Comment', 'VoiceComment'] as const;

const minutesPair = (metric: string) => [
  `${metric}_calendar bigint <- ${metric}.calendar`,
  `${metric}_business bigint <- ${metric}.business`,
];

/**
 * The trailing overlap of every list time filter: an hour covers any sane clock skew between the
 * worker and Zendesk and records committed while the previous read was under way, and costs, on an
 * unchanged account, only the records created in that hour (one page on accounts ten times larger
 * than the 30k-ticket benchmark account).
 */
export const LIST_FILTER_OVERLAP_SECONDS = 3600;

/** Segment's streams (and audit logs); the opt-in groups beyond them live in `optional/`. */
const segmentStreams: StreamSpec[] = [
  {
    name: 'tickets',
    style: 'cursor_export',
    path: '/api/v2/incremental/tickets/cursor.json',
    recordsKey: 'tickets',
    bucket: 'export',
    includes: [{ value: 'metric_sets', forTables: ['ticket_metrics'] }],
    initialLookbackDays: 365,
    fullRefresh: false,
    skipWhenForbidden: false,
    // The export filters and orders on generated_timestamp, not updated_at (zendesk-api.md §4.1).
    timeField: 'generated_timestamp',
  },
  {
    name: 'users',
    style: 'cursor_export',
    path: '/api/v2/incremental/users/cursor.json',
    recordsKey: 'users',
    bucket: 'export',
    includes: [{ value: 'identities', forTables: ['user_identities'] }],
    initialLookbackDays: null,
    fullRefresh: false,
    skipWhenForbidden: false,
    timeField: 'updated_at',
  },
  {
    name: 'organizations',
    style: 'time_export',
    path: '/api/v2/incremental/organizations.json',
    recordsKey: 'organizations',
    bucket: 'export',
    initialLookbackDays: null,
    fullRefresh: false,
    skipWhenForbidden: false,
    timeField: 'updated_at',
  },
  {
    name: 'ticket_events',
    style: 'time_export',
    path: '/api/v2/incremental/ticket_events.json',
    recordsKey: 'ticket_events',
    bucket: 'export',
    includes: [{ value: 'comment_events', forTables: ['ticket_comments', 'attachments'] }],
    initialLookbackDays: 365,
    fullRefresh: false,
    skipWhenForbidden: false,
    timeField: 'timestamp',
  },
  list('groups', '/api/v2/groups.json', 'groups'),
  list('ticket_fields', '/api/v2/ticket_fields.json', 'ticket_fields'),
  list('activities', '/api/v2/activities.json', 'activities', {
    incrementalFilter: {
      param: 'since',
      format: 'iso',
      shape: 'from',
      field: 'created_at',
      overlapSeconds: LIST_FILTER_OVERLAP_SECONDS,
      why: 'activities do not change once created; the format of `since` is not documented (ISO-8601 sent)',
    },
  }),
  list('satisfaction_ratings', '/api/v2/satisfaction_ratings.json', 'satisfaction_ratings', {
    skipWhenForbidden: true,
    requires: 'CSAT turned on (Suite Growth+ / Support Professional+)',
    incrementalFilter: {
      param: 'start_time',
      format: 'epoch',
      shape: 'from',
      // Zendesk's reference does not say which time start_time compares; tap-zendesk found created_at,
      // and that a changed rating comes back with created_at = updated_at (the field moves). Where it
      // does not move, the overlap still covers a change within the hour after the rating's creation,
      // and the reconciliation any later one.
      field: 'created_at',
      overlapSeconds: LIST_FILTER_OVERLAP_SECONDS,
      why: "a rating's score and comment change after creation: the filtered time moves with them (observed), the overlap and the reconciliation cover it where it does not",
    },
  }),
  {
    // Ticket forms are not paginated by Zendesk (at most a few hundred per account): one request.
    name: 'ticket_forms',
    style: 'offset_list',
    path: '/api/v2/ticket_forms.json',
    recordsKey: 'ticket_forms',
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
    requires: 'Suite Growth+ / Support Enterprise',
  },
  list('ticket_skips', '/api/v2/skips.json', 'skips', {
    incrementalFilter: {
      param: 'sort_order',
      format: 'iso',
      shape: 'newest_first',
      field: 'created_at',
      overlapSeconds: LIST_FILTER_OVERLAP_SECONDS,
      why: 'skips are only ever added (Zendesk has no endpoint that edits one); the list has no time filter but takes sort_order=desc',
    },
  }),
  list('organization_memberships', '/api/v2/organization_memberships.json', 'organization_memberships'),
  list('group_memberships', '/api/v2/group_memberships.json', 'group_memberships'),
  // Audit log entries are never deleted, only dropped after Zendesk's retention period: the
  // warehouse keeps them (a compliance trail outliving the retention), so no unlisted row is removed.
  list('audit_logs', '/api/v2/audit_logs.json', 'audit_logs', {
    skipWhenForbidden: true,
    keepUnlisted: true,
    requires: 'Enterprise',
    incrementalFilter: {
      param: 'filter[created_at][]',
      format: 'iso',
      shape: 'range',
      field: 'created_at',
      overlapSeconds: LIST_FILTER_OVERLAP_SECONDS,
      why: 'audit log entries never change once created',
    },
  }),
];

function list(name: string, path: string, recordsKey: string, extra: Partial<StreamSpec> = {}): StreamSpec {
  return {
    name,
    style: 'cursor_list',
    path,
    recordsKey,
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: false,
    ...extra,
  };
}

const record = { kind: 'record' } as const;

// offeredBy: from the published table lists of Fivetran (its dbt_zendesk_source sources and schema
// reference), Airbyte (source-zendesk-support's streams) and Databricks (Lakeflow Connect's Zendesk
// Support reference). Only names those lists show; a table one of them may have under a name not
// found there is left out rather than guessed.
const segmentCollections: CollectionSpec[] = [
  {
    name: 'users',
    description: 'End users, agents and admins. Deleted users have active = false.',
    enabledByDefault: true,
    offeredBy: { fivetran: 'user', airbyte: 'users', databricks: 'users' },
    primaryKey: 'id',
    stream: 'users',
    source: record,
    freshness: 'updated_at',
    customFields: {
      shape: 'keyed_object',
      recordKey: 'user_fields',
      definitionsPath: '/api/v2/user_fields.json',
      definitionsKey: 'user_fields',
    },
    columns: columns(
      'id bigint',
      'url text <- id | to_text', // Segment writes the user id here, not the API URL
      'name text',
      'email text',
      'time_zone text',
      'phone text',
      'locale_id bigint',
      'locale text',
      'organization_id bigint',
      'role text',
      'verified boolean',
      'external_id text',
      'alias text',
      'active boolean',
      'shared boolean',
      'last_login_at timestamp',
      'two_factor_auth_enabled boolean',
      'signature text',
      'details text',
      'notes text',
      'custom_role_id bigint',
      'moderator boolean',
      'ticket_restriction text',
      'only_private_comments boolean',
      'restricted_agent boolean',
      'suspended boolean',
      'chat_only boolean',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'groups',
    description: 'Agent groups. Deleted groups have deleted = true.',
    enabledByDefault: true,
    offeredBy: { fivetran: 'group', airbyte: 'groups', databricks: 'groups' },
    primaryKey: 'id',
    stream: 'groups',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'deleted boolean',
      'name text',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'tickets',
    description: 'Tickets changed in the lookback window (default one year). Deleted tickets have status = deleted.',
    enabledByDefault: true,
    offeredBy: { fivetran: 'ticket', airbyte: 'tickets', databricks: 'tickets' },
    primaryKey: 'id',
    stream: 'tickets',
    source: record,
    freshness: 'generated_timestamp',
    // generated_timestamp is not a warehouse column (Segment has none): rows are versioned by
    // updated_at, which moves on every ticket event. A system-only change (generated_timestamp alone
    // moving) ties on updated_at, and a tie still updates.
    versionColumn: 'updated_at',
    customFields: {
      shape: 'id_value_list',
      recordKey: 'custom_fields',
      definitionsPath: '/api/v2/ticket_fields.json',
      definitionsKey: 'ticket_fields',
    },
    columns: columns(
      'id bigint',
      'url text',
      'external_id text',
      'type text',
      'subject text',
      'raw_subject text',
      'description text',
      'priority text',
      'status text',
      'recipient text',
      'requester_id bigint',
      'submitter_id bigint',
      'assignee_id bigint',
      'organization_id bigint',
      'group_id bigint',
      'collaborator_ids json',
      'forum_topic_id bigint',
      'problem_id bigint',
      'has_incidents boolean',
      'due_at timestamp',
      'tags json',
      'sharing_agreement_ids json',
      'ticket_form_id bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_fields',
    description: 'Ticket field definitions, system and custom.',
    enabledByDefault: true,
    offeredBy: { airbyte: 'ticket_fields', databricks: 'ticket_fields' },
    primaryKey: 'id',
    stream: 'ticket_fields',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'type text',
      'slug text <- title | slugify',
      'title text',
      'raw_title text',
      'description text',
      'raw_description text',
      'position bigint',
      'active boolean',
      'required boolean',
      'collapsed_for_agents boolean',
      'regexp_for_validation text',
      'title_in_portal text',
      'raw_title_in_portal text',
      'visible_in_portal boolean',
      'editable_in_portal boolean',
      'required_in_portal boolean',
      'tag text',
      'removable boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'activities',
    description: "The syncing agent's activity stream (Zendesk keeps the last 30 days).",
    enabledByDefault: true,
    offeredBy: { airbyte: 'ticket_activities', databricks: 'ticket_activities' },
    primaryKey: 'id',
    stream: 'activities',
    source: record,
    freshness: 'updated_at',
    columns: columns('id bigint', 'url text', 'verb text', 'title text', 'created_at timestamp', 'updated_at timestamp'),
  },
  {
    name: 'attachments',
    description: 'Files attached to ticket comments, from the comment events of the ticket-event export.',
    enabledByDefault: true,
    offeredBy: {},
    primaryKey: 'id',
    stream: 'ticket_events',
    source: {
      kind: 'children',
      // Voice comments are comments too (their `attachments` is empty today; read it anyway).
      path: [{ key: 'child_events', where: { event_type: COMMENT_EVENT_TYPES } }, { key: 'attachments' }],
    },
    columns: columns(
      'id bigint',
      'file_name text',
      'content_url text',
      'content_type text',
      'inline boolean',
      'size bigint',
      'received_at timestamp',
    ),
  },
  {
    name: 'organizations',
    description: 'Customer organizations. Deleted organizations keep their row with deleted_at set.',
    enabledByDefault: true,
    offeredBy: { fivetran: 'organization', airbyte: 'organizations', databricks: 'organizations' },
    primaryKey: 'id',
    stream: 'organizations',
    source: record,
    freshness: 'updated_at',
    customFields: {
      shape: 'keyed_object',
      recordKey: 'organization_fields',
      definitionsPath: '/api/v2/organization_fields.json',
      definitionsKey: 'organization_fields',
    },
    columns: columns(
      'id bigint',
      'external_id text',
      'url text',
      'name text',
      'details text',
      'notes text',
      'group_id bigint',
      'shared_tickets boolean',
      'shared_comments boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
      // Not in Segment's list: the only way an organization's deletion reaches the warehouse.
      'deleted_at timestamp',
    ),
  },
  {
    name: 'ticket_events',
    description: 'One row per ticket update (audit), in the lookback window (default one year).',
    enabledByDefault: true,
    offeredBy: { airbyte: 'ticket_audits', databricks: 'ticket_audits' },
    primaryKey: 'id',
    stream: 'ticket_events',
    source: record,
    freshness: 'timestamp',
    columns: columns(
      'id bigint',
      'ticket_event_id bigint <- id',
      'ticket_id bigint',
      'timestamp timestamp | epoch_to_timestamp',
      'updater_id bigint',
      'ticket_event_via text <- via',
      'context_client text <- system.client',
      'context_location text <- system.location',
      'context_latitude double <- system.latitude',
      'context_longitude double <- system.longitude',
      'via text',
    ),
  },
  {
    name: 'ticket_metrics',
    description: 'Per-ticket metrics, side-loaded on the ticket export (no per-ticket requests).',
    enabledByDefault: true,
    offeredBy: { airbyte: 'ticket_metrics', databricks: 'ticket_metrics' },
    primaryKey: 'id',
    stream: 'tickets',
    source: { kind: 'sideload', sideloadKey: 'metric_sets', embeddedKey: 'metric_set' },
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'ticket_id bigint',
      'group_stations bigint',
      'assignee_stations bigint',
      'reopens bigint',
      'replies bigint',
      ...minutesPair('reply_time_in_minutes'),
      ...minutesPair('first_resolution_time_in_minutes'),
      ...minutesPair('full_resolution_time_in_minutes'),
      ...minutesPair('agent_wait_time_in_minutes'),
      ...minutesPair('requester_wait_time_in_minutes'),
      ...minutesPair('on_hold_time_in_minutes'),
      'created_at timestamp',
      'updated_at timestamp',
      'assignee_updated_at timestamp',
      'requester_updated_at timestamp',
      'status_updated_at timestamp',
      'initially_assigned_at timestamp',
      'assigned_at timestamp',
      'latest_comment_added_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'satisfaction_ratings',
    description: "CSAT ratings. Segment documents no columns; these are the properties of Zendesk's rating object.",
    enabledByDefault: true,
    offeredBy: { airbyte: 'satisfaction_ratings' },
    primaryKey: 'id',
    stream: 'satisfaction_ratings',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'assignee_id bigint',
      'group_id bigint',
      'requester_id bigint',
      'ticket_id bigint',
      'score text',
      'comment text',
      'reason text',
      'reason_id bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_comments',
    description: 'Comment bodies (text and voice comments), from the comment events of the ticket-event export. Off by default.',
    enabledByDefault: false,
    offeredBy: { fivetran: 'ticket_comment', airbyte: 'ticket_comments', databricks: 'ticket_comments' },
    primaryKey: 'id',
    stream: 'ticket_events',
    source: { kind: 'children', path: [{ key: 'child_events', where: { event_type: COMMENT_EVENT_TYPES } }] },
    columns: columns(
      'id bigint',
      'ticket_event_id bigint <- parent.id',
      'ticket_id bigint <- parent.ticket_id',
      // `Comment` or `VoiceComment`; a voice-comment event may carry no `type`, its event_type says it.
      'type text <- type,event_type',
      // A voice comment's body is Zendesk's call summary; the transcription alone when it has none.
      'body text <- body,data.transcription_text',
      'public boolean',
      'author_id bigint',
      'via json',
      'created_at timestamp <- created_at,parent.created_at',
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_forms',
    description: 'Ticket forms (Zendesk Enterprise). Read in full each run; skipped with a warning on other plans.',
    enabledByDefault: true,
    offeredBy: { fivetran: 'ticket_form_history', airbyte: 'ticket_forms', databricks: 'ticket_forms' },
    primaryKey: 'id',
    stream: 'ticket_forms',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'active boolean',
      'end_user_visible boolean',
      'name text',
      'restricted_brand_ids json',
      'ticket_field_ids json',
      'updated_at timestamp',
      'url text',
      'created_at timestamp',
      'display_name text',
      'in_all_brands boolean',
      'position bigint',
      'raw_display_name text',
      'raw_name text',
      'default boolean',
    ),
  },
  {
    name: 'ticket_skips',
    description: 'Tickets skipped by agents. Newest first, read up to the last read; in full on reconciliation.',
    enabledByDefault: true,
    offeredBy: { airbyte: 'ticket_skips', databricks: 'ticket_skips' },
    primaryKey: 'id',
    stream: 'ticket_skips',
    source: record,
    freshness: 'updated_at',
    columns: columns('id bigint', 'ticket_id bigint', 'user_id bigint', 'reason text', 'created_at timestamp', 'updated_at timestamp'),
  },
  {
    name: 'organization_memberships',
    description: 'Links between users and organizations. Read in full each run.',
    enabledByDefault: true,
    offeredBy: { airbyte: 'organization_memberships', databricks: 'organization_memberships' },
    primaryKey: 'id',
    stream: 'organization_memberships',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'user_id bigint',
      'organization_id bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'organization_name text',
    ),
  },
  {
    name: 'group_memberships',
    description: 'Links between agents and groups. Read in full each run.',
    enabledByDefault: true,
    offeredBy: { airbyte: 'group_memberships', databricks: 'group_memberships' },
    primaryKey: 'id',
    stream: 'group_memberships',
    source: record,
    freshness: 'updated_at',
    columns: columns('id bigint', 'url text', 'created_at timestamp', 'group_id bigint', 'updated_at timestamp', 'user_id bigint'),
  },
  {
    name: 'audit_logs',
    description: 'Account audit log (Zendesk Enterprise). Off by default; skipped with a warning on other plans.',
    enabledByDefault: false,
    offeredBy: { fivetran: 'audit_log', airbyte: 'audit_logs', databricks: 'audit_logs' },
    primaryKey: 'id',
    stream: 'audit_logs',
    source: record,
    columns: columns(
      'id bigint',
      'url text',
      'created_at timestamp',
      'actor_id bigint',
      'source_id bigint',
      'source_type text',
      'source_label text',
      'action text',
      'change_description text',
      'ip_address text',
      'action_label text',
    ),
  },
];

export const streams: StreamSpec[] = [...segmentStreams, ...optionalStreams];
export const collections: CollectionSpec[] = [...segmentCollections, ...optionalCollections];

export const catalog: Catalog = { streams, collections };

export function collectionByName(name: string): CollectionSpec {
  const found = collections.find((c) => c.name === name);
  if (!found) throw new Error(`unknown collection "${name}"; known: ${collections.map((c) => c.name).join(', ')}`);
  return found;
}

export function streamByName(name: string): StreamSpec {
  const found = streams.find((s) => s.name === name);
  if (!found) throw new Error(`unknown stream "${name}"`);
  return found;
}

/** The collections a stream feeds, in catalog order. */
export function collectionsOfStream(stream: string): CollectionSpec[] {
  return collections.filter((c) => c.stream === stream);
}
