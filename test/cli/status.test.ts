// `client.ts status`: each enabled collection with its rows, requests and cursor of the last run,
// last success and lag (how far behind Zendesk the warehouse is), warnings under the table; and
// `client.ts list --all` shows one row per source, not one per continued-as-new run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCursor, lagOf, renderStatus } from '../../cli/status';
import { latestRunPerWorkflow } from '../../cli/list';
import type { SourceStatus } from '../../workflows/types';

test('lag reads as people say it', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  assert.equal(lagOf(undefined, now), '');
  assert.equal(lagOf('2026-11-27T11:59:15Z', now), '45s');
  assert.equal(lagOf('2026-11-27T11:56:00Z', now), '4m');
  assert.equal(lagOf('2026-11-27T09:55:00Z', now), '2h 5m');
  assert.equal(lagOf('2026-11-24T11:00:00Z', now), '3d 1h');
});

test('status shows a lag column per collection', () => {
  const syncedThrough = new Date(Date.now() - 3 * 3600_000).toISOString();
  const status = {
    source: 'acme',
    state: 'idle',
    paused: false,
    cycle: 4,
    streams: {},
    backfills: {},
    collections: { tickets: { enabled: true, lastRows: 12, lastSuccessAt: syncedThrough, syncedThrough }, users: { enabled: false } },
  } as unknown as SourceStatus;
  const text = renderStatus(status);
  assert.match(text, /lag/);
  assert.match(text, /tickets\s+12\s+\S+\s+3h 0m/);
  assert.doesNotMatch(text, /users/, 'disabled collections are not listed');
});

test('status shows the cursor and request count per collection, from collections or else from streams', () => {
  const at = '2026-11-27T09:00:00.000Z';
  const status = {
    source: 'acme',
    state: 'idle',
    paused: false,
    cycle: 2,
    backfills: {},
    warnings: ['Zendesk API tokens are legacy: switch this source to OAuth.'],
    streams: {
      // An older worker: cursor and requests only per stream.
      // Cursors as the engines write them (zendesk/pagination/types.ts): a cursor export's after_cursor…
      users: {
        cursor: { seq: 3, value: { cursor: 'MTc2NDIzNDAwMHx1c2Vyc3wxMjM0NTY3ODk=' } },
        lastSuccessAt: at,
        lastRequests: 7,
        warnings: ['Zendesk API tokens are legacy: switch this source to OAuth.'],
      },
      tickets: { cursor: { seq: 9, value: { start_time: 1764234000 } }, lastSuccessAt: at, lastRequests: 99 },
    },
    collections: {
      users: { enabled: true, lastRows: 40, lastSuccessAt: at },
      // A newer worker: the collection's own fields win over the stream's.
      // … or, before Zendesk issued one, its start_time.
      tickets: { enabled: true, lastRows: 120, lastSuccessAt: at, cursor: { seq: 9, value: { start_time: 1764237600 } }, lastRequests: 13 },
      groups: { enabled: true },
    },
  } as unknown as SourceStatus;
  const text = renderStatus(status);
  const header = text.split('\n').find((l) => l.startsWith('collection'))!;
  assert.match(header, /^collection\s+rows last run\s+requests\s+cursor\s+last success\s+lag\s+note$/);
  assert.match(text, /\nusers\s+40\s+7\s+MTc2NDIzNDAwMHx1c2Vyc3w…\s+2026-11-27T09:00:00.000Z/);
  assert.match(text, /\ntickets\s+120\s+13\s+2025-11-27T10:00:00Z\s+2026-11-27T09:00:00.000Z/);
  assert.match(text, /\ngroups\n|\ngroups$/m, 'a collection not yet synced has empty cells');
  const warnings = text.split('\n').filter((l) => l.startsWith('warning: '));
  assert.deepEqual(
    warnings,
    ['warning: Zendesk API tokens are legacy: switch this source to OAuth.'],
    'each warning once, under the table',
  );
  assert.ok(text.indexOf('warning: ') > text.indexOf('\ntickets'), 'warnings come after the table');
});

test('cursors read as times when they are epoch seconds, shortened when opaque', () => {
  assert.equal(formatCursor(undefined), '');
  assert.equal(formatCursor(null), '(full read)');
  // The shapes the pagination engines resume from (zendesk/pagination/types.ts).
  assert.equal(
    formatCursor({ seq: 1, value: { start_time: 1764237600 } }),
    '2025-11-27T10:00:00Z',
    'time export / cursor export before a cursor',
  );
  assert.equal(formatCursor({ seq: 1, value: { start_time: 42 } }), '42', 'a small number is not a time');
  assert.equal(formatCursor({ seq: 1, value: { cursor: 'abc' } }), 'abc', 'cursor export');
  assert.equal(formatCursor({ seq: 1, value: { cursor: 'x'.repeat(40) } }), `${'x'.repeat(23)}…`);
  assert.equal(formatCursor({ seq: 1, value: { after_cursor: 'xyz' } }), 'xyz', 'cursor list');
  assert.equal(formatCursor({ seq: 1, value: { after_cursor: null } }), '(from the start)');
  assert.equal(formatCursor({ seq: 1, value: { next_page: '/api/v2/groups.json?page=3' } }), '/api/v2/groups.json?pag…', 'offset list');
});

test('list --all keeps the latest run of each source unless --runs', () => {
  const run = (workflowId: string, runId: string, start: string) => ({ workflowId, runId, startTime: new Date(start) });
  const runs = [
    run('zendesk-source-acme', 'r3', '2026-11-27T09:00:00Z'),
    run('zendesk-source-acme', 'r1', '2026-11-27T03:00:00Z'),
    run('zendesk-source-beta', 'b1', '2026-11-26T00:00:00Z'),
    run('zendesk-source-acme', 'r2', '2026-11-27T06:00:00Z'),
  ];
  assert.deepEqual(
    latestRunPerWorkflow(runs).map((r) => r.runId),
    ['r3', 'b1'],
  );
});
