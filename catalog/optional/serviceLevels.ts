/**
 * Opt-in collections beyond Segment's: service levels and business time (see README, "Collections
 * beyond Segment's"). Zendesk serves none of these paginated (each list is one request), and holidays
 * only per schedule: one request per schedule, bounded by `perParent.maxParents`.
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, StreamSpec } from '../types';
import { fullList } from './configuration';

const UNPAGINATED = { style: 'offset_list' } as const;

export const streams: StreamSpec[] = [
  // SLA policies need Suite Growth / Support Professional or above; group SLAs need Enterprise.
  fullList('sla_policies', '/api/v2/slas/policies.json', 'sla_policies', { ...UNPAGINATED, skipWhenForbidden: true }),
  fullList('group_sla_policies', '/api/v2/group_slas/policies.json', 'group_sla_policies', { ...UNPAGINATED, skipWhenForbidden: true }),
  fullList('schedules', '/api/v2/business_hours/schedules.json', 'schedules', UNPAGINATED),
  fullList('schedule_holidays', '/api/v2/business_hours/schedules/{parent_id}/holidays.json', 'holidays', {
    ...UNPAGINATED,
    perParent: { stream: 'schedules', parentIdField: 'schedule_id', maxParents: 1000 },
  }),
];

const record = { kind: 'record' } as const;

const policyColumns = (idType: 'bigint' | 'text') =>
  columns(
    `id ${idType}`,
    'url text',
    'title text',
    'description text',
    'position bigint',
    'filter json',
    'policy_metrics json',
    'created_at timestamp',
    'updated_at timestamp',
    'received_at timestamp',
  );

export const collections: CollectionSpec[] = [
  {
    name: 'sla_policies',
    description:
      'SLA policies: conditions (filter) and targets per priority (policy_metrics). Skipped with a warning on plans without SLAs.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'sla_policies',
    source: record,
    freshness: 'updated_at',
    columns: policyColumns('bigint'),
  },
  {
    name: 'group_sla_policies',
    description: 'Group SLA policies (Zendesk Enterprise; string ids). Skipped with a warning on other plans.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'group_sla_policies',
    source: record,
    freshness: 'updated_at',
    columns: policyColumns('text'),
  },
  {
    name: 'schedules',
    description: 'Business-hours schedules; intervals in minutes since Sunday midnight. Read in full each run.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'schedules',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id bigint',
      'name text',
      'time_zone text',
      'intervals json',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
  {
    name: 'schedule_holidays',
    description: 'Holidays of each schedule: one request per schedule (Zendesk lists them only per schedule). Read in full each run.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'schedule_holidays',
    source: record,
    columns: columns('id bigint', 'schedule_id bigint', 'name text', 'start_date date', 'end_date date', 'received_at timestamp'),
  },
];
