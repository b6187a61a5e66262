import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptivePageSize } from '../../zendesk/pagination/pageSize';
import { withDefaultQuery, withQuery } from '../../zendesk/pagination/query';
import { dedupeAgainstPrevious } from '../../zendesk/pagination/timeExport';
import { initialStartTime } from '../../zendesk';
import { streams } from '../../catalog/collections';

describe('query building', () => {
  it('keeps opaque cursor bytes from next links untouched and replaces only named params', () => {
    const link = '/api/v2/groups.json?page%5Bafter%5D=ab+c%2Fd%3D%3D&page%5Bsize%5D=100';
    assert.equal(withQuery(link, [['page[size]', '50']]), '/api/v2/groups.json?page%5Bafter%5D=ab+c%2Fd%3D%3D&page%5Bsize%5D=50');
  });
  it('encodes new values, including + and = in cursors', () => {
    assert.equal(withQuery('/x.json', [['cursor', 'a+b/c=='], ['per_page', '1000']]), '/x.json?cursor=a%2Bb%2Fc%3D%3D&per_page=1000');
  });
  it('adds defaults only when missing', () => {
    assert.equal(withDefaultQuery('/x.json?exclude_deleted=false', [['exclude_deleted', 'true'], ['include', 'users']]), '/x.json?exclude_deleted=false&include=users');
  });
});

describe('adaptive page size', () => {
  it('halves on 504 down to the floor and grows back to the size asked for', () => {
    const size = new AdaptivePageSize(1000, 100);
    for (let i = 0; i < 5; i++) size.onRetry({ attempt: i + 1, status: 504, kind: 'server' });
    assert.equal(size.current, 100);
    size.onRetry({ attempt: 6, status: 500, kind: 'server' });
    assert.equal(size.current, 100, 'only 504 shrinks');
    for (let i = 0; i < 12; i++) size.recordSuccess();
    assert.equal(size.current, 1000);
    const small = new AdaptivePageSize(1000, 100, 5);
    for (let i = 0; i < 6; i++) small.recordSuccess();
    assert.equal(small.current, 5, 'never grows past the size asked for');
  });
});

describe('time-export dedupe', () => {
  it('drops same-or-older copies from the previous page, keeps newer ones, and collapses in-page repeats to the newest', () => {
    const previous = new Map([
      ['1', Date.parse('2024-01-01T00:00:05Z')],
      ['2', Date.parse('2024-01-01T00:00:05Z')],
    ]);
    const { records, seen } = dedupeAgainstPrevious(
      [
        { id: 1, updated_at: '2024-01-01T00:00:05Z' },
        { id: 2, updated_at: '2024-01-01T00:00:09Z' },
        { id: 3, updated_at: '2024-01-01T00:00:06Z', v: 'old' },
        { id: 3, updated_at: '2024-01-01T00:00:07Z', v: 'new' },
        { no_id: true },
      ],
      previous,
      'updated_at',
    );
    assert.deepEqual(records, [
      { id: 2, updated_at: '2024-01-01T00:00:09Z' },
      { id: 3, updated_at: '2024-01-01T00:00:07Z', v: 'new' },
      { no_id: true },
    ]);
    assert.deepEqual([...seen.keys()], ['1', '2', '3']);
  });
});

describe('initial start time', () => {
  it('is 0 for whole-history streams and now minus the lookback otherwise', () => {
    const users = streams.find((s) => s.name === 'users')!;
    const tickets = streams.find((s) => s.name === 'tickets')!;
    assert.equal(initialStartTime(users, Date.UTC(2025, 0, 1)), 0);
    assert.equal(initialStartTime(tickets, Date.UTC(2025, 0, 1)), Date.UTC(2024, 0, 2) / 1000);
  });
});
