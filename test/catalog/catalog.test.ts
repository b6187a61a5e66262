// The catalog must describe exactly Segment's tables and columns (shared/spec/collections.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { collections, streams } from '../../catalog/collections';
import { optionalCollections } from '../../catalog/optional';
import { versionColumnOf } from '../../sync/mapper';

interface SpecCollection {
  name: string;
  columns: string[];
  default_enabled: boolean;
  lookback_default_days?: number;
  full_sync_each_run?: boolean;
}
// A copy of shared/spec/collections.json travels with the code; when the shared spec sits beside the
// clone (as in CI) the copy must still equal it.
const vendoredSpec = path.resolve(__dirname, '../../catalog/spec/segment-collections.json');
const sharedSpec = path.resolve(__dirname, '../../../shared/spec/collections.json');

// Columns we add beyond Segment's list, each for a stated reason (README, "Warehouse schema").
const DOCUMENTED_ADDITIONS: Record<string, string[]> = { organizations: ['deleted_at'] };

test(
  'the vendored spec equals the shared spec when it is present',
  { skip: !existsSync(sharedSpec) && 'no shared/ beside the clone' },
  () => {
    assert.deepEqual(JSON.parse(readFileSync(vendoredSpec, 'utf8')), JSON.parse(readFileSync(sharedSpec, 'utf8')));
  },
);

test('every spec collection has a table with exactly the spec columns', () => {
  const spec = JSON.parse(readFileSync(vendoredSpec, 'utf8')).collections as SpecCollection[];
  // Segment's collections exactly, plus the opt-in groups beyond them (catalog/optional/), all off by default.
  const optional = new Set(optionalCollections.map((c) => c.name));
  assert.deepEqual(
    collections
      .filter((c) => !optional.has(c.name))
      .map((c) => c.name)
      .sort(),
    spec.map((c) => c.name).sort(),
  );
  for (const c of optionalCollections) {
    assert.equal(c.enabledByDefault, false, `${c.name}: an opt-in collection is off by default`);
    assert.ok(!spec.some((s) => s.name === c.name), `${c.name}: not one of Segment's`);
  }
  for (const s of spec) {
    const entry = collections.find((c) => c.name === s.name)!;
    const expected = [...s.columns, ...(DOCUMENTED_ADDITIONS[s.name] ?? [])];
    if (s.columns.length === 0) {
      assert.ok(entry.columns.length > 5, `${s.name}: columns come from Zendesk's object`);
      continue;
    }
    assert.deepEqual(
      entry.columns.map((c) => c.name),
      expected,
      `${s.name} columns`,
    );
    assert.equal(entry.enabledByDefault, s.default_enabled, `${s.name} default`);
  }
});

test('catalog entries are internally consistent', () => {
  for (const c of collections) {
    assert.ok(
      streams.some((s) => s.name === c.stream),
      `${c.name}: stream ${c.stream} exists`,
    );
    assert.ok(
      c.columns.some((col) => col.name === c.primaryKey),
      `${c.name}: primary key is a column`,
    );
    assert.equal(new Set(c.columns.map((col) => col.name)).size, c.columns.length, `${c.name}: no duplicate column`);
  }
  for (const s of streams) {
    assert.ok(
      collections.some((c) => c.stream === s.name),
      `stream ${s.name} feeds a table`,
    );
    for (const inc of s.includes ?? []) {
      for (const t of inc.forTables) assert.ok(collections.some((c) => c.name === t && c.stream === s.name));
    }
  }
  const lookback = Object.fromEntries(streams.map((s) => [s.name, s.initialLookbackDays]));
  assert.equal(lookback.tickets, 365);
  assert.equal(lookback.ticket_events, 365);
  for (const name of ['ticket_forms', 'ticket_skips', 'organization_memberships', 'group_memberships']) {
    assert.equal(streams.find((s) => s.name === name)!.fullRefresh, true, `${name} is read in full each run`);
  }
});

test('every versioned collection orders its rows by a timestamp column; only full reads keep unlisted rows on request', () => {
  for (const c of collections) {
    const version = versionColumnOf(c);
    if (c.freshness === undefined) {
      assert.equal(version, undefined, `${c.name}: no freshness, no version column`);
      continue;
    }
    const column = c.columns.find((col) => col.name === version);
    assert.ok(column, `${c.name}: version column ${version} is a warehouse column`);
    assert.equal(column.type, 'timestamp', `${c.name}: version column ${version} is a timestamp`);
  }
  // tickets: the export's generated_timestamp is not stored; updated_at versions the rows.
  assert.equal(versionColumnOf(collections.find((c) => c.name === 'tickets')!), 'updated_at');
  for (const s of streams) {
    if (s.keepUnlisted) assert.equal(s.fullRefresh, true, `${s.name}: keepUnlisted applies to lists read in full`);
  }
  assert.deepEqual(
    streams
      .filter((s) => s.keepUnlisted)
      .map((s) => s.name)
      .sort(),
    ['audit_logs', 'ticket_audits'],
  );
});
