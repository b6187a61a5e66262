/**
 * Which database errors are retried, and how often.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTransientDatabaseError, withRetry, type RetryNotice } from '../../../destinations/postgres/retry';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('retry of transient database errors', () => {
  test('classifies connection loss, shutdown and conflicts as transient, statement errors as not', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('40001'),
      withCode('40P01'),
      withCode('08006'),
      new Error('Connection terminated unexpectedly'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    ]) {
      assert.equal(isTransientDatabaseError(error), true, error.message);
    }
    for (const error of [
      withCode('42P01', 'relation does not exist'),
      withCode('23505'),
      withCode('22P02'),
      new Error('boom'),
      'text',
      null,
    ]) {
      assert.equal(isTransientDatabaseError(error), false, String(error));
    }
  });

  test('retries transient failures with growing, bounded delays, then succeeds', async () => {
    const notices: RetryNotice[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw withCode('57P01');
        return 'done';
      },
      { attempts: 5, baseDelayMs: 4, maxDelayMs: 10 },
      (n) => notices.push(n),
    );
    assert.equal(result, 'done');
    assert.equal(calls, 4);
    assert.deepEqual(
      notices.map((n) => n.attempt),
      [1, 2, 3],
    );
    for (const [i, n] of notices.entries()) {
      const ceiling = Math.min(10, 4 * 2 ** i);
      assert.ok(n.delayMs >= ceiling / 2 && n.delayMs <= ceiling, `delay ${n.delayMs} within [${ceiling / 2}, ${ceiling}]`);
    }
  });

  test('gives up after the last attempt, and never retries a statement error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw withCode('ECONNREFUSED');
        },
        { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      ),
      { code: 'ECONNREFUSED' },
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw withCode('42P01');
        },
        { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      ),
      { code: '42P01' },
    );
    assert.equal(calls, 1);
  });
});
