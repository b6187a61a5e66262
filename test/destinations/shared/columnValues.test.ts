/**
 * The coercion rule every SQL writer applies before binding a value.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson, encoderFor } from '../../../destinations/shared/driverValues';

const sqlite = (type: Parameters<typeof encoderFor>[0]) => encoderFor(type, 'sqlite');
const postgres = (type: Parameters<typeof encoderFor>[0]) => encoderFor(type, 'postgres');

describe('column value encoding', () => {
  test('bigint: integers, numeric strings, truncation, int64 range', () => {
    for (const encode of [sqlite('bigint'), postgres('bigint')]) {
      assert.equal(encode(42), 42);
      assert.equal(encode(' 42 '), 42);
      assert.equal(encode('-7'), -7);
      assert.equal(encode(12.9), 12);
      assert.equal(encode('3.7e2'), 370);
      assert.equal(encode(true), 1);
      assert.equal(encode(''), null);
      assert.equal(encode(null), null);
      assert.equal(encode(undefined), null);
      for (const bad of ['abc', '12abc', NaN, Infinity, '9223372036854775808', {}, [1]]) assert.equal(encode(bad), undefined, String(bad));
    }
    assert.equal(sqlite('bigint')('9007199254740993'), 9007199254740993n);
    assert.equal(sqlite('bigint')('9223372036854775807'), 9223372036854775807n);
    assert.equal(postgres('bigint')('9007199254740993'), '9007199254740993');
    assert.equal(postgres('bigint')(9007199254740993n), '9007199254740993');
    assert.equal(postgres('bigint')('000000000000000012'), 12);
  });

  test('double and boolean', () => {
    const double = sqlite('double');
    assert.equal(double(1.5), 1.5);
    assert.equal(double(' -2.5e3 '), -2500);
    assert.equal(double('1e999'), undefined);
    assert.equal(double('n/a'), undefined);
    assert.equal(double(NaN), undefined);
    assert.equal(double(''), null);
    for (const [input, pg, lite] of [
      [true, true, 1],
      ['false', false, 0],
      [' TRUE ', true, 1],
      [0, false, 0],
      ['1', true, 1],
    ] as const) {
      assert.equal(postgres('boolean')(input), pg);
      assert.equal(sqlite('boolean')(input), lite);
    }
    assert.equal(postgres('boolean')('maybe'), undefined);
    assert.equal(postgres('boolean')(2), undefined);
    assert.equal(postgres('boolean')(''), null);
  });

  test('text: cleaned strings, scalars as text, objects as JSON', () => {
    const text = postgres('text');
    assert.equal(text('a\u0000b\uD800'), 'ab\uFFFD');
    assert.equal(text(12), '12');
    assert.equal(text(false), 'false');
    assert.equal(text({ a: ['x\u0000'] }), '{"a":["x"]}');
    assert.equal(text(new Date(Date.UTC(2024, 0, 2))), '2024-01-02T00:00:00.000Z');
  });

  test('timestamp: canonical UTC kept, other forms normalised to UTC, impossible instants rejected', () => {
    const ts = postgres('timestamp');
    assert.equal(ts('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05Z');
    assert.equal(ts('2024-01-02T03:04:05.123Z'), '2024-01-02T03:04:05.123Z');
    assert.equal(ts('2024-01-02T03:04:05+02:00'), '2024-01-02T01:04:05Z');
    assert.equal(ts('2024-01-02 03:04:05-0130'), '2024-01-02T04:34:05Z');
    assert.equal(ts('2024-01-02T03:04'), '2024-01-02T03:04:00Z'); // no zone: UTC, never local time
    assert.equal(ts('2024-01-02'), '2024-01-02T00:00:00Z');
    assert.equal(ts('0050-06-01T00:00:00+00:00'), '0050-06-01T00:00:00Z');
    assert.equal(ts(1704164645), '2024-01-02T03:04:05Z');
    assert.equal(ts(''), null);
    for (const bad of [
      'yesterday',
      '2024-02-30T00:00:00Z',
      '2023-02-29',
      '2024-01-02T24:00:00Z',
      '0000-01-01',
      '2024-01-02T03:04:05+16:00',
      '1',
      true,
      {},
    ]) {
      assert.equal(ts(bad), undefined, String(bad));
    }
  });

  test('date: YYYY-MM-DD kept, timestamps reduced to their UTC date', () => {
    const date = sqlite('date');
    assert.equal(date('2024-02-29'), '2024-02-29');
    assert.equal(date('2024-03-01T23:30:00-02:00'), '2024-03-02');
    assert.equal(date('2024-02-30'), undefined);
    assert.equal(date('soon'), undefined);
    assert.equal(date(' '), null);
  });

  test('json: any value as cleaned JSON text; unrepresentable values rejected', () => {
    assert.equal(encodeJson(['a', 1, null]), '["a",1,null]');
    assert.equal(encodeJson('plain'), '"plain"');
    assert.equal(encodeJson({ 'k\u0000': ['\uDC00', 'ok\uD83D\uDE00'] }), '{"k":["\uFFFD","ok\uD83D\uDE00"]}');
    assert.equal(encodeJson({ text: 'a backslash-u: \\u0000' }), '{"text":"a backslash-u: \\\\u0000"}');
    assert.equal(encodeJson(null), null);
    assert.equal(encodeJson({ n: 1n }), undefined);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(encodeJson(cycle), undefined);
    assert.equal(
      encodeJson(() => 1),
      undefined,
    );
  });
});
