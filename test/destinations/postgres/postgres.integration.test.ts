/**
 * What is specific to the Postgres writer, against the real server: native types, batches far past
 * the 65,535-parameter limit, overlapping concurrent upserts, and retrying a transaction whose
 * connection the server killed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import { openPostgresDestination, PostgresDestination, upsertSql } from '../../../destinations/postgres/destination';
import type { RetryNotice } from '../../../destinations/postgres/retry';
import type { Row, WarehouseTable } from '../../../destinations/types';
import { PG_URL, uniqueName } from '../backends';
import { CONDITION_WAIT_MS } from '../../../harness/conditionWait';

const allTypes: WarehouseTable = {
  name: 'all_types',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'score', type: 'double' },
    { name: 'flag', type: 'boolean' },
    { name: 'body', type: 'text' },
    { name: 'at', type: 'timestamp' },
    { name: 'day', type: 'date' },
    { name: 'doc', type: 'json' },
  ],
};

/** 30 columns: the id plus 29 of mixed types. */
const wide: WarehouseTable = {
  name: 'wide',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    ...Array.from({ length: 29 }, (_, i) => ({
      name: `c${i}`,
      type: (['text', 'bigint', 'json', 'timestamp', 'boolean', 'double'] as const)[i % 6]!,
    })),
  ],
};

function wideRow(id: number, version: number): Row {
  const row: Row = { id };
  wide.columns.slice(1).forEach((column, i) => {
    switch (column.type) {
      case 'text':
        row[column.name] = `v${version}-${id}-${i}`;
        break;
      case 'bigint':
        row[column.name] = id * 10 + version;
        break;
      case 'json':
        row[column.name] = { version, list: [id, i] };
        break;
      case 'timestamp':
        row[column.name] = new Date(Date.UTC(2024, 0, 1) + id * 1000).toISOString();
        break;
      case 'boolean':
        row[column.name] = (id + version) % 2 === 0;
        break;
      default:
        row[column.name] = id + version / 10;
    }
  });
  return row;
}

