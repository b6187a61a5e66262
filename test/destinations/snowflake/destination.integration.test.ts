/**
 * What is specific to the Snowflake destination, against fakesnow's server through the real,
 * unchanged snowflake-sdk (the loopback shim only fixes fakesnow's wire-format gaps; see
 * FAKESNOW_GAPS.md): login (query tag, key pair), upper-cased names, VARIANT, the statements it
 * sends (staging, MERGE, ALTER, transactions), byte-sized staging, one session per destination.
 * The Destination contract itself runs on Snowflake too, in test/destinations/contract.integration.test.ts.
 * Needs `bash scripts/fakesnow.sh` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSnowflakeDestination, snowflakeQueryTag, type SnowflakeDestination } from '../../../destinations/snowflake/destination';
import { WorkerResources } from '../../../activities/resources';
import { InvalidIdentifierError } from '../../../destinations/shared/identifiers';
import {
  DEFAULT_MAX_BIND_VALUES_PER_STATEMENT,
  DEFAULT_MAX_STATEMENT_BYTES,
  PASSWORD_ENV,
  PRIVATE_KEY_PASSPHRASE_ENV,
} from '../../../destinations/snowflake/settings';
import { appendStagingSql, findSchemaSql, insertStagingSql, listColumnsSql, stagedAsText } from '../../../destinations/snowflake/sql';
import { planStagingLoad, sentStatementBytes, type BindRow } from '../../../destinations/snowflake/staging';
import type { WarehouseTable } from '../../../destinations/types';
import { uniqueName } from '../backends';
import { ticket, tickets, users, withColumns } from '../fixtures';
import { startSnowflakeEmulator, type SnowflakeEmulator } from '../../../harness/snowflake/emulator';
import { readLandedRows } from './python-reader';
import { readRows } from '../../../harness/snowflake/read-back';
import { statementsDuring as sentDuring } from './sent-statements';
import type { ObservedStatement } from '../../../harness/snowflake/driver-shim';

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
    const schema = uniqueName('src');
    await destination.ensureSchema(schema);
    for (const table of tables) await destination.ensureTable(schema, table);
    return schema;
  }

  /** Statements the driver sent while `work` ran. */
  const statementsDuring = (work: () => Promise<unknown>) => sentDuring(emulator.shim, work);

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
      const schema = uniqueName('src');
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

  test('names are upper-cased, so users query them unquoted', async () => {
    const schema = uniqueName('src');
    const upper = schema.toUpperCase();
    // fakesnow would answer the unquoted query below even for lowercase quoted names (gap 12), so
    // the names themselves are checked: exactly as sent in the DDL, and as the catalog stores them.
    const ddl = await statementsDuring(async () => {
      await destination.ensureSchema(schema);
      await destination.ensureTable(schema, withColumns(tickets, { name: 'group', type: 'text' }));
    });
    // The table is looked up first (it does not exist), created, and read again (in case another
    // process created it first from an older definition): all its columns are there, so no ALTER.
    assert.deepEqual(
      ddl.map((s) => s.sqlText),
      [
        findSchemaSql(),
        `CREATE SCHEMA IF NOT EXISTS "${upper}"`,
        listColumnsSql(),
        `CREATE TABLE IF NOT EXISTS "${upper}"."TICKETS" ("ID" NUMBER(38,0) NOT NULL, "SUBJECT" VARCHAR, ` +
          `"REQUESTER_ID" NUMBER(38,0), "SCORE" FLOAT, "IS_PUBLIC" BOOLEAN, "TAGS" VARIANT, "VIA" VARIANT, ` +
          `"CREATED_AT" TIMESTAMP_TZ, "DUE_DATE" DATE, "GROUP" VARCHAR, PRIMARY KEY ("ID"))`,
        listColumnsSql(),
      ],
    );
    // The Python reader finds tables and columns by exact (case-sensitive) catalog names: it sees the
    // table only if the catalog holds "SRC_…"."TICKETS" with upper-case columns.
    const [landed] = await readLandedRows(emulator.fakesnow.port, 'zs_test', [
      { schema, table: withColumns(tickets, { name: 'group', type: 'text' }) },
    ]);
    assert.equal(landed!.exists, true, 'the catalog holds the upper-case name');
    assert.equal(Object.keys(landed!.declaredTypes).length, 10);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(7)] }]);
    const rows = await destination.query(`select subject, requester_id from ${schema}.tickets where id = 7`);
    assert.deepEqual(rows, [{ SUBJECT: 'Subject 7', REQUESTER_ID: 1007 }]);
  });

  test('landed rows, read by the Python connector straight from fakesnow, have every value and type as written', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [
      {
        table: tickets,
        rows: [
          ticket(1, { created_at: '2024-01-02T03:04:05.123Z' }),
          // NUL and a lone surrogate are cleaned; an id beyond 2^53 keeps every digit; an offset becomes UTC.
          ticket(2, { subject: 'a\u0000b\uD800c', requester_id: '9007199254740993', created_at: '2024-03-01T23:30:00-02:00' }),
          ticket(3, { score: null, is_public: null, tags: null, via: null, created_at: null, due_date: null, subject: '' }),
        ],
      },
    ]);
    const [landed] = await readLandedRows(emulator.fakesnow.port, 'zs_test', [{ schema, table: tickets }]);
    assert.deepEqual(landed!.declaredTypes, {
      id: 'NUMBER',
      subject: 'TEXT',
      requester_id: 'NUMBER',
      score: 'FLOAT',
      is_public: 'BOOLEAN',
      tags: 'VARIANT',
      via: 'VARIANT',
      created_at: 'TIMESTAMP_TZ',
      due_date: 'DATE',
    });
    assert.deepEqual(landed!.rows, [
      ticket(1, { created_at: '2024-01-02T03:04:05.123Z' }),
      ticket(2, { subject: 'ab\uFFFDc', requester_id: '9007199254740993', created_at: '2024-03-02T01:30:00Z' }),
      ticket(3, { score: null, is_public: null, tags: null, via: null, created_at: null, due_date: null, subject: '' }),
    ]);
  });

  test('JSON lands as VARIANT, queryable by path', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(2)] }]);
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
      'CREATE OR',
      'INSERT INTO',
      'CREATE OR',
      'INSERT INTO',
      'BEGIN',
      'MERGE INTO',
      'MERGE INTO',
      'COMMIT',
      'DROP TABLE',
      'DROP TABLE',
    ]);
    assert.deepEqual(
      sent.filter((s) => s.sqlText.startsWith('INSERT')).map((s) => s.boundRows),
      [2, 1],
    );
    assert.match(sent[5]!.sqlText, /PARSE_JSON\("TAGS"\) AS "TAGS"/);
  });

  /** The ALTER statements among `sent`. */
  const alters = (sent: ObservedStatement[]) => sent.filter((s) => s.sqlText.startsWith('ALTER')).map((s) => s.sqlText);

  test('an unchanged schema and table get no DDL at all, from this process or a new one (login included)', async () => {
    const schema = await freshSchema(tickets);
    let other: SnowflakeDestination | undefined;
    try {
      const sent = await statementsDuring(async () => {
        await destination.ensureSchema(schema);
        await destination.ensureTable(schema, tickets);
        other = await openSnowflakeDestination(emulator.settings()); // a later run: a new process, a new login
        await other.ensureSchema(schema);
        await other.ensureTable(schema, tickets);
      });
      // Only look-ups: no ALTER (which needs ownership of the table), no CREATE … IF NOT EXISTS
      // (which needs the CREATE privilege on the database or schema even when the object exists).
      assert.deepEqual(
        sent.map((s) => s.sqlText),
        [
          findSchemaSql(),
          listColumnsSql(),
          listColumnsSql(), // the login's setup: the state table is there
          'USE SCHEMA "ZENDESK_SYNC"',
          listColumnsSql(), // … and so are the full-read bookkeeping tables
          listColumnsSql(),
          findSchemaSql(),
          listColumnsSql(),
        ],
      );
    } finally {
      await other?.close();
    }
  });

  test('a new custom column: exactly one ALTER, for that column only; none once it exists', async () => {
    const schema = await freshSchema(tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1)] }]);
    const widened = withColumns(tickets, { name: 'custom_plan', type: 'text' });
    const other = await openSnowflakeDestination(emulator.settings());
    try {
      const sent = await statementsDuring(async () => {
        await other.ensureTable(schema, widened);
        await other.ensureTable(schema, widened); // already there: no ALTER
        await destination.ensureTable(schema, widened); // nor from another process
      });
      assert.deepEqual(alters(sent), [`ALTER TABLE "${schema.toUpperCase()}"."TICKETS" ADD COLUMN IF NOT EXISTS "CUSTOM_PLAN" VARCHAR`]);
      await other.upsert(schema, [{ table: widened, rows: [ticket(2, { custom_plan: 'pro' })] }]);
      assert.deepEqual(await readRows(destination, schema, widened), [
        { ...ticket(1), custom_plan: null },
        ticket(2, { custom_plan: 'pro' }),
      ]);
    } finally {
      await other.close();
    }
  });

  test('several new columns at once: one ALTER listing just those', async () => {
    const schema = await freshSchema(tickets);
    const widened = withColumns(tickets, { name: 'custom_plan', type: 'text' }, { name: 'custom_seats', type: 'bigint' });
    const sent = await statementsDuring(() => destination.ensureTable(schema, widened));
    assert.deepEqual(alters(sent), [
      `ALTER TABLE "${schema.toUpperCase()}"."TICKETS" ADD COLUMN IF NOT EXISTS "CUSTOM_PLAN" VARCHAR, "CUSTOM_SEATS" NUMBER(38,0)`,
    ]);
  });

  test('the same table twice in one call: later rows win, one MERGE', async () => {
    const schema = await freshSchema(users);
    const sent = await statementsDuring(() =>
      destination.upsert(schema, [
        { table: users, rows: [{ id: 1, name: 'early', active: true }] },
        {
          table: users,
          rows: [
            { id: 1, name: 'late', active: false },
            { id: 2, name: 'two', active: true },
          ],
        },
      ]),
    );
    assert.equal(sent.filter((s) => s.sqlText.startsWith('MERGE')).length, 1);
    assert.deepEqual(await readRows(destination, schema, users), [
      { id: 1, name: 'late', active: false },
      { id: 2, name: 'two', active: true },
    ]);
  });

  test('a 10 MB text value and a 2 MB JSON value: no request above the statement budget, every byte lands', async () => {
    const schema = await freshSchema(tickets);
    const big = 'Zendesk ✓ '.repeat(1_048_576); // 10 Mi characters, 12 MiB of UTF-8, multi-byte included
    const bigJson = { note: '🔥"quoted" \\ '.repeat(100_000), list: Array.from({ length: 50_000 }, (_, i) => i) };
    const rows = [ticket(1), ticket(2, { subject: big }), ticket(3, { via: bigJson, subject: 'x'.repeat(500_000) })];
    const sent = await statementsDuring(() => destination.upsert(schema, [{ table: tickets, rows }]));
    // Snowflake's ~1 MB limit counts statement text and bound values together: each request stays
    // within the destination's budget (DEFAULT_MAX_STATEMENT_BYTES), however large the row.
    const oversize = sent.filter((s) => s.statementBytes > DEFAULT_MAX_STATEMENT_BYTES);
    assert.deepEqual(
      oversize.map((s) => `${s.sqlText.slice(0, 40)}: ${s.statementBytes}`),
      [],
    );
    // One INSERT with the three rows (the big values left empty), then the appends, then the MERGE.
    const shape = sent.map((s) => s.sqlText.split(' ')[0]);
    assert.deepEqual(
      sent.filter((s) => s.sqlText.startsWith('INSERT')).map((s) => s.boundRows),
      [3],
    );
    const appends = sent.filter((s) => s.sqlText.startsWith('UPDATE'));
    assert.ok(appends.length >= 14, `appends: ${appends.length}`);
    assert.ok(shape.indexOf('UPDATE') > shape.indexOf('INSERT') && shape.lastIndexOf('UPDATE') < shape.indexOf('BEGIN'));
    // Read straight from fakesnow by the Python connector: every value whole.
    const [landed] = await readLandedRows(emulator.fakesnow.port, 'zs_test', [{ schema, table: tickets }]);
    assert.equal(landed!.rows.length, 3);
    assert.ok(landed!.rows[1]!.subject === big, 'the 10 MB subject landed byte for byte');
    assert.deepEqual(landed!.rows[2]!.via, bigJson);
    assert.deepEqual(landed!.rows[2]!.subject, 'x'.repeat(500_000));
    assert.deepEqual(landed!.rows[0], ticket(1));
  });

  test('staging INSERTs are sized by bytes, not rows', async () => {
    const schema = uniqueName('src');
    const small = await openSnowflakeDestination(emulator.settings({ maxStatementBytes: 4_000 }));
    try {
      await small.ensureSchema(schema);
      await small.ensureTable(schema, tickets);
      const rows = Array.from({ length: 60 }, (_, i) => ticket(i + 1));
      const sent = await statementsDuring(() => small.upsert(schema, [{ table: tickets, rows }]));
      const inserts = sent.filter((s) => s.sqlText.startsWith('INSERT'));
      assert.ok(inserts.length > 1, `expected several INSERTs, got ${inserts.length}`);
      assert.equal(
        inserts.reduce((n, s) => n + s.boundRows, 0),
        60,
      );
      assert.ok(inserts.every((s) => s.boundRows < 60));
      assert.equal(sent.filter((s) => s.sqlText.startsWith('MERGE')).length, 1);
      assert.equal(await small.countRows(schema, 'tickets'), 60);
    } finally {
      await small.close();
    }
  });

  test('values that expand when escaped: each statement, measured on the wire, within the budget; every value lands', async () => {
    const maxStatementBytes = 6_000;
    const tight = await openSnowflakeDestination(emulator.settings({ maxStatementBytes }));
    try {
      const schema = uniqueName('src');
      await tight.ensureSchema(schema);
      await tight.ensureTable(schema, users);
      // Quotes, backslashes, newlines, tabs and control characters take 2 to 6 bytes in the request's
      // JSON for 1 of text; non-ASCII travels as raw UTF-8. The last row is 3,000 bytes of text but
      // 18,002 bytes as sent, so it has to go in pieces.
      const heavy = '"\\\n\r\t\u0001\u001f\u0007\u007fé✓🔥\u2028';
      const rows = [
        ...Array.from({ length: 24 }, (_, i) => ({ id: i + 1, name: heavy.repeat(5 + i * 3), active: i % 2 === 0 })),
        { id: 25, name: '\u0002'.repeat(3_000), active: true },
      ];
      const sent = await statementsDuring(() => tight.upsert(schema, [{ table: users, rows }]));
      const staging = sent.filter((s) => /^(INSERT|UPDATE)/.test(s.sqlText));
      assert.deepEqual(
        staging.filter((s) => s.statementBytes > maxStatementBytes).map((s) => s.statementBytes),
        [],
      );
      // The plan's sizes are exactly what travelled: users' values bind as their plain text forms.
      const bindRows: BindRow[] = rows.map((r) => [String(r.id), r.name, r.active ? 'TRUE' : 'FALSE']);
      const plan = planStagingLoad(
        users,
        bindRows,
        {
          insertSql: insertStagingSql(users),
          appendSql: (i) => appendStagingSql(users, users.columns[i]!.name),
          appendable: users.columns.map((c) => stagedAsText(c.type)),
        },
        { maxStatementBytes, maxBindValues: DEFAULT_MAX_BIND_VALUES_PER_STATEMENT },
      );
      assert.deepEqual(
        staging.map((s) => s.statementBytes),
        [
          ...plan.inserts.map((chunk) => sentStatementBytes(insertStagingSql(users), chunk)),
          ...plan.appends.map((a) => sentStatementBytes(appendStagingSql(users, 'name'), [a.piece, a.key])),
        ],
      );
      assert.ok(plan.inserts.length > 3 && plan.appends.length >= 3, `${plan.inserts.length} INSERTs, ${plan.appends.length} appends`);
      const [landed] = await readLandedRows(emulator.fakesnow.port, 'zs_test', [{ schema, table: users }]);
      assert.deepEqual(landed!.rows, rows);
    } finally {
      await tight.close();
    }
  });

  test('array binds always travel inline with production settings (the driver never stages them), at the threshold too', async () => {
    // fakesnow asks for stage binding of every array bind (threshold 0 at login); the destination's
    // own arrayBindingThreshold, equal to its bind-value cap per INSERT, overrides it. Here the cap is
    // 18 values, two tickets rows: the INSERTs carry exactly 18, the most the driver keeps inline.
    const capped = await openSnowflakeDestination(emulator.settings({ maxBindValuesPerStatement: tickets.columns.length * 2 }));
    try {
      const schema = uniqueName('src');
      await capped.ensureSchema(schema);
      await capped.ensureTable(schema, tickets);
      const rows = [1, 2, 3, 4, 5].map((id) => ticket(id));
      const sent = await statementsDuring(() => capped.upsert(schema, [{ table: tickets, rows }]));
      assert.deepEqual(
        sent.filter((s) => s.sqlText.startsWith('INSERT')).map((s) => s.boundRows),
        [2, 2, 1],
      );
      assert.deepEqual(await readRows(capped, schema, tickets), rows);
    } finally {
      await capped.close();
    }
    // Nothing this suite sent so far (all with production binding settings) went through a stage.
    const staged = emulator.shim.statements.filter((s) => s.bindStage !== undefined || s.sqlText.includes('SYSTEM$BIND'));
    assert.deepEqual(
      staged.map((s) => s.sqlText.slice(0, 80)),
      [],
    );
  });

  test('a failing MERGE rolls the transaction back: BEGIN, MERGE, MERGE, ROLLBACK', async () => {
    const schema = await freshSchema(tickets, users);
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1)] }]);
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
    // The first MERGE did run inside the transaction; the ROLLBACK undid it (the contract checks the rows).
    assert.deepEqual(
      sent.map((s) => s.sqlText.split(' ')[0]).filter((w) => ['BEGIN', 'MERGE', 'COMMIT', 'ROLLBACK'].includes(w!)),
      ['BEGIN', 'MERGE', 'MERGE', 'ROLLBACK'],
    );
    assert.equal(await destination.countRows(schema, 'tickets'), 1);
  });

  test('a closed destination refuses work', async () => {
    const closing = await openSnowflakeDestination(emulator.settings());
    await closing.close();
    await assert.rejects(closing.countRows(uniqueName('src'), 'tickets'), /closed/);
  });

  test('sync state keys are cleaned the same way on read as on write (NUL, lone surrogates)', async () => {
    const source = `src\u0000${uniqueName('nul')}`;
    await destination.writeState(source, 'cursor:\u0000tickets\uD800', 'v1');
    assert.equal(await destination.readState(source, 'cursor:\u0000tickets\uD800'), 'v1');
    assert.equal(await destination.readState(source, 'cursor:tickets\uFFFD'), 'v1', 'stored under the cleaned key');
  });

  test('countRows takes source schemas only, like the other writers: the metadata schema is refused before any SQL', async () => {
    const sent = await statementsDuring(() =>
      assert.rejects(
        destination.countRows('zendesk_sync', 'state'),
        (err: unknown) => err instanceof InvalidIdentifierError && /reserved/.test(err.message),
      ),
    );
    assert.deepEqual(sent, []);
  });

  test('the worker wiring (WorkerResources.destinationForRun) logs in with a QUERY_TAG naming source and run', async () => {
    const previousPassword = process.env[PASSWORD_ENV];
    process.env[PASSWORD_ENV] = emulator.settings().password;
    const resources = new WorkerResources();
    const loginsBefore = emulator.shim.logins.length;
    try {
      const { destination: forRun, release } = await resources.destinationForRun(emulator.url(), {
        source: 'zendesk_prod',
        run: 'zendesk_prod#3',
      });
      await forRun.readState('zendesk_prod', 'probe');
      await release();
      assert.deepEqual(
        emulator.shim.logins.slice(loginsBefore).map((l) => JSON.parse(l.queryTag!)),
        [{ app: 'zendesk-sync', source: 'zendesk_prod', run: 'zendesk_prod#3' }],
      );
    } finally {
      await resources.close();
      if (previousPassword === undefined) delete process.env[PASSWORD_ENV];
      else process.env[PASSWORD_ENV] = previousPassword;
    }
  });
});
