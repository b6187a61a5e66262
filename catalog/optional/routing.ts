/**
 * Opt-in collections beyond Segment's: skills-based routing (see README, "Collections beyond
 * Segment's"). Account attributes are skill types, attribute values the skills; ids are strings (UUIDs).
 * Named as Zendesk's reference names the endpoint ("List Account Attributes") and as Airbyte and
 * Databricks name this table; Airbyte's `attribute_definitions` is another endpoint (routing conditions).
 * Zendesk lists values only per attribute: one request per attribute, bounded by `perParent.maxParents`.
 * Routing is a plan feature: other plans answer 403 and both streams are skipped with a warning.
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, StreamSpec } from '../types';
import { fullList } from './configuration';

const ATTRIBUTES_PATH = '/api/v2/routing/attributes.json';

export const streams: StreamSpec[] = [
  fullList('account_attributes', ATTRIBUTES_PATH, 'attributes', { style: 'offset_list', skipWhenForbidden: true }),
  fullList('attribute_values', '/api/v2/routing/attributes/{parent_id}/values.json', 'attribute_values', {
    style: 'offset_list',
    skipWhenForbidden: true,
    perParent: { stream: 'account_attributes', parentIdField: 'attribute_id', maxParents: 1000 },
  }),
];

const record = { kind: 'record' } as const;

export const collections: CollectionSpec[] = [
  {
    name: 'account_attributes',
    description: "Skill types of skills-based routing (Zendesk's account attributes). Skipped with a warning on plans without it.",
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'account_attributes',
    source: record,
    freshness: 'updated_at',
    columns: columns('id text', 'url text', 'name text', 'created_at timestamp', 'updated_at timestamp', 'received_at timestamp'),
  },
  {
    name: 'attribute_values',
    description: 'Skills (values of a skill type): one request per skill type. Skipped with a warning on plans without routing.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'attribute_values',
    source: record,
    freshness: 'updated_at',
    columns: columns(
      'id text',
      'url text',
      'attribute_id text',
      'name text',
      'created_at timestamp',
      'updated_at timestamp',
      'received_at timestamp',
    ),
  },
];
