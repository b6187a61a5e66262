// The catalog-driven mapper: page -> rows for every table a stream feeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionByName, collectionsOfStream } from '../../catalog/collections';
import { mapPage, warehouseTable, type TablePlan } from '../../sync/mapper';
import { assignCustomColumns, type FieldDefinition } from '../../sync/customFields';

const receivedAt = '2026-01-01T00:00:00Z';

function plan(name: string, definitions: FieldDefinition[] = []): TablePlan {
  const collection = collectionByName(name);
  const { columns } = assignCustomColumns(collection, definitions, []);
  return { collection, table: warehouseTable(collection, columns), customColumns: columns };
}

test('tickets and side-loaded metric sets from one export page', () => {
  const fields: FieldDefinition[] = [
    { id: 10, type: 'integer', title: 'Seats' },
    { id: 11, type: 'decimal', title: 'Amount (€)' },
    { id: 12, type: 'multiselect', title: 'Products' },
    { id: 13, type: 'checkbox', title: 'Status' }, // clashes with the spec column after prefixing? no: custom_status
    { id: 1, type: 'subject', title: 'Subject', removable: false },
  ];
  const tickets = plan('tickets', fields);
  assert.deepEqual(
    tickets.customColumns.map((c) => [c.column, c.type]),
    [
      ['custom_seats', 'bigint'],
      ['custom_amount', 'double'],
      ['custom_products', 'json'],
      ['custom_status', 'boolean'],
    ],
  );
  const page = {
    tickets: [
      {
        id: 146,
        url: 'u',
        status: 'open',
        tags: ['vip'],
        generated_timestamp: 5,
        updated_at: '2023-06-26T10:10:06Z',
        custom_fields: [
          { id: 10, value: '745' },
          { id: 11, value: '5.10' },
          { id: 12, value: ['a', 'b'] },
          { id: 13, value: true },
        ],
      },
      { id: 146, status: 'solved', generated_timestamp: 4, custom_fields: [] }, // older copy of the same ticket
      { id: 147, status: 'deleted', generated_timestamp: 6, custom_fields: [{ id: 10, value: 'not a number' }] },
    ],
    metric_sets: [{ id: 9, ticket_id: 146, reply_time_in_minutes: { calendar: 97, business: 23 }, updated_at: '2024-08-19T16:19:27Z' }],
  };
  const mapped = mapPage([tickets, plan('ticket_metrics')], page.tickets, page, receivedAt);
  const [ticketRows, metricRows] = mapped.batches.map((b) => b.rows);
  assert.equal(ticketRows!.length, 2);
  const t146 = ticketRows!.find((r) => r.id === 146)!;
  assert.equal(t146.status, 'open', 'the newest copy (by generated_timestamp) wins');
  assert.deepEqual(t146.tags, ['vip']);
  assert.equal(t146.custom_seats, 745);
  assert.equal(t146.custom_amount, 5.1);
  assert.deepEqual(t146.custom_products, ['a', 'b']);
  assert.equal(t146.received_at, receivedAt);
  assert.equal(t146.updated_at, '2023-06-26T10:10:06Z');
  const t147 = ticketRows!.find((r) => r.id === 147)!;
  assert.equal(t147.custom_seats, null);
  assert.equal(mapped.coercedToNull.tickets, 1);
  assert.equal(metricRows![0]!.reply_time_in_minutes_calendar, 97);
  assert.equal(metricRows![0]!.reply_time_in_minutes_business, 23);
  assert.equal(metricRows![0]!.on_hold_time_in_minutes_calendar, null);
});

test('ticket events feed ticket_events, ticket_comments and attachments', () => {
  const plans = collectionsOfStream('ticket_events').map((c) => plan(c.name));
  const event = {
    id: 926,
    ticket_id: 155,
    timestamp: 1601357503,
    created_at: '2020-09-29T05:31:43Z',
    updater_id: -1,
    via: 'Web form',
    system: { client: 'Mozilla/5.0', location: 'Melbourne, Australia', latitude: -37.8, longitude: 144.9 },
    child_events: [
      {
        id: 927,
        event_type: 'Comment',
        type: 'Comment',
        body: 'hi 👋',
        public: true,
        author_id: 5,
        via: { channel: 'web' },
        attachments: [{ id: 31, file_name: 'a.png', content_url: 'x', content_type: 'image/png', inline: false, size: 12 }],
      },
      { id: 928, event_type: 'Change', status: 'open' },
    ],
  };
  const mapped = mapPage(plans, [event, { ticket_id: 1 }], { ticket_events: [event] }, receivedAt);
  const byTable = Object.fromEntries(mapped.batches.map((b) => [b.table.name, b.rows]));
  assert.deepEqual(byTable.ticket_events![0], {
    id: 926,
    ticket_event_id: 926,
    ticket_id: 155,
    timestamp: '2020-09-29T05:31:43Z',
    updater_id: -1,
    ticket_event_via: 'Web form',
    context_client: 'Mozilla/5.0',
    context_location: 'Melbourne, Australia',
    context_latitude: -37.8,
    context_longitude: 144.9,
    via: 'Web form',
  });
  assert.deepEqual(byTable.ticket_comments![0], {
    id: 927,
    ticket_event_id: 926,
    ticket_id: 155,
    type: 'Comment',
    body: 'hi 👋',
    public: true,
    author_id: 5,
    via: { channel: 'web' },
    created_at: '2020-09-29T05:31:43Z',
    received_at: receivedAt,
  });
  assert.equal(byTable.attachments!.length, 1);
  assert.equal(byTable.attachments![0]!.file_name, 'a.png');
  assert.equal(mapped.rejected.ticket_events, 1, 'the event without an id is counted, not written');
});

