/**
 * The staging-load plan of the Snowflake destination (destinations/snowflake/staging.ts): which rows
 * share an INSERT, and how a row above the statement budget is split into an INSERT plus appends,
 * with every statement measured as the driver sends it (JSON, escapes included).
 * Pure functions: no emulator needed (the end-to-end checks, measured on the wire, are in
 * destination.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendStagingSql, insertStagingSql, stagedAsText } from '../../../destinations/snowflake/sql';
import {
  jsonBytes,
  jsonPieces,
  planStagingLoad,
  requestBindings,
  sentStatementBytes,
  type BindRow,
  type StagingStatements,
} from '../../../destinations/snowflake/staging';
import type { WarehouseTable } from '../../../destinations/types';

const table: WarehouseTable = {
  name: 'tickets',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'subject', type: 'text' },
    { name: 'description', type: 'text' },
    { name: 'via', type: 'json' },
    { name: 'created_at', type: 'timestamp' },
  ],
};
const statements: StagingStatements = {
  insertSql: insertStagingSql(table),
  appendSql: (i) => appendStagingSql(table, table.columns[i]!.name),
  appendable: table.columns.map((c) => stagedAsText(c.type)),
};
const plenty = 1_000_000;

/** Every statement of a plan with its exact size as sent. */
function sentSizes(plan: ReturnType<typeof planStagingLoad>): number[] {
  return [
    ...plan.inserts.map((rows) => sentStatementBytes(statements.insertSql, rows)),
    ...plan.appends.map((a) => sentStatementBytes(statements.appendSql(a.columnIndex), [a.piece, a.key])),
  ];
}

/** Applies a plan the way the staging table would end up: inserted rows, then appends in order. */
function staged(plan: ReturnType<typeof planStagingLoad>): Map<string, BindRow> {
  const byKey = new Map<string, BindRow>();
  for (const insert of plan.inserts) for (const row of insert) byKey.set(row[0]!, [...row]);
  for (const { columnIndex, key, piece } of plan.appends) {
    const row = byKey.get(key)!;
    row[columnIndex] = row[columnIndex]! + piece;
  }
  return byKey;
}

/** Text that grows when JSON-escaped: quotes, backslashes, newlines, tabs, control characters, non-ASCII. */
const escapeHeavy = (n: number) => '"\\\n\t\u0001\u001f\u0007é✓🔥'.repeat(n);

