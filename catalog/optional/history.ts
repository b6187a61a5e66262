/**
 * Opt-in history tables (see README, "History tables"), derived from streams Segment's collections
 * already read, so they cost no request of their own:
 *   - ticket_field_history and ticket_tag_history from the `Create`/`Change` children of the
 *     ticket-event export (each child names the field it changed by a key of its own);
 *   - ticket_tags from the ticket export: one row per ticket and tag, replaced whenever the ticket
 *     is exported again, so a removed tag leaves the table.
 * Column names follow Fivetran's (`ticket_field_history`: ticket_id, field_name, value, updated,
 * user_id; `ticket_tag`: ticket_id, tag).
 */
import { columns } from '../columnSpecs';
import type { CollectionSpec, ExtractStep, StreamSpec } from '../types';

export const streams: StreamSpec[] = [];

/**
 * The keys of an export `Create`/`Change` child other than the changed field's: the rest is
 * `{ <field>: value }`. `added_tags`/`removed_tags` accompany a tags change on some accounts.
 */
const CHILD_EVENT_KEYS = ['id', 'via', 'via_reference_id', 'previous_value', 'event_type', 'added_tags', 'removed_tags'] as const;

const fieldChanges = (where: ExtractStep['where'] = {}): ExtractStep => ({
  key: 'child_events',
  changedKey: { nameAs: 'field_name', valueAs: 'value', otherKeys: CHILD_EVENT_KEYS },
  where: { event_type: ['Create', 'Change'], ...where },
});

export const collections: CollectionSpec[] = [
  {
    name: 'ticket_field_history',
    description:
      'One row per change of any ticket field (custom fields included, named by their id), from the Create/Change events of the ticket-event export. Off by default; no extra request.',
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'ticket_events',
    source: { kind: 'children', path: [fieldChanges()] },
    columns: columns(
      'id bigint', // the change event's own id
      'ticket_event_id bigint <- parent.id',
      'ticket_id bigint <- parent.ticket_id',
      'field_name text',
      // Text as Zendesk sends it; arrays (tags, multi-select fields) as JSON text.
      'value text',
      'previous_value text',
      'event_type text', // Create (the ticket's first value) or Change
      'updated timestamp <- parent.created_at,parent.timestamp', // the event's time (ISO, else epoch seconds)
      'user_id bigint <- parent.updater_id', // -1: Zendesk itself (an automation, a trigger)
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_tag_history',
    description:
      "One row per change of a ticket's tags, with the tags before and after, from the ticket-event export. Off by default; no extra request.",
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'ticket_events',
    source: { kind: 'children', path: [fieldChanges({ field_name: 'tags' })] },
    columns: columns(
      'id bigint',
      'ticket_event_id bigint <- parent.id',
      'ticket_id bigint <- parent.ticket_id',
      'tags json <- value',
      'previous_tags json <- previous_value',
      'updated timestamp <- parent.created_at,parent.timestamp', // the event's time (ISO, else epoch seconds)
      'user_id bigint <- parent.updater_id',
      'received_at timestamp',
    ),
  },
  {
    name: 'ticket_tags',
    description:
      "A ticket's current tags, one row per ticket and tag, from the ticket export; a ticket's rows are replaced each time it is exported again. Off by default; no extra request.",
    enabledByDefault: false,
    primaryKey: 'id',
    stream: 'tickets',
    source: { kind: 'children', path: [{ key: 'tags', scalarAs: 'tag' }] },
    replacesRowsOf: { recordKey: 'id', column: 'ticket_id', recordCollection: 'tickets' },
    columns: [
      // "<ticket_id>:<tag>": the pair as one key (the warehouse tables have single-column keys).
      { name: 'id', type: 'text', joinOf: ['parent.id', 'tag'] },
      ...columns('ticket_id bigint <- parent.id', 'tag text', 'received_at timestamp'),
    ],
  },
];