test('voice comments land in ticket_comments (type VoiceComment) and add no attachments', () => {
  const plans = collectionsOfStream('ticket_events').map((c) => plan(c.name));
  // A voice-comment child event as Zendesk's ticket-event export sends it (no `type` field: the
  // event_type names it), next to a text comment of the same update.
  const event = {
    id: 3001,
    ticket_id: 77,
    timestamp: 1700000000,
    created_at: '2023-11-14T22:13:20Z',
    updater_id: 12,
    via: 'Voice',
    child_events: [
      {
        id: 3002,
        event_type: 'VoiceComment',
        public: false,
        author_id: 12,
        body: 'Inbound call from +1 555 0100\nTranscription: my printer is on fire',
        html_body: '<p>Inbound call</p>',
        plain_body: 'Inbound call from +1 555 0100',
        data: {
          from: '+15550100',
          to: '+15550199',
          recording_url: 'https://acme.zendesk.com/recordings/1',
          call_id: 55,
          call_duration: 42,
          answered_by_id: 12,
          transcription_text: 'my printer is on fire',
          started_at: '2023-11-14T22:12:38Z',
          location: 'Berlin',
        },
        formatted_from: '+1 (555) 0100',
        formatted_to: '+1 (555) 0199',
        attachments: [],
      },
      {
        id: 3003,
        event_type: 'VoiceComment',
        public: false,
        author_id: 12,
        body: null,
        data: { transcription_text: 'call me back' },
        attachments: [],
      },
      {
        id: 3004,
        event_type: 'Comment',
        type: 'Comment',
        body: 'called back',
        public: true,
        author_id: 12,
        attachments: [{ id: 41, file_name: 'log.txt', content_url: 'x', content_type: 'text/plain', inline: false, size: 3 }],
      },
    ],
  };
  const mapped = mapPage(plans, [event], { ticket_events: [event] }, receivedAt);
  const byTable = Object.fromEntries(mapped.batches.map((b) => [b.table.name, b.rows]));
  assert.deepEqual(byTable.ticket_comments, [
    {
      id: 3002,
      ticket_event_id: 3001,
      ticket_id: 77,
      type: 'VoiceComment',
      body: 'Inbound call from +1 555 0100\nTranscription: my printer is on fire',
      public: false,
      author_id: 12,
      via: null,
      created_at: '2023-11-14T22:13:20Z',
      received_at: receivedAt,
    },
    {
      id: 3003,
      ticket_event_id: 3001,
      ticket_id: 77,
      type: 'VoiceComment',
      body: 'call me back',
      public: false,
      author_id: 12,
      via: null,
      created_at: '2023-11-14T22:13:20Z',
      received_at: receivedAt,
    },
    {
      id: 3004,
      ticket_event_id: 3001,
      ticket_id: 77,
      type: 'Comment',
      body: 'called back',
      public: true,
      author_id: 12,
      via: null,
      created_at: '2023-11-14T22:13:20Z',
      received_at: receivedAt,
    },
  ]);
  assert.deepEqual(
    byTable.attachments!.map((row) => row.id),
    [41],
  );
});

test('users: url is the id as text, custom user fields keyed by field key, renamed field keeps its column', () => {
  const users = collectionByName('users');
  const defs: FieldDefinition[] = [
    { id: 2, key: 'role_id', type: 'text', title: 'Role' }, // custom_role_id is a spec column: must not collide
    { id: 3, key: 'birthday', type: 'date', title: 'Birthday' },
  ];
  const first = assignCustomColumns(users, defs, []);
  assert.deepEqual(
    first.columns.map((c) => c.column),
    ['custom_role_id_2', 'custom_birthday'],
  );
  const renamed = assignCustomColumns(
    users,
    [{ ...defs[1]!, title: 'Date of birth' }, defs[0]!, { id: 4, key: 'plan', type: 'dropdown', title: 'Plan' }],
    first.columns,
  );
  assert.deepEqual(
    renamed.columns.map((c) => c.column),
    ['custom_role_id_2', 'custom_birthday', 'custom_plan'],
  );
  assert.deepEqual(
    renamed.added.map((c) => c.column),
    ['custom_plan'],
  );
  const p: TablePlan = { collection: users, table: warehouseTable(users, renamed.columns), customColumns: renamed.columns };
  const [batch] = mapPage(
    [p],
    [{ id: 7, active: false, user_fields: { birthday: '2018-11-04T00:00:00+00:00', plan: 'gold' } }],
    {},
    receivedAt,
  ).batches;
  assert.equal(batch!.rows[0]!.url, '7');
  assert.equal(batch!.rows[0]!.active, false);
  assert.equal(batch!.rows[0]!.custom_birthday, '2018-11-04');
  assert.equal(batch!.rows[0]!.custom_plan, 'gold');
});

