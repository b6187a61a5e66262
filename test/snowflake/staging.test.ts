/**
 * The staging-load plan of the Snowflake destination (destinations/snowflakeStaging.ts): which rows
 * share an INSERT, and how a row above the statement budget is split into an INSERT plus appends.
 * Pure functions: no emulator needed (the end-to-end check is in destination.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stagedAsText } from '../../destinations/snowflakeSql';
import { bindBytes, planStagingLoad, utf8Pieces, type BindRow } from '../../destinations/snowflakeStaging';
import type { WarehouseTable } from '../../destinations/types';

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
const appendable = table.columns.map((c) => stagedAsText(c.type));
const rowBytes = (row: BindRow) => row.reduce((n, v) => n + bindBytes(v), 0);

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

describe('Snowflake staging plan', () => {
  test('rows within the budget: INSERTs sized by bytes, no appends', () => {
    const rows: BindRow[] = Array.from({ length: 10 }, (_, i) => [String(i), 's'.repeat(100), null, '[]', '2024-01-01T00:00:00Z']);
    const plan = planStagingLoad(table, rows, { insertBudget: 400, appendBudget: 400, appendable });
    assert.deepEqual(plan.appends, []);
    assert.ok(plan.inserts.length > 1);
    assert.deepEqual(plan.inserts.flat(), rows);
    for (const insert of plan.inserts) assert.ok(insert.reduce((n, r) => n + rowBytes(r), 0) <= 400);
  });

  test('a row above the budget: its largest text values are appended in pieces, each request within the budget', () => {
    const subject = 'Zendesk ✓ 🔥 '.repeat(500); // multi-byte, 4-byte characters included
    const via = JSON.stringify({ note: 'n'.repeat(3000) });
    const big: BindRow = ['7', subject, 'short description', via, '2024-01-01T00:00:00Z'];
    const small: BindRow = ['8', 'small', null, null, null];
    const plan = planStagingLoad(table, [big, small], { insertBudget: 1000, appendBudget: 900, appendable });

    // Both rows in one INSERT: the big one without its two large values ('' so appends can concatenate).
    assert.deepEqual(plan.inserts, [[['7', '', 'short description', '', '2024-01-01T00:00:00Z'], small]]);
    assert.deepEqual([...new Set(plan.appends.map((a) => a.columnIndex))], [1, 3], 'largest first; the short text stays inline');
    for (const append of plan.appends) {
      assert.equal(append.key, '7');
      assert.ok(bindBytes(append.piece) + bindBytes(append.key) <= 900, `append of ${bindBytes(append.piece)} bytes`);
      assert.ok(!append.piece.includes('\uFFFD'), 'no character cut in half');
    }
    assert.deepEqual(staged(plan), new Map([['7', big], ['8', small]]), 'the appends rebuild the row exactly');
  });

  test('only as many values are deferred as needed to fit', () => {
    const row: BindRow = ['1', 'a'.repeat(600), 'b'.repeat(300), null, null];
    const plan = planStagingLoad(table, [row], { insertBudget: 700, appendBudget: 700, appendable });
    assert.deepEqual(plan.inserts, [[['1', '', 'b'.repeat(300), null, null]]]);
    assert.deepEqual(plan.appends, [{ columnIndex: 1, key: '1', piece: 'a'.repeat(600) }]);
  });

  test('a row that cannot fit even without its text values is refused with the reason', () => {
    const numbers: WarehouseTable = { name: 'wide', primaryKey: 'id', columns: Array.from({ length: 50 }, (_, i) => ({ name: i === 0 ? 'id' : `n${i}`, type: 'bigint' as const })) };
    const row: BindRow = Array.from({ length: 50 }, () => '123456789012345');
    assert.throws(
      () => planStagingLoad(numbers, [row], { insertBudget: 200, appendBudget: 200, appendable: numbers.columns.map(() => false) }),
      /wide row is \d+ bytes even without its text values.*maxStatementBytes/,
    );
  });

  test('utf8Pieces cuts between characters and the pieces concatenate to the original', () => {
    const text = '€🔥a'.repeat(1000);
    for (const maxBytes of [4, 5, 7, 100, 1001]) {
      const pieces = utf8Pieces(text, maxBytes);
      assert.equal(pieces.join(''), text, `maxBytes ${maxBytes}`);
      for (const piece of pieces) {
        assert.ok(Buffer.byteLength(piece) <= maxBytes, `piece of ${Buffer.byteLength(piece)} bytes > ${maxBytes}`);
        assert.ok(!piece.includes('\uFFFD'));
      }
    }
    assert.deepEqual(utf8Pieces('', 10), []);
  });
});