describe('postgres destination', () => {
  let destination: PostgresDestination;
  let admin: Knex;
  const schemas: string[] = [];
  async function freshSchema(...tables: WarehouseTable[]): Promise<string> {
    const schema = uniqueName('zpg');
    schemas.push(schema);
    await destination.ensureSchema(schema);
    for (const table of tables) await destination.ensureTable(schema, table);
    return schema;
  }

  before(async () => {
    destination = await openPostgresDestination(PG_URL);
    admin = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 2 } });
  });
  after(async () => {
    for (const schema of schemas) await admin.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await destination?.close();
    await admin?.destroy();
  });

  test("Postgres' reserved schema names cannot be sources", async () => {
    for (const name of ['pg_catalog', 'pg_temp', 'pg_anything', 'information_schema', 'public', 'zendesk_sync']) {
      await assert.rejects(destination.ensureSchema(name), /reserve/);
    }
  });

  test('columns get the native types', async () => {
    const schema = await freshSchema(allTypes);
    const { rows } = await admin.raw(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
      [schema, 'all_types'],
    );
    assert.deepEqual(
      rows.map((r: { column_name: string; data_type: string }) => `${r.column_name} ${r.data_type}`),
      ['id bigint', 'score double precision', 'flag boolean', 'body text', 'at timestamp with time zone', 'day date', 'doc jsonb'],
    );
    const { rows: keys } = await admin.raw(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = to_regclass(?) AND i.indisprimary`,
      [`"${schema}"."all_types"`],
    );
    assert.deepEqual(keys, [{ attname: 'id' }]);
  });

  test('JSON is stored as jsonb documents, and ids beyond 2^53 stay exact', async () => {
    const schema = await freshSchema(allTypes);
    await destination.upsert(schema, [
      {
        table: allTypes,
        rows: [
          { id: '9007199254740993', doc: ['x', { y: [1, 2] }] },
          { id: 2, doc: 'plain string' },
        ],
      },
    ]);
    const { rows } = await admin.raw(
      `SELECT id::text, jsonb_typeof(doc) AS kind, doc #>> '{1,y,1}' AS deep FROM "${schema}".all_types ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { id: '2', kind: 'string', deep: null },
      { id: '9007199254740993', kind: 'array', deep: '2' },
    ]);
  });

  test('a statement never carries more than one parameter per column', () => {
    const sql = upsertSql('s', wide);
    assert.deepEqual(
      sql.match(/\$\d+/g),
      Array.from({ length: 30 }, (_, i) => `$${i + 1}`),
    );
    assert.match(sql, /SELECT \* FROM unnest\(\$1::bigint\[\], \$2::text\[\]/);
    assert.match(sql, /ON CONFLICT \("id"\) DO UPDATE SET "c0" = EXCLUDED\."c0"/);
  });

  test('20,000 rows x 30 columns (600,000 values, 9x the parameter limit) in one call, then updated', async () => {
    const schema = await freshSchema(wide);
    const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);
    const first = await destination.upsert(schema, [{ table: wide, rows: ids.map((id) => wideRow(id, 1)) }]);
    assert.deepEqual(first.rowsByTable, { wide: 20_000 });
    assert.equal(await destination.countRows(schema, 'wide'), 20_000);
    await destination.upsert(schema, [{ table: wide, rows: ids.map((id) => wideRow(id, 2)) }]);
    assert.equal(await destination.countRows(schema, 'wide'), 20_000);
    const { rows } = await admin.raw(
      `SELECT count(*)::int AS updated FROM "${schema}".wide WHERE c0 LIKE 'v2-%' AND (c2->>'version')::int = 2`,
    );
    assert.deepEqual(rows, [{ updated: 20_000 }]);
  });

  test('small chunks give the same result as one statement, in one transaction', async () => {
    const chunked = await openPostgresDestination(PG_URL, { chunkRows: 7 });
    try {
      const schema = await freshSchema(wide);
      const rows = Array.from({ length: 50 }, (_, i) => wideRow(i + 1, 1));
      await chunked.upsert(schema, [{ table: wide, rows }]);
      assert.equal(await destination.countRows(schema, 'wide'), 50);
      // A failure in the last chunk rolls back the earlier chunks too.
      const updated = rows.map((r) => wideRow(r.id as number, 2));
      await assert.rejects(
        chunked.upsert(schema, [
          { table: wide, rows: updated },
          { table: { ...wide, name: 'no_such_table' }, rows: [wideRow(1, 1)] },
        ]),
      );
      const { rows: after } = await admin.raw(`SELECT count(*)::int AS n FROM "${schema}".wide WHERE c0 LIKE 'v2-%'`);
      assert.deepEqual(after, [{ n: 0 }]);
    } finally {
      await chunked.close();
    }
  });

  test('overlapping concurrent upserts to one table all land', async () => {
    const schema = await freshSchema(allTypes);
    const page = (from: number, reverse: boolean) => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({ id: from + i, body: `from ${from}` }));
      return reverse ? rows.reverse() : rows;
    };
    await Promise.all(
      [0, 1000, 1500, 500].map((from, i) => destination.upsert(schema, [{ table: allTypes, rows: page(from, i % 2 === 1) }])),
    );
    assert.equal(await destination.countRows(schema, 'all_types'), 3500);
  });

  test('a transaction whose connection the server terminates is retried whole', async () => {
    const applicationName = uniqueName('zs_retry');
    const notices: RetryNotice[] = [];
    const retrying = await openPostgresDestination(`${PG_URL}?application_name=${applicationName}`, {
      retry: { baseDelayMs: 50 },
      onRetry: (notice) => notices.push(notice),
    });
    const locker = await admin.transaction();
    try {
      const schema = await freshSchema(allTypes);
      await retrying.upsert(schema, [{ table: allTypes, rows: [{ id: 1, body: 'before' }] }]);
      // Hold a lock so the next upsert is certainly mid-transaction when its backend is killed.
      await locker.raw(`LOCK TABLE "${schema}".all_types IN ACCESS EXCLUSIVE MODE`);
      const upsert = retrying.upsert(schema, [
        {
          table: allTypes,
          rows: [
            { id: 1, body: 'after' },
            { id: 2, body: 'new' },
          ],
        },
      ]);
      await waitFor(async () => {
        const { rows } = await admin.raw(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ? AND wait_event_type = 'Lock'",
          [applicationName],
        );
        return rows[0].n === 1;
      });
      await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?', [applicationName]);
      await locker.commit();
      const result = await upsert;
      assert.deepEqual(result.rowsByTable, { all_types: 2 });
      assert.ok(notices.length >= 1, 'the upsert was retried');
      // knex reports either the server's 57P01 or the failed ROLLBACK on the dead socket.
      const first = notices[0]!.error as { code?: string; message: string };
      assert.match(`${first.code} ${first.message}`, /57P01|Connection terminated/);
      const { rows } = await admin.raw(`SELECT id::int, body FROM "${schema}".all_types ORDER BY id`);
      assert.deepEqual(rows, [
        { id: 1, body: 'after' },
        { id: 2, body: 'new' },
      ]);
    } finally {
      if (!locker.isCompleted()) await locker.rollback();
      await retrying.close();
    }
  });

  test('a statement error is not retried', async () => {
    const notices: RetryNotice[] = [];
    const watched = await openPostgresDestination(PG_URL, { onRetry: (n) => notices.push(n) });
    try {
      const schema = await freshSchema();
      await assert.rejects(watched.upsert(schema, [{ table: allTypes, rows: [{ id: 1 }] }]), /does not exist/);
      assert.equal(notices.length, 0);
    } finally {
      await watched.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = CONDITION_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