describe('Snowflake staging plan', () => {
  test('the request size is the JSON the driver sends: SQL text and bindings map, escapes included', () => {
    const rows: BindRow[] = [
      ['1', 'a "b"', null, '[]', null],
      ['2', 'c\\d\ne', '', null, '2024-01-01T00:00:00Z'],
    ];
    assert.deepEqual(requestBindings(rows)['2'], { type: 'TEXT', value: ['a "b"', 'c\\d\ne'] });
    assert.deepEqual(requestBindings(['piece', '7']), { 1: { type: 'TEXT', value: 'piece' }, 2: { type: 'TEXT', value: '7' } });
    const sent = JSON.stringify({ sqlText: statements.insertSql, bindings: requestBindings(rows) });
    // The request body minus its envelope `{"sqlText":…,"bindings":…}`.
    assert.equal(sentStatementBytes(statements.insertSql, rows), Buffer.byteLength(sent) - '{"sqlText":,"bindings":}'.length);
    assert.equal(jsonBytes(null), 4);
    assert.equal(jsonBytes('\u0001"'), 2 + 6 + 2);
  });

  test('rows within the budget: INSERTs sized by bytes as sent, no appends', () => {
    const rows: BindRow[] = Array.from({ length: 10 }, (_, i) => [String(i), 's'.repeat(100), null, '[]', '2024-01-01T00:00:00Z']);
    const plan = planStagingLoad(table, rows, statements, { maxStatementBytes: 700, maxBindValues: plenty });
    assert.deepEqual(plan.appends, []);
    assert.ok(plan.inserts.length > 1);
    assert.deepEqual(plan.inserts.flat(), rows);
    for (const size of sentSizes(plan)) assert.ok(size <= 700, `${size} bytes`);
    // Exact, not just safe: one more row would not have fitted in any INSERT but the last.
    for (let i = 0; i + 1 < plan.inserts.length; i++) {
      assert.ok(sentStatementBytes(statements.insertSql, [...plan.inserts[i]!, plan.inserts[i + 1]![0]!]) > 700);
    }
  });

  test('values that expand when escaped: every statement within the budget as sent', () => {
    // Raw UTF-8 is about half of what travels: the old "UTF-8 + 3 per value" estimate would have
    // packed about twice too much into each INSERT.
    const rows: BindRow[] = Array.from({ length: 40 }, (_, i) => [
      String(i),
      escapeHeavy(20),
      escapeHeavy(5),
      JSON.stringify({ q: escapeHeavy(3) }),
      null,
    ]);
    const raw = rows[0]!.reduce((n, v) => n + (v === null ? 0 : Buffer.byteLength(v)), 0);
    assert.ok(rows[0]!.reduce((n, v) => n + jsonBytes(v), 0) > 1.5 * raw);
    const plan = planStagingLoad(table, rows, statements, { maxStatementBytes: 5_000, maxBindValues: plenty });
    assert.deepEqual(plan.appends, []);
    assert.ok(plan.inserts.length > 2);
    for (const size of sentSizes(plan)) assert.ok(size <= 5_000, `${size} bytes`);
    assert.deepEqual(plan.inserts.flat(), rows);
  });

  test('a row within the budget raw but not once escaped goes in pieces, each statement within the budget', () => {
    const subject = '\u0001'.repeat(3_000); // 3,000 bytes raw, 18,002 as JSON
    const row: BindRow = ['7', subject, 'short', null, null];
    const plan = planStagingLoad(table, [row], statements, { maxStatementBytes: 4_000, maxBindValues: plenty });
    assert.deepEqual(plan.inserts, [[['7', '', 'short', null, null]]]);
    assert.ok(plan.appends.length >= 5);
    for (const size of sentSizes(plan)) assert.ok(size <= 4_000, `${size} bytes`);
    assert.deepEqual(staged(plan), new Map([['7', row]]));
  });

  test('a row above the budget: its largest text values are appended in pieces, each request within the budget', () => {
    const subject = 'Zendesk ✓ 🔥 '.repeat(500); // multi-byte, 4-byte characters included
    const via = JSON.stringify({ note: 'n'.repeat(3000) });
    const big: BindRow = ['7', subject, 'short description', via, '2024-01-01T00:00:00Z'];
    const small: BindRow = ['8', 'small', null, null, null];
    const plan = planStagingLoad(table, [big, small], statements, { maxStatementBytes: 1_200, maxBindValues: plenty });

    // Both rows in one INSERT: the big one without its two large values ('' so appends can concatenate).
    assert.deepEqual(plan.inserts, [[['7', '', 'short description', '', '2024-01-01T00:00:00Z'], small]]);
    assert.deepEqual([...new Set(plan.appends.map((a) => a.columnIndex))], [1, 3], 'largest first; the short text stays inline');
    for (const append of plan.appends) {
      assert.equal(append.key, '7');
      assert.ok(!append.piece.includes('\uFFFD'), 'no character cut in half');
    }
    for (const size of sentSizes(plan)) assert.ok(size <= 1_200, `${size} bytes`);
    assert.deepEqual(
      staged(plan),
      new Map([
        ['7', big],
        ['8', small],
      ]),
      'the appends rebuild the row exactly',
    );
  });

  test('only as many values are deferred as needed to fit', () => {
    const row: BindRow = ['1', 'a'.repeat(600), 'b'.repeat(300), null, null];
    const plan = planStagingLoad(table, [row], statements, { maxStatementBytes: 900, maxBindValues: plenty });
    assert.deepEqual(plan.inserts, [[['1', '', 'b'.repeat(300), null, null]]]);
    assert.deepEqual(plan.appends, [{ columnIndex: 1, key: '1', piece: 'a'.repeat(600) }]);
  });

  test('no INSERT carries more bind values than the limit (the driver threshold): exactly at it is allowed', () => {
    const rows: BindRow[] = Array.from({ length: 7 }, (_, i) => [String(i), 's', null, null, null]);
    const plan = planStagingLoad(table, rows, statements, { maxStatementBytes: plenty, maxBindValues: 10 });
    assert.deepEqual(
      plan.inserts.map((c) => c.length),
      [2, 2, 2, 1],
      '5 columns: 2 rows = 10 values each',
    );
    assert.throws(
      () => planStagingLoad(table, rows, statements, { maxStatementBytes: plenty, maxBindValues: 4 }),
      /5 columns, more bind values than one statement may carry \(4\)/,
    );
  });

  test('a row that cannot fit even without its text values is refused with the reason', () => {
    const numbers: WarehouseTable = {
      name: 'wide',
      primaryKey: 'id',
      columns: Array.from({ length: 50 }, (_, i) => ({ name: i === 0 ? 'id' : `n${i}`, type: 'bigint' as const })),
    };
    const row: BindRow = Array.from({ length: 50 }, () => '123456789012345');
    const numberStatements: StagingStatements = {
      insertSql: insertStagingSql(numbers),
      appendSql: () => assert.fail('numbers cannot be appended to'),
      appendable: numbers.columns.map(() => false),
    };
    assert.throws(
      () => planStagingLoad(numbers, [row], numberStatements, { maxStatementBytes: 1_500, maxBindValues: plenty }),
      /wide row is \d+ bytes even without its text values.*maxStatementBytes/,
    );
  });

  test('jsonPieces: each piece within the limit as JSON, cut between characters, concatenating to the original', () => {
    const texts = ['€🔥a'.repeat(1000), escapeHeavy(300), `${'x'.repeat(50)}\u0000\uD800${'"'.repeat(40)}`];
    for (const text of texts) {
      for (const maxBytes of [8, 9, 13, 100, 1001]) {
        const pieces = jsonPieces(text, maxBytes);
        assert.equal(pieces.join(''), text, `maxBytes ${maxBytes}`);
        for (const piece of pieces) {
          assert.ok(jsonBytes(piece) <= maxBytes, `piece of ${jsonBytes(piece)} bytes > ${maxBytes}`);
          assert.ok(!/[\uD800-\uDBFF]$/.test(piece) || text.includes('\uD800'), 'no surrogate pair cut in half');
        }
      }
    }
    assert.deepEqual(jsonPieces('', 10), []);
  });
});
