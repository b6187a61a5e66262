/**
 * The Destination contract, run unchanged against SQLite, the real Postgres server and Snowflake (on
 * fakesnow). What a backend cannot show is an explicit capability in backends.ts; what is specific to
 * one writer lives in its own file (sqlite.test.ts, postgres.test.ts, test/destinations/snowflake/destination.integration.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidIdentifierError } from '../../destinations/shared/identifiers';
import type { Row, WarehouseTable } from '../../destinations/types';
import { backends, type OpenedBackend } from './backends';
import { ticket, tickets, users, versioned, withColumns } from './fixtures';

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

    /** Runs `work`; asserts it sent no SQL where the backend can see its wire (statementsDuring). */
    async function sendsNothing(work: () => Promise<unknown>): Promise<void> {
      if (!env.statementsDuring) {
        await work();
        return;
      }
      assert.deepEqual(await env.statementsDuring(work), []);
    }

    test('ensureSchema and ensureTable are idempotent and create only the collection tables', async () => {
      const schema = await freshSchema(tickets, users);
      await env.destination.ensureSchema(schema);
      await env.destination.ensureTable(schema, tickets);
      await env.destination.writeState(schema, 'cursor', 'abc');
      // An upsert leaves no staging table behind either.
      await env.destination.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'n', active: true }] }]);
      assert.deepEqual(await env.tablesIn(schema), ['tickets', 'users']);
      assert.equal(await env.destination.countRows(schema, 'tickets'), 0);
    });

    test('values round-trip with their types', async () => {
      const schema = await freshSchema(tickets);
      const row = ticket(2, { created_at: '2024-01-02T03:04:05.123Z' });
      const result = await env.destination.upsert(schema, [{ table: tickets, rows: [row] }]);
      assert.deepEqual(result.rowsByTable, { tickets: 1 });
      assert.deepEqual(await env.readRows(schema, tickets), [row]);
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
        {
          table: tickets,
          rows: [
            ticket(1, { subject: 'first' }),
            ticket(2),
            ticket(1, { subject: 'last' }),
            ticket('1' as unknown as number, { subject: 'as text' }),
          ],
        },
      ]);
      assert.deepEqual(result.rowsByTable, { tickets: 2 });
      const rows = await env.readRows(schema, tickets);
      assert.deepEqual(
        rows.map((r) => [r.id, r.subject]),
        [
          [1, 'as text'],
          [2, 'Subject 2'],
        ],
      );
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

    test('a 10 MB text value is stored whole, between ordinary rows', async () => {
      const schema = await freshSchema(tickets);
      const big = 'Zendesk ✓ '.repeat(1_048_576); // 10 Mi characters, multi-byte included
      await env.destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2, { subject: big }), ticket(3)] }]);
      const rows = await env.readRows(schema, tickets);
      assert.equal((rows[1]!.subject as string).length, big.length);
      assert.ok(rows[1]!.subject === big);
      assert.deepEqual(rows[0], ticket(1));
      assert.deepEqual(rows[2], ticket(3));
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
            ticket(3, { requester_id: 12.9, score: 3, tags: 'not-an-array', due_date: '2024-03-01T23:30:00-02:00' }),
            // Beyond 2^53: stored exactly as a 64-bit integer.
            ticket(4, { requester_id: '9007199254740993' }),
          ],
        },
      ]);
      assert.deepEqual(result.coercedToNullByTable, { tickets: 5 });
      const rows = await env.readRows(schema, tickets);
      assert.deepEqual(
        { ...rows[0] },
        ticket(1, { requester_id: 42, score: 2.5, is_public: true, created_at: '2024-01-02T03:04:05Z', subject: '{"a":1}' }),
      );
      assert.deepEqual({ ...rows[1] }, ticket(2, { requester_id: null, score: null, is_public: null, created_at: null, due_date: null }));
      assert.deepEqual({ ...rows[2] }, ticket(3, { requester_id: 12, score: 3, tags: 'not-an-array', due_date: '2024-03-02' }));
      assert.equal(await env.readText(schema, tickets, 'requester_id', 4), '9007199254740993');
    });

    test('hostile identifiers are rejected before any SQL runs', async () => {
      const schema = await freshSchema(users);
      await env.destination.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'kept', active: true }] }]);
      const hostile = [
        'a"; drop table users; --',
        'a"; drop table x; --',
        'Users',
        'name with space',
        '1abc',
        'x'.repeat(64),
        '',
        'ünïcode',
      ];
      await sendsNothing(async () => {
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
      });
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
      const pageRows = backend.concurrentPageRows;
      const ticketRows = Array.from({ length: 3 * pageRows }, (_, i) => ticket(i + 1));
      const userRows = Array.from({ length: 2 * pageRows }, (_, i) => ({ id: i + 1, name: `u${i}`, active: true }));
      const writes = [];
      for (let page = 0; page < 3; page++) {
        const slice = (rows: Row[]) => rows.slice(page * pageRows, (page + 1) * pageRows);
        for (const schema of [schemaA, schemaB]) {
          writes.push(env.destination.upsert(schema, [{ table: tickets, rows: slice(ticketRows) }]));
          writes.push(env.destination.upsert(schema, [{ table: users, rows: slice(userRows) }]));
        }
      }
      await Promise.all(writes);
      for (const schema of [schemaA, schemaB]) {
        assert.equal(await env.destination.countRows(schema, 'tickets'), 3 * pageRows);
        assert.equal(await env.destination.countRows(schema, 'users'), 2 * pageRows);
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
        /missing_table/i,
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
      // Both tables together succeed in one call, on the same session as the failures.
      const ok = await env.destination.upsert(schema, [
        { table: tickets, rows: [ticket(2)] },
        { table: users, rows: [{ id: 1, name: 'x', active: true }] },
      ]);
      assert.deepEqual(ok.rowsByTable, { tickets: 1, users: 1 });
      assert.equal(await env.destination.countRows(schema, 'tickets'), 2);
    });

    test('an older version never replaces a newer row; equal versions and NULL versions update', async () => {
      const schema = await freshSchema(versioned);
      const row = (id: number, note: string, updated_at: string | null) => ({ id, note, updated_at });
      await env.destination.upsert(schema, [
        {
          table: versioned,
          rows: [
            row(1, 'newer', '2024-05-01T10:00:00Z'),
            row(2, 'first', '2024-05-01T10:00:00Z'),
            row(3, 'first', '2024-05-01T10:00:00Z'),
            row(4, 'first', '2024-05-01T10:00:00Z'),
            row(5, 'unversioned', null),
            row(6, 'fraction', '2024-05-01T10:00:00.500Z'),
            row(7, 'whole second', '2024-05-01T10:00:00Z'),
          ],
        },
      ]);
      // A page fetched before those rows changed, written after them.
      await env.destination.upsert(schema, [
        {
          table: versioned,
          rows: [
            row(1, 'stale', '2024-04-30T09:00:00Z'),
            row(2, 'same second', '2024-05-01T10:00:00Z'),
            row(3, 'newest', '2024-05-02T00:00:00Z'),
            row(4, 'no version given', null),
            row(5, 'now versioned', '2024-01-01T00:00:00Z'),
            // Instants, not texts, are compared: .500 is after the whole second, before the next.
            row(6, 'stale fraction', '2024-05-01T10:00:00Z'),
            row(7, 'later fraction', '2024-05-01T10:00:00.250Z'),
            row(8, 'inserted', '2020-01-01T00:00:00Z'),
          ],
        },
      ]);
      assert.deepEqual(
        (await env.readRows(schema, versioned)).map((r) => [r.id, r.note]),
        [
          [1, 'newer'],
          [2, 'same second'],
          [3, 'newest'],
          [4, 'no version given'],
          [5, 'now versioned'],
          [6, 'fraction'],
          [7, 'later fraction'],
          [8, 'inserted'],
        ],
      );
      // Without a version column the last write wins, as before.
      const { versionColumn: _ignored, ...unversioned } = versioned;
      await env.destination.upsert(schema, [{ table: unversioned, rows: [row(1, 'last write', '2000-01-01T00:00:00Z')] }]);
      assert.equal((await env.readRows(schema, versioned))[0]!.note, 'last write');
    });

    test('a finished full read deletes exactly the rows it did not list, in its own table and source', async () => {
      const schema = await freshSchema(users, tickets);
      const other = await freshSchema(users);
      const user = (id: number | string) => ({ id, name: `u${id}`, active: true });
      // Ids as Zendesk has them (15 digits) and one beyond 2^53, sent as text: keys compare exactly.
      const big = '9007199254740993';
      const before = [1, 2, 3, 360000000000004, 5, big].map(user);
      await env.destination.upsert(schema, [
        { table: users, rows: before },
        { table: tickets, rows: [ticket(3)] },
      ]);
      await env.destination.upsert(other, [{ table: users, rows: before }]);

      await env.destination.beginFullRead(schema, ['users'], 'read-1');
      await env.destination.upsert(schema, [{ table: users, rows: [user(1), user(360000000000004)] }], { fullReadId: 'read-1' });
      await env.destination.upsert(schema, [{ table: users, rows: [user(big), user(7)] }], { fullReadId: 'read-1' });
      // A page read again (a retry from an older heartbeat) records nothing twice.
      await env.destination.upsert(schema, [{ table: users, rows: [user(7)] }], { fullReadId: 'read-1' });
      // Rows written outside the read (another stream's page) are not "seen".
      await env.destination.upsert(schema, [{ table: users, rows: [user(2)] }]);
      assert.deepEqual(await env.destination.finishFullRead(schema, users, 'read-1'), { swept: true, deleted: 3 });
      // By name: a JS number cannot read the id beyond 2^53 back exactly.
      assert.deepEqual(
        (await env.readRows(schema, users)).map((r) => r.name),
        ['u1', 'u7', 'u360000000000004', `u${big}`],
      );
      assert.equal(await env.destination.countRows(schema, 'tickets'), 1, 'another table is untouched');
      assert.equal(await env.destination.countRows(other, 'users'), 6, 'another source is untouched');
      // Finished: the same read cannot sweep again.
      await env.destination.upsert(schema, [{ table: users, rows: [user(9)] }]);
      assert.deepEqual(await env.destination.finishFullRead(schema, users, 'read-1'), { swept: false, deleted: 0 });
      assert.equal(await env.destination.countRows(schema, 'users'), 5);
    });

    test('a full read that a newer read replaced deletes nothing; a read of no rows empties the table', async () => {
      const schema = await freshSchema(users);
      const user = (id: number) => ({ id, name: `u${id}`, active: true });
      await env.destination.upsert(schema, [{ table: users, rows: [1, 2, 3].map(user) }]);
      await env.destination.beginFullRead(schema, ['users'], 'abandoned');
      await env.destination.upsert(schema, [{ table: users, rows: [user(1)] }], { fullReadId: 'abandoned' });
      // A fresh read begins (the abandoned one's keys are dropped); the abandoned one then finishes late.
      await env.destination.beginFullRead(schema, ['users'], 'fresh');
      await env.destination.upsert(schema, [{ table: users, rows: [user(2)] }], { fullReadId: 'fresh' });
      assert.deepEqual(await env.destination.finishFullRead(schema, users, 'abandoned'), { swept: false, deleted: 0 });
      assert.equal(await env.destination.countRows(schema, 'users'), 3);
      // The fresh read saw only 2: key 1 seen by the abandoned read does not count.
      await env.destination.upsert(schema, [{ table: users, rows: [user(3)] }], { fullReadId: 'fresh' });
      assert.deepEqual(await env.destination.finishFullRead(schema, users, 'fresh'), { swept: true, deleted: 1 });
      assert.deepEqual(
        (await env.readRows(schema, users)).map((r) => r.id),
        [2, 3],
      );
      // Zendesk lists nothing any more: the read of one empty page removes every row.
      await env.destination.beginFullRead(schema, ['users'], 'empty');
      await env.destination.upsert(schema, [{ table: users, rows: [] }], { fullReadId: 'empty' });
      assert.deepEqual(await env.destination.finishFullRead(schema, users, 'empty'), { swept: true, deleted: 2 });
      assert.equal(await env.destination.countRows(schema, 'users'), 0);
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
      assert.deepEqual((await env.tablesIn('zendesk_sync')).sort(), ['full_read_keys', 'full_reads', 'state']);
    });

    test('verification reads: counts leave out matching rows (never NULLs), keys come back as exact text', async () => {
      const schema = await freshSchema(tickets, users);
      await env.destination.upsert(schema, [
        {
          table: tickets,
          rows: [
            ticket(1, { subject: 'deleted' }),
            ticket(2, { subject: 'open' }),
            ticket(3, { subject: null }),
            // Beyond 2^53: the key must come back digit for digit.
            ticket(4, { id: '9007199254740993' }),
          ],
        },
        {
          table: users,
          rows: [
            { id: 1, name: 'gone', active: false },
            { id: 2, name: 'here', active: true },
            { id: 3, name: null, active: null },
          ],
        },
      ]);
      assert.equal(await env.destination.countRows(schema, 'tickets'), 4);
      assert.equal(
        await env.destination.countRows(schema, 'tickets', { column: 'subject', equals: 'deleted' }),
        3,
        'the NULL subject is counted',
      );
      assert.equal(await env.destination.countRows(schema, 'tickets', { column: 'subject', isSet: true }), 1);
      assert.equal(await env.destination.countRows(schema, 'users', { column: 'active', equals: false }), 2);
      assert.equal(await env.destination.countRows(schema, 'users', { column: 'active', equals: true }), 2);
      assert.deepEqual((await env.destination.readKeys(schema, 'tickets', 'id')).sort(), ['1', '2', '3', '9007199254740993']);
      assert.deepEqual((await env.destination.readKeys(schema, 'users', 'name')).sort(), ['gone', 'here'], 'NULLs are left out');
      await assert.rejects(env.destination.countRows(schema, 'users', { column: 'active"; --', equals: true }), InvalidIdentifierError);
      await assert.rejects(env.destination.readKeys(schema, 'users', 'id"; --'), InvalidIdentifierError);
    });

    test("a batch that replaces records' rows deletes their old rows in the page's transaction, even with no new ones", async () => {
      const tags: WarehouseTable = {
        name: 'ticket_tags',
        primaryKey: 'id',
        columns: [
          { name: 'id', type: 'text' },
          { name: 'ticket_id', type: 'bigint' },
          { name: 'tag', type: 'text' },
        ],
      };
      const schema = await freshSchema(tags, users);
      const tag = (ticketId: number, name: string) => ({ id: `${ticketId}:${name}`, ticket_id: ticketId, tag: name });
      await env.destination.upsert(schema, [
        { table: tags, rows: [tag(1, 'a'), tag(1, 'b'), tag(2, 'a'), tag(3, 'c')], replaces: { column: 'ticket_id', keys: [1, 2, 3] } },
      ]);
      // Ticket 1 loses tag a, ticket 2 loses its only tag (no rows of its own any more), ticket 3 is not on the page.
      await env.destination.upsert(schema, [
        { table: tags, rows: [tag(1, 'b'), tag(1, 'd')], replaces: { column: 'ticket_id', keys: [1, 2] } },
      ]);
      assert.deepEqual(
        (await env.readRows(schema, tags)).map((r) => r.id),
        ['1:b', '1:d', '3:c'],
      );
      // A page whose write fails replaces nothing: the delete is rolled back with it.
      await assert.rejects(
        env.destination.upsert(schema, [
          { table: tags, rows: [], replaces: { column: 'ticket_id', keys: [1, 3] } },
          { table: { ...users, name: 'missing_table' }, rows: [{ id: 1, name: 'n', active: true }] },
        ]),
      );
      assert.deepEqual(
        (await env.readRows(schema, tags)).map((r) => r.id),
        ['1:b', '1:d', '3:c'],
      );
    });

    test("a record's derived rows are replaced only by a version of the record that is not older than the stored one", async () => {
      const records: WarehouseTable = {
        name: 'guarded_tickets',
        primaryKey: 'id',
        versionColumn: 'updated_at',
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'note', type: 'text' },
          { name: 'updated_at', type: 'timestamp' },
        ],
      };
      const tags: WarehouseTable = {
        name: 'guarded_ticket_tags',
        primaryKey: 'id',
        columns: [
          { name: 'id', type: 'text' },
          { name: 'ticket_id', type: 'bigint' },
          { name: 'tag', type: 'text' },
        ],
      };
      const schema = await freshSchema(records, tags);
      const ticket = (id: number, note: string, updated_at: string) => ({ id, note, updated_at });
      const tag = (ticketId: number, name: string) => ({ id: `${ticketId}:${name}`, ticket_id: ticketId, tag: name });
      const replaces = (keys: number[]) => ({ column: 'ticket_id', keys, recordTable: records.name });
      // The regular cycle's page: the newest versions.
      await env.destination.upsert(schema, [
        {
          table: records,
          rows: [
            ticket(1, 'newer', '2024-05-02T00:00:00Z'),
            ticket(2, 'first', '2024-05-01T10:00:00Z'),
            ticket(3, 'first', '2024-05-01T10:00:00Z'),
          ],
        },
        { table: tags, rows: [tag(1, 'new'), tag(2, 'first'), tag(3, 'kept')], replaces: replaces([1, 2, 3]) },
      ]);
      // A backfill page fetched earlier, written later; the derived batch comes first in the call.
      await env.destination.upsert(schema, [
        // Ticket 1 is older than stored, 2 is the same version, 4 has no stored row, 5 is not in the records' batch.
        {
          table: tags,
          rows: [tag(1, 'old'), tag(2, 'same second'), tag(4, 'inserted'), tag(5, 'unguarded')],
          replaces: replaces([1, 2, 4, 5]),
        },
        {
          table: records,
          rows: [
            ticket(1, 'stale', '2024-04-30T09:00:00Z'),
            ticket(2, 'same second', '2024-05-01T10:00:00Z'),
            ticket(4, 'inserted', '2020-01-01T00:00:00Z'),
          ],
        },
      ]);
      assert.deepEqual(
        (await env.readRows(schema, records)).map((r) => [r.id, r.note]),
        [
          [1, 'newer'],
          [2, 'same second'],
          [3, 'first'],
          [4, 'inserted'],
        ],
      );
      assert.deepEqual((await env.readRows(schema, tags)).map((r) => r.id).sort(), [
        '1:new',
        '2:same second',
        '3:kept',
        '4:inserted',
        '5:unguarded',
      ]);
      // Without the records' batch in the call (their table not enabled) the last page written replaces.
      await env.destination.upsert(schema, [{ table: tags, rows: [tag(1, 'unguarded')], replaces: replaces([1]) }]);
      assert.deepEqual((await env.readRows(schema, tags)).map((r) => r.id).sort(), [
        '1:unguarded',
        '2:same second',
        '3:kept',
        '4:inserted',
        '5:unguarded',
      ]);
    });

    test('an empty call sends nothing; an unknown table fails', async () => {
      const schema = await freshSchema(users);
      await sendsNothing(async () => {
        assert.deepEqual((await env.destination.upsert(schema, [])).rowsByTable, {});
        assert.deepEqual((await env.destination.upsert(schema, [{ table: users, rows: [] }])).rowsByTable, { users: 0 });
      });
      await assert.rejects(env.destination.countRows(schema, 'nope'));
    });
  });
}
