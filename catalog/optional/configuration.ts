/**
 * Opt-in collections beyond Segment's: the configuration group (see README, "Collections beyond
 * Segment's"). Account configuration is small (tens to hundreds of records), so each list is read
 * in full every run: cursor pages where Zendesk offers them, one unpaginated request where it does not
 * (custom roles, custom statuses, locales). Rows Zendesk no longer lists are deleted.
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, StreamSpec } from '../types';

/** A list read in full each run; `style` says how the first request asks (Zendesk's reference, per endpoint). */
export function fullList(name: string, path: string, recordsKey: string, extra: Partial<StreamSpec> = {}): StreamSpec {
  return { name, style: 'cursor_list', path, recordsKey, bucket: 'core', fullRefresh: true, skipWhenForbidden: false, ...extra };
}

/** Endpoints Zendesk documents without pagination: one request answers every record. */
const UNPAGINATED = { style: 'offset_list' } as const;

export const streams: StreamSpec[] = [
  fullList('brands', '/api/v2/brands.json', 'brands'),
  // Custom roles are an Enterprise feature: lower plans answer 403, and the stream is skipped with a warning.
  fullList('custom_roles', '/api/v2/custom_roles.json', 'custom_roles', { ...UNPAGINATED, skipWhenForbidden: true }),
  fullList('custom_statuses', '/api/v2/custom_statuses.json', 'custom_statuses', UNPAGINATED),
  fullList('locales', '/api/v2/locales.json', 'locales', UNPAGINATED),
  fullList('tags', '/api/v2/tags.json', 'tags'),
  fullList('macros', '/api/v2/macros.json', 'macros'),
  fullList('automations', '/api/v2/automations.json', 'automations'),
  fullList('triggers', '/api/v2/triggers.json', 'triggers'),
  fullList('trigger_categories', '/api/v2/trigger_categories.json', 'trigger_categories'),
  fullList('views', '/api/v2/views.json', 'views'),
  // Named apart from the custom-field definitions reads (same endpoints), which stay a separate read.
  fullList('user_fields', '/api/v2/user_fields.json', 'user_fields'),
  fullList('organization_fields', '/api/v2/organization_fields.json', 'organization_fields'),
  fullList('organization_subscriptions', '/api/v2/organization_subscriptions.json', 'organization_subscriptions'),
];

const record = { kind: 'record' } as const;

/** Business rules (macros, triggers, automations, views) share their head columns. */
const ruleHead = ['id bigint', 'url text', 'title text', 'raw_title text', 'active boolean', 'position bigint', 'default boolean'];

/** user_fields and organization_fields definitions. */
const keyedFieldColumns = columns(
  'id bigint',
  'url text',
  'type text',
  'key text',
  'title text',
  'raw_title text',
  'description text',
  'raw_description text',
  'position bigint',
  'active boolean',
  'system boolean',
  'regexp_for_validation text',
  'custom_field_options json',
  'created_at timestamp',
  'updated_at timestamp',
  'received_at timestamp',
);

function optional(name: string, description: string, cols: CollectionSpec['columns'], extra: Partial<CollectionSpec> = {}): CollectionSpec {
  return {
    name,
    description,
    enabledByDefault: false,
    primaryKey: 'id',
    stream: name,
    source: record,
    freshness: 'updated_at',
    columns: cols,
    ...extra,
  };
}

export const collections: CollectionSpec[] = [
  optional(
    'brands',
    'Brands of the account. Read in full each run.',
    columns(
      'id bigint',
      'url text',
      'name text',
      'brand_url text',
      'subdomain text',
      'host_mapping text',
      'has_help_center boolean',
      'help_center_state text',
      'active boolean',
      'default boolean',
      'is_deleted boolean',
      'signature_template text',
      'ticket_form_ids json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'custom_roles',
    'Custom agent roles (Zendesk Enterprise). Read in full each run; skipped with a warning on other plans.',
    columns(
      'id bigint',
      'name text',
      'description text',
      'role_type bigint',
      'team_member_count bigint',
      'configuration json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'custom_statuses',
    'Ticket statuses, system and custom (tickets.custom_status_id points here). Read in full each run.',
    columns(
      'id bigint',
      'status_category text',
      'agent_label text',
      'raw_agent_label text',
      'end_user_label text',
      'raw_end_user_label text',
      'description text',
      'raw_description text',
      'end_user_description text',
      'raw_end_user_description text',
      'active boolean',
      'default boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'locales',
    'Locales the account has enabled. Read in full each run.',
    columns(
      'id bigint',
      'url text',
      'locale text',
      'name text',
      'native_name text',
      'presentation_name text',
      'rtl boolean',
      'default boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'tags',
    'Tags with their use count: Zendesk lists up to the 20,000 most used in the last 60 days, most used first. Read in full each run; a tag Zendesk stops listing leaves the table.',
    columns('name text', 'count bigint', 'received_at timestamp'),
    { primaryKey: 'name', freshness: undefined },
  ),
  optional(
    'macros',
    'Macros; actions name the groups, fields and values they set. Read in full each run.',
    columns(
      ...ruleHead,
      'description text',
      'actions json',
      'restriction json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'automations',
    'Automations (time-based business rules). Read in full each run.',
    columns(...ruleHead, 'conditions json', 'actions json', 'created_at timestamp', 'updated_at timestamp', 'received_at timestamp'),
  ),
  optional(
    'triggers',
    'Ticket triggers (event-based business rules). Read in full each run.',
    columns(
      ...ruleHead,
      'description text',
      'category_id text',
      'conditions json',
      'actions json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional(
    'trigger_categories',
    'Categories that group ticket triggers (triggers.category_id). Read in full each run.',
    columns('id text', 'name text', 'position bigint', 'created_at timestamp', 'updated_at timestamp', 'received_at timestamp'),
  ),
  optional(
    'views',
    'Ticket views. Read in full each run.',
    columns(
      ...ruleHead,
      'description text',
      'restriction json',
      'conditions json',
      'execution json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  ),
  optional('user_fields', 'User field definitions (system and custom). Read in full each run.', keyedFieldColumns),
  optional('organization_fields', 'Organization field definitions. Read in full each run.', keyedFieldColumns),
  optional(
    'organization_subscriptions',
    'Users following an organization’s tickets. Read in full each run.',
    columns('id bigint', 'url text', 'organization_id bigint', 'user_id bigint', 'created_at timestamp', 'received_at timestamp'),
    { freshness: undefined },
  ),
];
