/**
 * The Snowflake destination against fakesnow's server, through the real, unchanged snowflake-sdk
 * (the loopback shim only fixes fakesnow's wire-format gaps; see FAKESNOW_GAPS.md). Needs
 * `bash scripts/fakesnow.sh` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidIdentifierError } from '../../destinations/identifierRules';
import {
  openSnowflakeDestination,
  snowflakeQueryTag,
  type SnowflakeDestination,
} from '../../destinations/snowflake';
import { PRIVATE_KEY_PASSPHRASE_ENV } from '../../destinations/snowflakeSettings';
import type { Row, WarehouseColumn, WarehouseTable } from '../../destinations/types';
import { startSnowflakeEmulator, type SnowflakeEmulator } from './emulator';
import { readRows, tablesIn, uniqueSchema } from './read-back';

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

describe('Snowflake destination on fakesnow', () => {
  let emulator: SnowflakeEmulator;
  let destination: SnowflakeDestination;

  before(async () => {
    emulator = await startSnowflakeEmulator();
    destination = await openSnowflakeDestination(emulator.settings({ queryTag: snowflakeQueryTag({ source: 'tests', run: 'r1' }) }));
  });
  after(async () => {
    await destination?.close();
    await emulator?.stop();
  });

  async function freshSchema(...tables: WarehouseTable[]): Promise<string> {
    const schema = uniqueSchema();
    await destination.ensureSchema(schema);
    for (const table of tables) await destination.ensureTable(schema, table);
    return schema;
  }

  /** Statements the driver sent while `work` ran. */
  async function statementsDuring(work: () => Promise<unknown>) {
    const start = emulator.shim.statements.length;
    await work();
    return emulator.shim.statements.slice(start);
  }

  test('logs in with the query tag naming source and run', () => {
    assert.deepEqual(JSON.parse(emulator.shim.logins[0]!.queryTag!), { app: 'zendesk-sync', source: 'tests', run: 'r1' });
  });

  test('key-pair login from a snowflake:// URL: the driver signs a JWT with the key file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-sf-key-'));
    const passphrase = 'correct horse battery staple';
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const keyPath = path.join(dir, 'rsa_key.p8');
    fs.writeFileSync(keyPath, privateKey, { mode: 0o600 });
    process.env[PRIVATE_KEY_PASSPHRASE_ENV] = passphrase;
    const loginsBefore = emulator.shim.logins.length;
    const keyed = await openSnowflakeDestination(`${emulator.url()}&privateKeyPath=${encodeURIComponent(keyPath)}`);
    try {
      const login = emulator.shim.logins[loginsBefore]!;
      assert.equal(login.authenticator, 'SNOWFLAKE_JWT');
      const [header, payload, signature] = login.jwt!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      assert.equal(claims.sub, 'ZS-TEST.ZENDESK_SYNC');
      const verifier = createVerify('RSA-SHA256');
      verifier.update(`${header}.${payload}`);
      assert.ok(verifier.verify(publicKey, Buffer.from(signature!, 'base64url')), 'JWT is signed by the configured key');
      // And the session works.
      const schema = uniqueSchema();
      await keyed.ensureSchema(schema);
      await keyed.ensureTable(schema, users);
      await keyed.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'k', active: true }] }]);
      assert.equal(await keyed.countRows(schema, 'users'), 1);
    } finally {
      delete process.env[PRIVATE_KEY_PASSPHRASE_ENV];
      await keyed.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ensureSchema and ensureTable are idempotent and create only the collection tables', async () => {
    const schema = await freshSchema(tickets, users);
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, tickets);
    await destination.writeState(schema, 'cursor', 'abc');
    await destination.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'n', active: true }] }]);
    assert.deepEqual(await tablesIn(destination, schema), ['tickets', 'users']);
    assert.equal(await destination.countRows(schema, 'tickets'), 0);
  });

  test('names are upper-cased, so users query them unquoted', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(7)] }]);
    const rows = await destination.query(`select subject, requester_id from ${schema}.tickets where id = 7`);
    assert.deepEqual(rows, [{ SUBJECT: 'Subject 7', REQUESTER_ID: 1007 }]);
  });

  test('values round-trip with their types; JSON lands as VARIANT, queryable by path', async () => {
    const schema = await freshSchema(tickets);
    const row = ticket(2, { created_at: '2024-01-02T03:04:05.123Z' });
    const result = await destination.upsert(schema, [{ table: tickets, rows: [row] }]);
    assert.deepEqual(result.rowsByTable, { tickets: 1 });
    assert.deepEqual(await readRows(destination, schema, tickets), [row]);
    const [types] = await destination.query(
      `SELECT "TAGS"[1]::VARCHAR AS "SECOND_TAG", "VIA":channel::VARCHAR AS "CHANNEL" FROM "${schema.toUpperCase()}"."TICKETS"`,
    );
    assert.deepEqual(types, { SECOND_TAG: 't2', CHANNEL: 'email' });
  });

  test('one upsert: staging loads before BEGIN, one MERGE per table, one COMMIT', async () => {
    const schema = await freshSchema(tickets, users);
    const sent = await statementsDuring(() =>
      destination.upsert(schema, [
        { table: tickets, rows: [ticket(1), ticket(2)] },
        { table: users, rows: [{ id: 1, name: 'u', active: true }] },
      ]),
    );
    const shape = sent.map((s) => s.sqlText.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(shape, [
      'CREATE OR', 'INSERT INTO', 'CREATE OR', 'INSERT INTO', 'BEGIN', 'MERGE INTO', 'MERGE INTO', 'COMMIT', 'DROP TABLE', 'DROP TABLE',
    ]);
    assert.deepEqual(sent.filter((s) => s.sqlText.startsWith('INSERT')).map((s) => s.boundRows), [2, 1]);
    assert.match(sent[5]!.sqlText, /PARSE_JSON\("TAGS"\) AS "TAGS"/);
  });

  test('re-upserting the same batch changes nothing', async () => {
    const schema = await freshSchema(tickets);
    const rows = [ticket(1), ticket(2), ticket(3)];
    await destination.upsert(schema, [{ table: tickets, rows }]);
    const first = await readRows(destination, schema, tickets);
    await destination.upsert(schema, [{ table: tickets, rows }]);
    assert.deepEqual(await readRows(destination, schema, tickets), first);
    assert.equal(await destination.countRows(schema, 'tickets'), 3);
  });

  test('an updated record replaces the old one, and missing columns become NULL', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2)] }]);
    await destination.upsert(schema, [{ table: tickets, rows: [{ id: 2, subject: 'Changed', tags: [] }] }]);
    const rows = await readRows(destination, schema, tickets);
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
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2)] }]);
    const widened = withColumns(tickets, { name: 'custom_plan', type: 'text' }, { name: 'custom_seats', type: 'bigint' });
    const sent = await statementsDuring(async () => {
      await destination.ensureTable(schema, widened);
      await destination.ensureTable(schema, widened); // already there: no ALTER
    });
    assert.deepEqual(
      sent.filter((s) => s.sqlText.startsWith('ALTER')).map((s) => s.sqlText),
      [`ALTER TABLE "${schema.toUpperCase()}"."TICKETS" ADD COLUMN IF NOT EXISTS "CUSTOM_PLAN" VARCHAR, "CUSTOM_SEATS" NUMBER(38,0)`],
    );
    await destination.upsert(schema, [{ table: widened, rows: [ticket(3, { custom_plan: 'pro', custom_seats: 12 })] }]);
    const rows = await readRows(destination, schema, widened);
    assert.deepEqual(rows[0], { ...ticket(1), custom_plan: null, custom_seats: null });
    assert.deepEqual(rows[1], { ...ticket(2), custom_plan: null, custom_seats: null });
    assert.deepEqual(rows[2], ticket(3, { custom_plan: 'pro', custom_seats: 12 }));
    // An older table definition (without the new columns) still writes, leaving them as they are.
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(3, { subject: 'again' })] }]);
    assert.deepEqual((await readRows(destination, schema, widened))[2], ticket(3, { subject: 'again', custom_plan: 'pro', custom_seats: 12 }));
  });

  test('a new process adding columns to a table that already has some of them', async () => {
    const schema = await freshSchema(tickets);
    const other = await openSnowflakeDestination(emulator.settings());
    try {
      // `other` has never seen the table: it re-adds every column, IF NOT EXISTS makes that safe.
      await other.ensureTable(schema, withColumns(tickets, { name: 'custom_x', type: 'double' }));
      await other.upsert(schema, [{ table: withColumns(tickets, { name: 'custom_x', type: 'double' }), rows: [ticket(1, { custom_x: 1.5 })] }]);
      assert.deepEqual(await readRows(destination, schema, withColumns(tickets, { name: 'custom_x', type: 'double' })), [ticket(1, { custom_x: 1.5 })]);
    } finally {
      await other.close();
    }
  });

  test('a key twice in one batch keeps the last row', async () => {
    const schema = await freshSchema(tickets);
    const result = await destination.upsert(schema, [
      {
        table: tickets,
        rows: [ticket(1, { subject: 'first' }), ticket(2), ticket(1, { subject: 'last' }), ticket('1' as unknown as number, { subject: 'as text' })],
      },
    ]);
    assert.deepEqual(result.rowsByTable, { tickets: 2 });
    const rows = await readRows(destination, schema, tickets);
    assert.deepEqual(rows.map((r) => [r.id, r.subject]), [[1, 'as text'], [2, 'Subject 2']]);
  });

  test('the same table twice in one call: later rows win, one MERGE', async () => {
    const schema = await freshSchema(users);
    const sent = await statementsDuring(() =>
      destination.upsert(schema, [
        { table: users, rows: [{ id: 1, name: 'early', active: true }] },
        { table: users, rows: [{ id: 1, name: 'late', active: false }, { id: 2, name: 'two', active: true }] },
      ]),
    );
    assert.equal(sent.filter((s) => s.sqlText.startsWith('MERGE')).length, 1);
    assert.deepEqual(await readRows(destination, schema, users), [
      { id: 1, name: 'late', active: false },
      { id: 2, name: 'two', active: true },
    ]);
  });

  test('rows without a usable primary key are dropped and counted', async () => {
    const schema = await freshSchema(tickets);
    const result = await destination.upsert(schema, [
      { table: tickets, rows: [ticket(1), { ...ticket(2), id: null }, { ...ticket(3), id: 'abc' }] },
    ]);
    assert.deepEqual(result.rowsByTable, { tickets: 1 });
    assert.deepEqual(result.rejectedByTable, { tickets: 2 });
    assert.equal(await destination.countRows(schema, 'tickets'), 1);
  });

  test('values of the wrong type are coerced, or stored as NULL and counted', async () => {
    const schema = await freshSchema(tickets);
    const result = await destination.upsert(schema, [
      {
        table: tickets,
        rows: [
          ticket(1, { requester_id: ' 42 ', score: '2.5', is_public: 'true', created_at: 1704164645, subject: { a: 1 } }),
          ticket(2, { requester_id: 'abc', score: 'n/a', is_public: 'maybe', created_at: 'yesterday', due_date: '2024-02-30' }),
          ticket(3, { requester_id: 12.9, score: 3, tags: 'not-an-array', due_date: '2024-03-01T23:30:00-02:00' }),
          ticket(4, { requester_id: '9007199254740993' }), // beyond 2^53: exact as NUMBER(38,0)
        ],
      },
    ]);
    assert.deepEqual(result.coercedToNullByTable, { tickets: 5 });
    const rows = await readRows(destination, schema, tickets);
    assert.deepEqual(rows[0], ticket(1, { requester_id: 42, score: 2.5, is_public: true, created_at: '2024-01-02T03:04:05Z', subject: '{"a":1}' }));
    assert.deepEqual(rows[1], ticket(2, { requester_id: null, score: null, is_public: null, created_at: null, due_date: null }));
    assert.deepEqual(rows[2], ticket(3, { requester_id: 12, score: 3, tags: 'not-an-array', due_date: '2024-03-02' }));
    const [big] = await destination.query(
      `SELECT TO_VARCHAR("REQUESTER_ID") AS "V" FROM "${schema.toUpperCase()}"."TICKETS" WHERE "ID" = 4`,
    );
    assert.equal(big!.V, '9007199254740993');
  });

  test('NUL characters and lone surrogates are cleaned in text and JSON', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [
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
    const [row] = await readRows(destination, schema, tickets);
    assert.equal(row!.subject, 'ab\uFFFDc\uFFFDd\uD83D\uDE00');
    assert.deepEqual(row!.tags, ['xy', '\uFFFD']);
    assert.deepEqual(row!.via, { key: 'v', nested: ['\uFFFD'] });
  });

  test('a 10 MB text value is stored whole, in an INSERT of its own', async () => {
    const schema = await freshSchema(tickets);
    const big = 'Zendesk ✓ '.repeat(1_048_576); // 10 Mi characters, multi-byte included
    const sent = await statementsDuring(() =>
      destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2, { subject: big }), ticket(3)] }]),
    );
    assert.deepEqual(sent.filter((s) => s.sqlText.startsWith('INSERT')).map((s) => s.boundRows), [1, 1, 1]);
    const rows = await readRows(destination, schema, tickets);
    assert.equal((rows[1]!.subject as string).length, big.length);
    assert.ok(rows[1]!.subject === big);
    assert.deepEqual(rows[0], ticket(1));
  });

  test('staging INSERTs are sized by bytes, not rows', async () => {
    const schema = uniqueSchema();
    const small = await openSnowflakeDestination(emulator.settings({ maxStatementBytes: 4_000 }));
    try {
      await small.ensureSchema(schema);
      await small.ensureTable(schema, tickets);
      const rows = Array.from({ length: 60 }, (_, i) => ticket(i + 1));
      const sent = await statementsDuring(() => small.upsert(schema, [{ table: tickets, rows }]));
      const inserts = sent.filter((s) => s.sqlText.startsWith('INSERT'));
      assert.ok(inserts.length > 1, `expected several INSERTs, got ${inserts.length}`);
      assert.equal(inserts.reduce((n, s) => n + s.boundRows, 0), 60);
      assert.ok(inserts.every((s) => s.boundRows < 60));
      assert.equal(sent.filter((s) => s.sqlText.startsWith('MERGE')).length, 1);
      assert.equal(await small.countRows(schema, 'tickets'), 60);
    } finally {
      await small.close();
    }
  });

  test('hostile identifiers are rejected before any SQL runs', async () => {
    const schema = await freshSchema(users);
    await destination.upsert(schema, [{ table: users, rows: [{ id: 1, name: 'kept', active: true }] }]);
    const hostile = ['a"; drop table x; --', 'Users', 'name with space', '1abc', 'x'.repeat(64), '', 'ünïcode'];
    const sent = await statementsDuring(async () => {
      for (const name of hostile) {
        await assert.rejects(destination.ensureTable(schema, withColumns(users, { name, type: 'text' })), InvalidIdentifierError);
        await assert.rejects(destination.ensureTable(schema, { ...users, name }), InvalidIdentifierError);
        await assert.rejects(destination.ensureSchema(name), InvalidIdentifierError);
        await assert.rejects(
          destination.upsert(schema, [{ table: withColumns(users, { name, type: 'text' }), rows: [{ id: 2 }] }]),
          InvalidIdentifierError,
        );
      }
      await assert.rejects(destination.ensureSchema('zendesk_sync'), /reserved/);
      await assert.rejects(destination.countRows(schema, 'users"; --'), InvalidIdentifierError);
    });
    assert.deepEqual(sent, []);
    assert.deepEqual(await tablesIn(destination, schema), ['users']);
    assert.deepEqual(await readRows(destination, schema, users), [{ id: 1, name: 'kept', active: true }]);
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
    await destination.ensureTable(schema, reserved);
    const row = { group: 7, default: 'd', order: 'o', select: false, user: { id: 1 }, [longName]: 'long' };
    await destination.upsert(schema, [{ table: reserved, rows: [row, { ...row, default: 'd2' }] }]);
    assert.deepEqual(await readRows(destination, schema, reserved), [{ ...row, default: 'd2' }]);
  });

  test('a multi-table upsert is atomic: a failing second table leaves the first unchanged', async () => {
    const schema = await freshSchema(tickets, users);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1)] }]);
    const before = await readRows(destination, schema, tickets);
    const neverCreated: WarehouseTable = { ...users, name: 'missing_table' };
    const sent = await statementsDuring(() =>
      assert.rejects(
        destination.upsert(schema, [
          { table: tickets, rows: [ticket(1, { subject: 'changed' }), ticket(2)] },
          { table: neverCreated, rows: [{ id: 1, name: 'x', active: true }] },
        ]),
        /MISSING_TABLE/,
      ),
    );
    // The first MERGE did run inside the transaction; the ROLLBACK undid it.
    assert.deepEqual(
      sent.map((s) => s.sqlText.split(' ')[0]).filter((w) => ['BEGIN', 'MERGE', 'COMMIT', 'ROLLBACK'].includes(w!)),
      ['BEGIN', 'MERGE', 'MERGE', 'ROLLBACK'],
    );
    const unknownColumn = withColumns(users, { name: 'not_added_yet', type: 'text' });
    await assert.rejects(
      destination.upsert(schema, [
        { table: tickets, rows: [ticket(1, { subject: 'changed' }), ticket(2)] },
        { table: unknownColumn, rows: [{ id: 1, name: 'x', active: true, not_added_yet: 'y' }] },
      ]),
    );
    assert.deepEqual(await readRows(destination, schema, tickets), before);
    assert.equal(await destination.countRows(schema, 'users'), 0);
    // Both tables together succeed in one call, on the same session as the failures.
    const ok = await destination.upsert(schema, [
      { table: tickets, rows: [ticket(2)] },
      { table: users, rows: [{ id: 1, name: 'x', active: true }] },
    ]);
    assert.deepEqual(ok.rowsByTable, { tickets: 1, users: 1 });
    assert.equal(await destination.countRows(schema, 'tickets'), 2);
  });

  test('concurrent calls on one destination are serialised on its session', async () => {
    const schemaA = await freshSchema(tickets, users);
    const schemaB = await freshSchema(tickets, users);
    const writes = [];
    for (let page = 0; page < 3; page++) {
      for (const schema of [schemaA, schemaB]) {
        writes.push(destination.upsert(schema, [{ table: tickets, rows: Array.from({ length: 20 }, (_, i) => ticket(page * 20 + i + 1)) }]));
        writes.push(destination.upsert(schema, [{ table: users, rows: [{ id: page + 1, name: `u${page}`, active: true }] }]));
      }
    }
    await Promise.all(writes);
    for (const schema of [schemaA, schemaB]) {
      assert.equal(await destination.countRows(schema, 'tickets'), 60);
      assert.equal(await destination.countRows(schema, 'users'), 3);
    }
  });

  test('state is read and written per source, outside the source schema', async () => {
    const schema = await freshSchema(users);
    const other = uniqueSchema();
    assert.equal(await destination.readState(schema, 'tickets.cursor'), null);
    await destination.writeState(schema, 'tickets.cursor', 'c1');
    await destination.writeState(schema, 'tickets.cursor', 'c2\u0000');
    await destination.writeState(other, 'tickets.cursor', 'other');
    assert.equal(await destination.readState(schema, 'tickets.cursor'), 'c2');
    assert.equal(await destination.readState(other, 'tickets.cursor'), 'other');
    assert.equal(await destination.readState(schema, 'users.cursor'), null);
    assert.deepEqual(await tablesIn(destination, schema), ['users']);
    assert.deepEqual(await tablesIn(destination, 'zendesk_sync'), ['state']);
  });

  test('an empty call sends nothing; an unknown table fails', async () => {
    const schema = await freshSchema(users);
    const sent = await statementsDuring(async () => {
      assert.deepEqual((await destination.upsert(schema, [])).rowsByTable, {});
      assert.deepEqual((await destination.upsert(schema, [{ table: users, rows: [] }])).rowsByTable, { users: 0 });
    });
    assert.deepEqual(sent, []);
    await assert.rejects(destination.countRows(schema, 'nope'));
  });

  test('a closed destination refuses work', async () => {
    const closing = await openSnowflakeDestination(emulator.settings());
    await closing.close();
    await assert.rejects(closing.countRows('zendesk_sync', 'state'), /closed/);
  });
});
