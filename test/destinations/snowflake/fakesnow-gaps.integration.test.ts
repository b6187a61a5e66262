/**
 * The fakesnow gaps the harness works around (FAKESNOW_GAPS.md), checked against fakesnow as
 * published (no shim, no in-memory fixes), over plain HTTP the way the Node driver talks to it.
 * Each test asserts the gap is still there: when a fakesnow upgrade fixes one, its test fails and
 * says which workaround to drop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { startFakesnow, type FakesnowServer } from '../../../harness/snowflake/fakesnow-process';

interface QueryAnswer {
  success: boolean;
  message?: string;
  data?: Record<string, any> | null;
}

describe('fakesnow 0.12.1 gaps (unpatched server)', () => {
  let server: FakesnowServer;
  let token: string;
  let loginParameters: Array<{ name: string; value: unknown }>;

  before(async () => {
    server = await startFakesnow({ unpatched: true });
    const login = await post('/session/v1/login-request?databaseName=GAPS', {
      data: { LOGIN_NAME: 'u', PASSWORD: 'p', SESSION_PARAMETERS: {} },
    });
    token = login.data!.token;
    loginParameters = login.data!.parameters;
  });
  after(async () => {
    await server?.stop();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<QueryAnswer & { status: number }> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: QueryAnswer;
    try {
      json = JSON.parse(text) as QueryAnswer;
    } catch {
      json = { success: false, message: text };
    }
    return { status: res.status, ...json };
  }

  const query = (sqlText: string, bindings?: Record<string, { type: string; value: unknown }>) =>
    post('/queries/v1/query-request', { sqlText, ...(bindings ? { bindings } : {}) }, { Authorization: `Snowflake Token="${token}"` });

  async function ok(sqlText: string) {
    const answer = await query(sqlText);
    assert.ok(answer.success, `${sqlText}: ${answer.message}`);
    return answer.data!;
  }

  /** The first column of a one-row SELECT answer (Arrow, decoded here). */
  async function scalar(sqlText: string): Promise<unknown> {
    const data = await ok(sqlText);
    return tableFromIPC(Buffer.from(data.rowsetBase64, 'base64')).getChildAt(0)!.get(0);
  }

  test('login asks for stage binding of every array bind (threshold 0): the destination sets arrayBindingThreshold itself', () => {
    const threshold = loginParameters.find((p) => p.name === 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD');
    assert.equal(threshold?.value, 0, 'fakesnow changed its threshold: update gap 5 of FAKESNOW_GAPS.md');
  });

  test("the driver's stage binding cannot run: its PUT does not parse, and `bindStage` is ignored", async () => {
    await ok('CREATE SCHEMA IF NOT EXISTS "G6"');
    await ok('CREATE TABLE "G6"."T" ("ID" NUMBER(38,0), "V" VARCHAR)');
    await ok(`CREATE OR REPLACE TEMPORARY STAGE SYSTEM$BIND file_format=( type=csv field_optionally_enclosed_by='"')`);
    // The PUT exactly as snowflake-sdk 3.3's bind_uploader.js writes it (no space before the stage).
    const put = await query(`PUT file://1'@SYSTEM$BIND/0f0e' overwrite=true auto_compress=false source_compression=gzip`);
    assert.equal(put.success, false, "fakesnow now parses the Node driver's PUT: stage binding may be testable (gap 13)");
    assert.match(put.message ?? '', /does not start with @/);
    // The statement the driver then sends names the stage instead of carrying bindings.
    const insert = await post(
      '/queries/v1/query-request',
      { sqlText: 'INSERT INTO "G6"."T" ("ID", "V") VALUES (?, ?)', bindStage: '@SYSTEM$BIND/0f0e' },
      { Authorization: `Snowflake Token="${token}"` },
    );
    assert.equal(insert.success, false, 'fakesnow now reads binds from bindStage (gap 13)');
    assert.match(insert.message ?? '', /params=None/);
  });

  test('query answers have no `returned`, and SELECT/DDL answers are Arrow: the shim adds and decodes', async () => {
    const ddl = await ok('CREATE SCHEMA IF NOT EXISTS "G1"');
    const select = await ok('SELECT 1 AS "X"');
    await ok('CREATE TABLE "G1"."T" ("ID" NUMBER(38,0))');
    const insert = await ok('INSERT INTO "G1"."T" VALUES (1)');
    for (const data of [ddl, select, insert]) assert.equal(data.returned, undefined, 'fakesnow now sends `returned`');
    assert.equal(select.queryResultFormat, 'arrow', 'fakesnow now answers SELECT in JSON');
    assert.equal(ddl.queryResultFormat, 'arrow');
    assert.equal(insert.queryResultFormat, 'json');
    assert.deepEqual(insert.rowset, [['1']]);
  });

  test('a NULL timestamp is a valid Arrow struct with null fields', async () => {
    const data = await ok('SELECT NULL::TIMESTAMP_TZ AS "TS"');
    const column = tableFromIPC(Buffer.from(data.rowsetBase64, 'base64')).getChildAt(0)!;
    assert.equal(column.isValid(0), true, 'fakesnow now marks NULL timestamps invalid');
    assert.equal((column.get(0) as { epoch: unknown }).epoch, null);
  });

  test('no /telemetry/send route: the shim answers it', async () => {
    const answer = await post('/telemetry/send', { logs: [] }, { Authorization: `Snowflake Token="${token}"` });
    assert.equal(answer.status, 404, 'fakesnow now serves /telemetry/send');
  });

  test('ALTER SESSION SET QUERY_TAG is not supported: the destination sets queryTag at login', async () => {
    const answer = await query(`ALTER SESSION SET QUERY_TAG = 'x'`);
    assert.equal(answer.success, false, 'fakesnow now supports ALTER SESSION SET QUERY_TAG');
  });

  test('a schema-qualified temporary table fails: staging tables are unqualified, in the current schema', async () => {
    await ok('CREATE SCHEMA IF NOT EXISTS "G2"');
    const answer = await query('CREATE TEMPORARY TABLE "G2"."STAGE" ("ID" NUMBER(38,0))');
    assert.equal(answer.success, false, 'fakesnow now supports schema-qualified temporary tables');
    assert.match(answer.message ?? '', /Schema with name G2 does not exist/);
  });

  test('MERGE inside BEGIN ... COMMIT fails: fakesnow_server.py fixes it in memory', async () => {
    await ok('CREATE SCHEMA IF NOT EXISTS "G3"');
    await ok('CREATE TABLE "G3"."T" ("ID" NUMBER(38,0), "V" VARCHAR)');
    await ok('BEGIN');
    const answer = await query(
      `MERGE INTO "G3"."T" AS "E" USING (SELECT 1 AS "ID", 'v' AS "V") AS "I" ON "E"."ID" = "I"."ID" ` +
        `WHEN MATCHED THEN UPDATE SET "V" = "I"."V" WHEN NOT MATCHED THEN INSERT ("ID", "V") VALUES ("I"."ID", "I"."V")`,
    );
    await ok('ROLLBACK');
    assert.equal(answer.success, false, 'fakesnow now runs MERGE in a transaction: drop fix 1 of fakesnow_server.py');
    // An unhandled DuckDB TransactionException: HTTP 500, the reason only in the server's log.
    assert.equal(answer.status, 500);
    assert.match(server.log(), /single transaction can only write to a single attached database/);
  });

  test('ADD COLUMN IF NOT EXISTS a, b fails when a exists: fakesnow_server.py fixes it in memory', async () => {
    await ok('CREATE SCHEMA IF NOT EXISTS "G4"');
    await ok('CREATE TABLE "G4"."T" ("ID" NUMBER(38,0), "A" VARCHAR)');
    const answer = await query('ALTER TABLE "G4"."T" ADD COLUMN IF NOT EXISTS "B" VARCHAR, "A" VARCHAR');
    assert.equal(answer.success, false, 'fakesnow now keeps IF NOT EXISTS for every column: drop fix 2 of fakesnow_server.py');
  });

  test('TYPEOF(variant) answers JSON, not ARRAY/OBJECT: tests check VARIANT by path access', async () => {
    assert.equal(await scalar(`SELECT TYPEOF(PARSE_JSON('["a", "b"]')) AS "T"`), 'JSON', 'fakesnow now answers TYPEOF like Snowflake');
    assert.equal(await scalar(`SELECT TYPEOF(PARSE_JSON('{"a": 1}')) AS "T"`), 'JSON');
  });

  test('an array bind runs row by row: a failing row leaves the rows before it inserted', async () => {
    // Snowflake runs an array-bound INSERT as one statement, which lands all rows or none. fakesnow
    // executes (and transpiles) it once per row, which is also why staging INSERTs are slow on it.
    await ok('CREATE SCHEMA IF NOT EXISTS "G5"');
    await ok('CREATE TABLE "G5"."T" ("ID" NUMBER(38,0))');
    const answer = await query('INSERT INTO "G5"."T" ("ID") VALUES (?)', { 1: { type: 'TEXT', value: ['1', 'not a number', '3'] } });
    assert.equal(answer.success, false, 'the second row cannot be cast');
    assert.equal(Number(await scalar('SELECT COUNT(*) AS "N" FROM "G5"."T"')), 1, 'fakesnow now runs an array bind as one statement');
  });

  test('quoted lowercase names also answer unquoted (upper-case) references: tests assert the exact DDL instead', async () => {
    // In Snowflake "lowsch"."tickets" and lowsch.tickets (= LOWSCH.TICKETS) are different objects;
    // DuckDB resolves identifiers case-insensitively, so a writer creating lowercase quoted names
    // would still pass a "users query it unquoted" test on fakesnow.
    await ok('CREATE SCHEMA IF NOT EXISTS "lowsch"');
    await ok('CREATE TABLE "lowsch"."tickets" ("id" NUMBER(38,0), "subject" VARCHAR)');
    await ok(`INSERT INTO "lowsch"."tickets" VALUES (7, 'Subject 7')`);
    const answer = await query('SELECT subject FROM lowsch.tickets WHERE id = 7');
    assert.equal(answer.success, true, 'fakesnow now resolves quoted identifiers case-sensitively: the exact-DDL test may be relaxed');
    assert.equal(await scalar('SELECT "SUBJECT" FROM "LOWSCH"."TICKETS"'), 'Subject 7');
  });
});
