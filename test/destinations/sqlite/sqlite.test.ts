/**
 * What is specific to the SQLite writer: the file layout users query, storage classes, reopening,
 * and more sources than SQLite can attach at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDestination, SqliteDestination } from '../../../destinations/sqlite/destination';
import { InvalidIdentifierError } from '../../../destinations/shared/identifiers';
import type { WarehouseTable } from '../../../destinations/types';
import { uniqueName } from '../backends';

const tickets: WarehouseTable = {
  name: 'tickets',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'subject', type: 'text' },
    { name: 'score', type: 'double' },
    { name: 'is_public', type: 'boolean' },
    { name: 'tags', type: 'json' },
    { name: 'created_at', type: 'timestamp' },
    { name: 'due_date', type: 'date' },
    { name: 'big_number', type: 'bigint' },
  ],
};

const row = {
  id: 1,
  subject: 'Hello',
  score: 1.5,
  is_public: true,
  tags: ['a', 'b'],
  created_at: '2024-01-02T03:04:05Z',
  due_date: '2024-01-31',
  big_number: '9007199254740993', // 2^53 + 1: exact only as a 64-bit integer
};

describe('sqlite destination', () => {
  let directory: string;
  let destination: SqliteDestination;
  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-sqlite-'));
    destination = await openSqliteDestination(path.join(directory, 'warehouse'));
  });
  after(async () => {
    await destination?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  test('one file per schema plus zendesk_sync.sqlite, readable with plain SQL after ATTACH', async () => {
    const schema = uniqueName('zendesk_prod');
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [row, { ...row, id: 2, is_public: false }] }]);
    await destination.writeState(schema, 'tickets.cursor', 'abc');

    const warehouse = path.join(directory, 'warehouse');
    assert.ok(fs.existsSync(path.join(warehouse, `${schema}.sqlite`)));
    assert.ok(fs.existsSync(path.join(warehouse, 'zendesk_sync.sqlite')));

    // Exactly what a user types: sqlite3 :memory: "ATTACH '<dir>/<schema>.sqlite' AS <schema>; SELECT …"
    const plain = new Database(':memory:');
    try {
      plain.prepare(`ATTACH DATABASE ? AS ${schema}`).run(path.join(warehouse, `${schema}.sqlite`));
      assert.deepEqual(plain.prepare(`SELECT count(*) AS n FROM ${schema}.tickets`).get(), { n: 2 });
      assert.deepEqual(plain.prepare(`SELECT name FROM ${schema}.sqlite_master WHERE type = 'table'`).all(), [{ name: 'tickets' }]);
      assert.equal(plain.pragma(`${schema}.journal_mode`, { simple: true }), 'wal');
      plain.prepare('ATTACH DATABASE ? AS zendesk_sync').run(path.join(warehouse, 'zendesk_sync.sqlite'));
      assert.deepEqual(plain.prepare('SELECT value FROM zendesk_sync.state WHERE source = ?').all(schema), [{ value: 'abc' }]);

      // Storage classes: INTEGER ids and booleans, REAL doubles, TEXT timestamps/dates/JSON, exact int64.
      const stored = plain
        .prepare(
          `SELECT typeof(id) AS id, typeof(score) AS score, typeof(is_public) AS is_public, is_public AS flag,
                  typeof(created_at) AS created_at, typeof(due_date) AS due_date, json_valid(tags) AS tags_valid,
                  json_extract(tags, '$[1]') AS second_tag, typeof(big_number) AS big_type
           FROM ${schema}.tickets WHERE id = 1`,
        )
        .get();
      assert.deepEqual(stored, {
        id: 'integer',
        score: 'real',
        is_public: 'integer',
        flag: 1,
        created_at: 'text',
        due_date: 'text',
        tags_valid: 1,
        second_tag: 'b',
        big_type: 'integer',
      });
      const big = plain.prepare(`SELECT big_number FROM ${schema}.tickets WHERE id = 1`).safeIntegers(true).get() as { big_number: bigint };
      assert.equal(big.big_number, 9007199254740993n);
    } finally {
      plain.close();
    }
  });

  test('a new process finds existing schemas and state without ensureSchema', async () => {
    const schema = uniqueName('src');
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, tickets);
    await destination.upsert(schema, [{ table: tickets, rows: [row] }]);
    await destination.writeState(schema, 'k', 'v');

    const reopened = await openSqliteDestination(path.join(directory, 'warehouse'));
    try {
      assert.equal(await reopened.readState(schema, 'k'), 'v');
      await reopened.upsert(schema, [{ table: tickets, rows: [{ ...row, id: 2 }] }]);
      assert.equal(await reopened.countRows(schema, 'tickets'), 2);
    } finally {
      await reopened.close();
    }
  });

  test('an unknown schema is an error and creates no file', async () => {
    const schema = uniqueName('never_created');
    await assert.rejects(destination.upsert(schema, [{ table: tickets, rows: [row] }]), /does not exist/);
    await assert.rejects(destination.ensureTable(schema, tickets), /does not exist/);
    await assert.rejects(destination.countRows(schema, 'tickets'), /does not exist/);
    assert.equal(fs.existsSync(path.join(directory, 'warehouse', `${schema}.sqlite`)), false);
  });

  test("SQLite's own schema names and the metadata area cannot be sources", async () => {
    for (const name of ['main', 'temp', 'zendesk_sync']) {
      await assert.rejects(destination.ensureSchema(name), InvalidIdentifierError);
    }
  });

  test('more sources than SQLite can attach at once all stay writable', async () => {
    const schemas = Array.from({ length: 12 }, () => uniqueName('many'));
    for (const schema of schemas) {
      await destination.ensureSchema(schema);
      await destination.ensureTable(schema, tickets);
    }
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        schemas.map((schema, i) => destination.upsert(schema, [{ table: tickets, rows: [{ ...row, id: round * 100 + i }] }])),
      );
    }
    for (const [i, schema] of schemas.entries()) {
      assert.equal(await destination.countRows(schema, 'tickets'), 2, schema);
      const ids = await destination.query<{ id: number }>(`SELECT id FROM "${schema}"."tickets" ORDER BY id`, [], [schema]);
      assert.deepEqual(
        ids.map((r) => r.id),
        [i, 100 + i],
      );
    }
  });
});
