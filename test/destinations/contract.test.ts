/**
 * The Destination contract, run unchanged against SQLite and the real Postgres server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidIdentifierError } from '../../destinations/identifierRules';
import type { Row, WarehouseColumn, WarehouseTable } from '../../destinations/types';
import { backends, type OpenedBackend } from './backends';

const tickets: WarehouseTable = {
  name: 'tickets',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'subject', type: 'text' },
    { name: 'requester_id', type: 'bigint' },
    { name: 'score', type: 'double' },
    { name: 'is_public', type: 'boolean' },
    { name: 'tags', type: 'json' },
    { name: 'via', type: 'json' },
    { name: 'created_at', type: 'timestamp' },
    { name: 'due_date', type: 'date' },
  ],
};

const users: WarehouseTable = {
  name: 'users',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'text' },
    { name: 'active', type: 'boolean' },
  ],
};

function ticket(id: number, overrides: Row = {}): Row {
  return {
    id,
    subject: `Subject ${id}`,
    requester_id: 1000 + id,
    score: id / 4,
    is_public: id % 2 === 0,
    tags: ['a', `t${id}`],
    via: { channel: 'email', source: { from: { address: `u${id}@example.com` } } },
    created_at: '2024-01-02T03:04:05Z',
    due_date: '2024-02-29',
    ...overrides,
  };
}

function withColumns(table: WarehouseTable, ...extra: WarehouseColumn[]): WarehouseTable {
  return { ...table, columns: [...table.columns, ...extra] };
}

for (const backend of backends) {
  describe(`${backend.name} destination contract`, () => {
    let env: OpenedBackend;
    before(async () => {
      env = await backend.open();
    });
    after(async () => {
      await env?.cleanup();
    });

    async function freshSchema(...tables: WarehouseTable[]): Promise<string> {
      const schema = env.anotherSchema();
      await env.destination.ensureSchema(schema);
      for (const table of tables) await env.destination.ensureTable(schema, table);
      return schema;
    }

    test('ensureSchema and ensureTable are idempotent and create only the collection tables', async () => {
      const schema = await freshSchema(tickets, users);
      await env.destination.ensureSchema(schema);
      await env.destination.ensureTable(schema, tickets);
      await env.destination.writeState(schema, 'cursor', 'abc');
      assert.deepEqual(await env.tablesIn(schema), ['tickets', 'users']);
      assert.equal(await env.destination.countRows(schema, 'tickets'), 0);
    });

    test('values round-trip with their types', async () => {
      const schema = await freshSchema(tickets);
      const result = await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(2)] }]);
      assert.deepEqual(result.rowsByTable, { tickets: 1 });
      assert.deepEqual(await env.readRows(schema, tickets), [ticket(2)]);
    });

    test('array-literal and SQL metacharacters in values arrive verbatim', async () => {
      const schema = await freshSchema(tickets);
      const tricky = [
        ticket(1, { subject: 'NULL', tags: ['{a,b}', 'quote " and \\ backslash', 'NULL', '', "it's"] }),
        ticket(2, { subject: '', via: { '"k"': '\\u0000 is not NUL', 'new\nline': '\t' } }),
        ticket(3, { subject: "'); DROP TABLE tickets; --", tags: [] }),
      ];
      await env.destination.upsert(schema, [{ table: tickets, rows: tricky }]);
      assert.deepEqual(await env.readRows(schema, tickets), tricky);
    });

    test('re-upserting the same batch changes nothing', async () => {
      const schema = await freshSchema(tickets);
      const rows = [ticket(1), ticket(2), ticket(3)];
      await env.destination.upsert(schema, [{ table: tickets, rows }]);
      const first = await env.readRows(schema, tickets);
      await env.destination.upsert(schema, [{ table: tickets, rows }]);
      assert.deepEqual(await env.readRows(schema, tickets), first);
      assert.equal(await env.destination.countRows(schema, 'tickets'), 3);
    });

    test('an updated record replaces the old one, and missing columns become NULL', async () => {
      const schema = await freshSchema(tickets);
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2)] }]);
      await env.destination.upsert(schema, [{ table: tickets, rows: [{ id: 2, subject: 'Changed', tags: [] }] }]);
      const rows = await env.readRows(schema, tickets);
      assert.deepEqual(rows[0], ticket(1));
      assert.deepEqual(rows[1], {
        id: 2,
        subject: 'Changed',
        requester_id: null,
        score: null,
        is_public: null,
        tags: [],
        via: null,
        created_at: null,
        due_date: null,
      });
    });

    test('a new custom field adds a column without touching the old rows', async () => {
      const schema = await freshSchema(tickets);
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2)] }]);
      const widened = withColumns(tickets, { name: 'custom_plan', type: 'text' }, { name: 'custom_seats', type: 'bigint' });
      await env.destination.ensureTable(schema, widened);
      await env.destination.ensureTable(schema, widened); // already there: no-op
      await env.destination.upsert(schema, [{ table: widened, rows: [ticket(3, { custom_plan: 'pro', custom_seats: 12 })] }]);
      const rows = await env.readRows(schema, widened);
      assert.deepEqual(rows[0], { ...ticket(1), custom_plan: null, custom_seats: null });
      assert.deepEqual(rows[1], { ...ticket(2), custom_plan: null, custom_seats: null });
      assert.deepEqual(rows[2], ticket(3, { custom_plan: 'pro', custom_seats: 12 }));
      // An older table definition (without the new columns) still writes, leaving them as they are.
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(3, { subject: 'again' })] }]);
      assert.deepEqual((await env.readRows(schema, widened))[2], ticket(3, { subject: 'again', custom_plan: 'pro', custom_seats: 12 }));
    });

    test('a key twice in one batch keeps the last row', async () => {
      const schema = await freshSchema(tickets);
      const result = await env.destination.upsert(schema, [
        { table: tickets, rows: [ticket(1, { subject: 'first' }), ticket(2), ticket(1, { subject: 'last' }), ticket('1' as unknown as number, { subject: 'as text' })] },
      ]);
      assert.deepEqual(result.rowsByTable, { tickets: 2 });
      const rows = await env.readRows(schema, tickets);
      assert.deepEqual(rows.map((r) => [r.id, r.subject]), [[1, 'as text'], [2, 'Subject 2']]);
    });

    test('rows without a usable primary key are dropped and counted', async () => {
      const schema = await freshSchema(tickets);
      const result = await env.destination.upsert(schema, [
        { table: tickets, rows: [ticket(1), { ...ticket(2), id: null }, { ...ticket(3), id: 'abc' }] },
      ]);
      assert.deepEqual(result.rowsByTable, { tickets: 1 });
      assert.deepEqual(result.rejectedByTable, { tickets: 2 });
      assert.equal(await env.destination.countRows(schema, 'tickets'), 1);
    });

    test('NUL characters and lone surrogates are cleaned in text and JSON', async () => {
      const schema = await freshSchema(tickets);
      await env.destination.upsert(schema, [
        {
          table: tickets,
          rows: [
            ticket(1, {
              subject: 'a\u0000b\uD800c\uDC00d\uD83D\uDE00',
              tags: ['x\u0000y', '\uDFFF'],
              via: { 'k\u0000ey': 'v\u0000', nested: ['\uD800'] },
            }),
          ],
        },
      ]);
      const [row] = await env.readRows(schema, tickets);
      assert.equal(row!.subject, 'ab\uFFFDc\uFFFDd\uD83D\uDE00');
      assert.deepEqual(row!.tags, ['xy', '\uFFFD']);
      assert.deepEqual(row!.via, { key: 'v', nested: ['\uFFFD'] });
    });

    test('a 10 MB text value is stored whole', async () => {
      const schema = await freshSchema(tickets);
      const big = 'Zendesk ✓ '.repeat(1_048_576); // 10 Mi characters, multi-byte included
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(1, { subject: big })] }]);
      const [row] = await env.readRows(schema, tickets);
      assert.equal((row!.subject as string).length, big.length);
      assert.ok(row!.subject === big);
    });

    test('values of the wrong type are coerced, or stored as NULL and counted', async () => {
      const schema = await freshSchema(tickets);
      const result = await env.destination.upsert(schema, [
        {
          table: tickets,
          rows: [
            // Convertible: numeric strings, "true", epoch seconds, an object in a text column.
            ticket(1, { requester_id: ' 42 ', score: '2.5', is_public: 'true', created_at: 1704164645, subject: { a: 1 } }),
            // Not convertible: each of these five becomes NULL.
            ticket(2, { requester_id: 'abc', score: 'n/a', is_public: 'maybe', created_at: 'yesterday', due_date: '2024-02-30' }),
            // A custom field whose type changed between records must not fail the page.
            ticket(3, { requester_id: 12.9, tags: 'not-an-array', due_date: '2024-03-01T23:30:00-02:00' }),
          ],
        },
      ]);
      assert.deepEqual(result.coercedToNullByTable, { tickets: 5 });
      const rows = await env.readRows(schema, tickets);
      assert.deepEqual(
        { ...rows[0] },
        ticket(1, { requester_id: 42, score: 2.5, is_public: true, created_at: '2024-01-02T03:04:05Z', subject: '{"a":1}' }),
      );
      assert.deepEqual(
        { ...rows[1] },
        ticket(2, { requester_id: null, score: null, is_public: null, created_at: null, due_date: null }),
      );
      assert.deepEqual({ ...rows[2] }, ticket(3, { requester_id: 12, tags: 'not-an-array', due_date: '2024-03-02' }));
    });

    test('hostile identifiers are rejected before any SQL runs', async () => {
      const schema = await freshSchema(users);
      await env.destination.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'kept', active: true }] }]);
      const hostile = ['a"; drop table users; --', 'Users', 'name with space', '1abc', 'x'.repeat(64), '', 'ünïcode'];
      for (const name of hostile) {
        await assert.rejects(env.destination.ensureTable(schema, withColumns(users, { name, type: 'text' })), InvalidIdentifierError);
        await assert.rejects(env.destination.ensureTable(schema, { ...users, name }), InvalidIdentifierError);
        await assert.rejects(env.destination.ensureSchema(name), InvalidIdentifierError);
        await assert.rejects(
          env.destination.upsert(schema, [{ table: withColumns(users, { name, type: 'text' }), rows: [{ id: 2 }] }]),
          InvalidIdentifierError,
        );
      }
      await assert.rejects(env.destination.ensureSchema('zendesk_sync'), /reserved/);
      await assert.rejects(env.destination.countRows(schema, 'users"; --'), InvalidIdentifierError);
      assert.deepEqual(await env.tablesIn(schema), ['users']);
      assert.deepEqual(await env.readRows(schema, users), [{ id: 1, name: 'kept', active: true }]);
    });

    test('reserved words and 63-byte names work as table and column names', async () => {
      const schema = await freshSchema();
      const longName = `c${'x'.repeat(62)}`;
      const reserved: WarehouseTable = {
        name: 'order',
        primaryKey: 'group',
        columns: [
          { name: 'group', type: 'bigint' },
          { name: 'default', type: 'text' },
          { name: 'order', type: 'text' },
          { name: 'select', type: 'boolean' },
          { name: 'user', type: 'json' },
          { name: longName, type: 'text' },
        ],
      };
      await env.destination.ensureTable(schema, reserved);
      const row = { group: 7, default: 'd', order: 'o', select: false, user: { id: 1 }, [longName]: 'long' };
      await env.destination.upsert(schema, [{ table: reserved, rows: [row, { ...row, default: 'd2' }] }]);
      assert.deepEqual(await env.readRows(schema, reserved), [{ ...row, default: 'd2' }]);
    });

    test('writes to two tables of one schema and to two schemas run concurrently', async () => {
      const schemaA = await freshSchema(tickets, users);
      const schemaB = await freshSchema(tickets, users);
      const ticketRows = Array.from({ length: 3000 }, (_, i) => ticket(i + 1));
      const userRows = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, name: `u${i}`, active: true }));
      const writes = [];
      for (let page = 0; page < 3; page++) {
        const slice = (rows: Row[]) => rows.slice(page * 1000, (page + 1) * 1000);
        for (const schema of [schemaA, schemaB]) {
          writes.push(env.destination.upsert(schema, [{ table: tickets, rows: slice(ticketRows) }]));
          writes.push(env.destination.upsert(schema, [{ table: users, rows: slice(userRows) }]));
        }
      }
      await Promise.all(writes);
      for (const schema of [schemaA, schemaB]) {
        assert.equal(await env.destination.countRows(schema, 'tickets'), 3000);
        assert.equal(await env.destination.countRows(schema, 'users'), 2000);
      }
    });

    test('a multi-table upsert is atomic: a failing second table leaves the first unchanged', async () => {
      const schema = await freshSchema(tickets, users);
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(1)] }]);
      const before = await env.readRows(schema, tickets);
      const neverCreated: WarehouseTable = { ...users, name: 'missing_table' };
      await assert.rejects(
        env.destination.upsert(schema, [
          { table: tickets, rows: [ticket(1, { subject: 'changed' }), ticket(2)] },
          { table: neverCreated, rows: [{ id: 1, name: 'x', active: true }] },
        ]),
      );
      const unknownColumn = withColumns(users, { name: 'not_added_yet', type: 'text' });
      await assert.rejects(
        env.destination.upsert(schema, [
          { table: tickets, rows: [ticket(1, { subject: 'changed' }), ticket(2)] },
          { table: unknownColumn, rows: [{ id: 1, name: 'x', active: true, not_added_yet: 'y' }] },
        ]),
      );
      assert.deepEqual(await env.readRows(schema, tickets), before);
      assert.equal(await env.destination.countRows(schema, 'users'), 0);
      // Both tables together succeed in one call.
      const ok = await env.destination.upsert(schema, [
        { table: tickets, rows: [ticket(2)] },
        { table: users, rows: [{ id: 1, name: 'x', active: true }] },
      ]);
      assert.deepEqual(ok.rowsByTable, { tickets: 1, users: 1 });
    });

    test('state is read and written per source, outside the source schema', async () => {
      const schema = await freshSchema(users);
      const other = env.anotherSchema();
      assert.equal(await env.destination.readState(schema, 'tickets.cursor'), null);
      await env.destination.writeState(schema, 'tickets.cursor', 'c1');
      await env.destination.writeState(schema, 'tickets.cursor', 'c2\u0000');
      await env.destination.writeState(other, 'tickets.cursor', 'other');
      assert.equal(await env.destination.readState(schema, 'tickets.cursor'), 'c2');
      assert.equal(await env.destination.readState(other, 'tickets.cursor'), 'other');
      assert.equal(await env.destination.readState(schema, 'users.cursor'), null);
      assert.deepEqual(await env.tablesIn(schema), ['users']);
    });

    test('operations on an unknown table or an empty call', async () => {
      const schema = await freshSchema(users);
      assert.deepEqual((await env.destination.upsert(schema, [])).rowsByTable, {});
      assert.deepEqual((await env.destination.upsert(schema, [{ table: users, rows: [] }])).rowsByTable, { users: 0 });
      await assert.rejects(env.destination.countRows(schema, 'nope'));
    });
  });
}
