// `client.ts status`: each enabled collection with its rows, last success and lag (how far behind
// Zendesk the warehouse is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lagOf, renderStatus } from '../../client';
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
    source: 'acme', state: 'idle', paused: false, cycle: 4, streams: {}, backfills: {},
    collections: { tickets: { enabled: true, lastRows: 12, lastSuccessAt: syncedThrough, syncedThrough }, users: { enabled: false } },
  } as unknown as SourceStatus;
  const text = renderStatus(status);
  assert.match(text, /lag/);
  assert.match(text, /tickets\s+12\s+\S+\s+3h 0m/);
  assert.doesNotMatch(text, /users/, 'disabled collections are not listed');
});
