/**
 * Opt-in change streams beyond Segment's (see README, "Collections beyond Segment's"):
 *   - ticket_metric_events: the time-based incremental export of SLA/metric clock events;
 *   - user_identities: sideloaded on the users export (`include=identities`, asked for only when the
 *     table is enabled), so it costs no request of its own; a user's identities are replaced each
 *     time the user is exported again, so a removed email or phone leaves the table;
 *   - ticket_audits: the account-wide audits list (admins only), read in full each cycle;
 *   - suspended_tickets: the held-back messages, read in full each cycle;
 *   - deleted_tickets, deleted_users: Zendesk's lists of soft-deleted records (until they are
 *     scrubbed or purged), read in full each cycle; a restored or purged record leaves the table.
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, StreamSpec } from '../types';

export const streams: StreamSpec[] = [
  {
    name: 'ticket_metric_events',
    style: 'time_export',
    path: '/api/v2/incremental/ticket_metric_events.json',
    recordsKey: 'ticket_metric_events',
    bucket: 'export',
    initialLookbackDays: 365,
    fullRefresh: false,
    skipWhenForbidden: false,
    timeField: 'time',
  },
  {
    // Agents may list them; at most 100 per page (cursor pagination).
    name: 'deleted_tickets',
    style: 'cursor_list',
    path: '/api/v2/deleted_tickets.json',
    recordsKey: 'deleted_tickets',
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
  },
  {
    // Admins only; cursor pagination only (100 per page), oldest first. Zendesk keeps no incremental
    // filter here, so it is read in full each cycle: one request per 100 audits of the account.
    // Audits are never deleted, only left out once their ticket is archived: the warehouse keeps them.
    name: 'ticket_audits',
    style: 'cursor_list',
    path: '/api/v2/ticket_audits.json',
    recordsKey: 'audits',
    bucket: 'core',
    fullRefresh: true,
    keepUnlisted: true,
    skipWhenForbidden: true,
  },
  {
    // Agents with the permission to manage them; at most 100 per page. Recovered or deleted ones
    // leave the list, so the table loses them after the next complete read.
    name: 'suspended_tickets',
    style: 'cursor_list',
    path: '/api/v2/suspended_tickets.json',
    recordsKey: 'suspended_tickets',
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
  },
  {
    name: 'deleted_users',
    style: 'cursor_list',
    path: '/api/v2/deleted_users.json',
    recordsKey: 'deleted_users',
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
  },
];

export const collections: CollectionSpec[] = [
  {
    name: 'ticket_metric_events',
    description:
      'SLA and metric clock events (activate, fulfill, breach, apply_sla, update_status…), from their incremental export. Off by default.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'ticket_metric_events',
    source: { kind: 'record' },
    freshness: 'time',
    columns: columns(
      'id bigint',
      'ticket_id bigint',
      'metric text',
      'instance_id bigint',
      'type text',
      'time timestamp',
      'status_calendar bigint <- status.calendar',
      'status_business bigint <- status.business',
      'sla_target bigint <- sla.target',
      'sla_business_hours boolean <- sla.business_hours',
      'sla_policy_id bigint <- sla.policy.id',
      'sla_policy_title text <- sla.policy.title',
      'deleted boolean',
      'received_at timestamp',
    ),
  },
  {
    name: 'user_identities',
    description: "Users' email addresses and phone numbers, side-loaded on the users export (no request of its own). Off by default.",
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'users',
    source: { kind: 'sideload', sideloadKey: 'identities' },
    replacesRowsOf: { recordKey: 'id', column: 'user_id', recordCollection: 'users' },
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'user_id bigint',
      'type text',
      'value text',
      'verified boolean',
      'primary boolean',
      'deliverable_state text',
      'undeliverable_count bigint',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_audits',
    description:
      'Ticket audits (one per ticket update) with their events, from the account-wide audits list. Read in full each cycle (one request per 100 audits): ticket_events carries the same updates from the export for far fewer requests. Off by default.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'ticket_audits',
    source: { kind: 'record' },
    freshness: 'created_at',
    columns: columns(
      'id bigint',
      'ticket_id bigint',
      'created_at timestamp',
      'author_id bigint', // -1: Zendesk itself
      'via_channel text <- via.channel',
      'via json',
      'metadata json',
      'events json',
      'received_at timestamp',
    ),
  },
  {
    name: 'suspended_tickets',
    description:
      'Messages Zendesk held back instead of making tickets (spam, unverified senders…), until recovered or deleted. Read in full each run. Off by default.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'suspended_tickets',
    source: { kind: 'record' },
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'author_id bigint <- author.id',
      'author_name text <- author.name',
      'author_email text <- author.email',
      'subject text',
      'content text',
      'cause text',
      'cause_id bigint',
      'message_id text',
      'ticket_id bigint',
      'recipient text',
      'brand_id bigint',
      'via_channel text <- via.channel',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'deleted_tickets',
    description:
      'Tickets deleted in the last 30 days and not yet scrubbed: who deleted them, when, and their status before. Read in full each run. Off by default.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'deleted_tickets',
    source: { kind: 'record' },
    columns: columns(
      'id bigint',
      'subject text',
      'description text',
      'actor_id bigint <- actor.id',
      'actor_name text <- actor.name',
      'deleted_at timestamp',
      'previous_state text',
      'received_at timestamp',
    ),
  },
  {
    name: 'deleted_users',
    description: 'Users deleted and not yet permanently removed. Read in full each run. Off by default.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'deleted_users',
    source: { kind: 'record' },
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'url text',
      'name text',
      'email text',
      'role text',
      'organization_id bigint',
      'locale text',
      'time_zone text',
      'phone text',
      'active boolean',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
];
