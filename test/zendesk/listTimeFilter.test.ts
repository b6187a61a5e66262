// The query parameters of a list's time filter (zendesk/pagination/list.ts), as the catalog declares each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamByName } from '../../catalog/collections';
import { timeFilterParams } from '../../zendesk/pagination/list';

const since = 1_700_000_000; // 2023-11-14T22:13:20Z

test('a whole read sends no filter; each filtered list sends its parameter in its format', () => {
  assert.deepEqual(timeFilterParams(streamByName('satisfaction_ratings'), undefined), []);
  assert.deepEqual(timeFilterParams(streamByName('satisfaction_ratings'), since), [['start_time', String(since)]]);
  assert.deepEqual(timeFilterParams(streamByName('activities'), since), [['since', '2023-11-14T22:13:20Z']]);
  const audit = timeFilterParams(streamByName('audit_logs'), since);
  assert.equal(audit.length, 2, 'a created_at range needs both bounds');
  assert.deepEqual(audit[0], ['filter[created_at][]', '2023-11-14T22:13:20Z']);
  assert.equal(audit[1]![0], 'filter[created_at][]');
  assert.ok(Date.parse(audit[1]![1]) > Date.now(), 'the upper bound lies ahead of now');
});

test('a list without a time filter refuses one rather than reading it whole under a filtered read', () => {
  assert.throws(() => timeFilterParams(streamByName('ticket_skips'), since), /no time filter/);
});