test('unknown new fields in a record are ignored; the known columns still land', () => {
  const p = plan('groups');
  const [batch] = mapPage(
    [p],
    [{ id: 1, name: 'Support', deleted: false, shiny_new_field: { nested: [1, 2] }, another: 'x' }],
    {},
    receivedAt,
  ).batches;
  assert.deepEqual(Object.keys(batch!.rows[0]!).sort(), p.table.columns.map((c) => c.name).sort());
  assert.equal(batch!.rows[0]!.name, 'Support');
});

test('history tables: one row per tag (keyed ticket:tag, replacing every ticket of the page), one row per field change', () => {
  const planFor = (name: string): TablePlan => {
    const collection = collectionByName(name);
    return { collection, table: warehouseTable(collection, []), customColumns: [] };
  };
  const tickets = [
    { id: 5, tags: ['a', 'b', 'a'], updated_at: '2024-01-01T00:00:00Z' },
    { id: 6, tags: [], updated_at: '2024-01-01T00:00:00Z' }, // lost its last tag: its rows go, none come
    { id: 7, tags: [{ not: 'a tag' }, null, 'c'] },
  ];
  const [tagBatch] = mapPage([planFor('ticket_tags')], tickets, {}, '2024-01-02T00:00:00Z').batches;
  assert.deepEqual(
    tagBatch!.rows.map((r) => [r.id, r.ticket_id, r.tag]),
    [
      ['5:a', 5, 'a'],
      ['5:b', 5, 'b'],
      ['7:c', 7, 'c'],
    ],
  );
  assert.deepEqual(tagBatch!.replaces, { column: 'ticket_id', keys: [5, 6, 7] });
  // With the tickets themselves on the page, their version guards the replacement (TableBatch.replaces).
  const guarded = mapPage([planFor('tickets'), planFor('ticket_tags')], tickets, {}, '2024-01-02T00:00:00Z').batches;
  assert.ok(planFor('tickets').table.versionColumn);
  assert.deepEqual(guarded[1]!.replaces, { column: 'ticket_id', keys: [5, 6, 7], recordTable: 'tickets' });

  const event = {
    id: 100,
    ticket_id: 5,
    timestamp: 1704067200,
    created_at: '2024-01-01T00:00:00Z',
    updater_id: -1,
    child_events: [
      { id: 101, via: 'Web form', via_reference_id: null, status: 'open', previous_value: 'new', event_type: 'Change' },
      {
        id: 102,
        via: 'Web form',
        via_reference_id: null,
        tags: ['x', 'y'],
        added_tags: ['y'],
        removed_tags: [],
        previous_value: ['x'],
        event_type: 'Change',
      },
      { id: 103, via: 'Web form', via_reference_id: null, '360001': 42, event_type: 'Create' },
      { id: 104, via: 'Web form', via_reference_id: null, comment_present: true, event_type: 'Comment' },
      { id: 105, via: 'Web form', via_reference_id: null, event_type: 'Change' }, // names no field: skipped
    ],
  };
  const [history, tagHistory] = mapPage(
    [planFor('ticket_field_history'), planFor('ticket_tag_history')],
    [event],
    {},
    '2024-01-02T00:00:00Z',
  ).batches;
  assert.deepEqual(
    history!.rows.map((r) => [r.id, r.ticket_id, r.field_name, r.value, r.previous_value, r.event_type, r.updated, r.user_id]),
    [
      [101, 5, 'status', 'open', 'new', 'Change', '2024-01-01T00:00:00Z', -1],
      [102, 5, 'tags', '["x","y"]', '["x"]', 'Change', '2024-01-01T00:00:00Z', -1],
      [103, 5, '360001', '42', null, 'Create', '2024-01-01T00:00:00Z', -1],
    ],
  );
  assert.deepEqual(
    tagHistory!.rows.map((r) => [r.id, r.tags, r.previous_tags]),
    [[102, ['x', 'y'], ['x']]],
  );
  assert.equal(history!.replaces, undefined, 'history rows are never replaced');
});
