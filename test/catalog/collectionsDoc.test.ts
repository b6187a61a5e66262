import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { collections, streams } from '../../catalog/collections';
import { COLLECTIONS_DOC_PATH, renderCollectionsDoc } from '../../catalog/collectionsDoc';
import { describeCollections, minimumRequests, offeredByText } from '../../catalog/describe';
import { program } from '../../client';

test('docs/collections.md is what the catalog generates (run `npm run docs:collections` after changing catalog/)', () => {
  const onDisk = readFileSync(path.join(__dirname, '..', '..', COLLECTIONS_DOC_PATH), 'utf8');
  assert.equal(onDisk, renderCollectionsDoc(), `${COLLECTIONS_DOC_PATH} is out of date with the catalog: run npm run docs:collections`);
  for (const c of collections) assert.ok(onDisk.includes(`| \`${c.name}\` |`), `${c.name} has a row`);
});

test('every collection is described from its catalog entry: endpoint, pagination, plan, cost', () => {
  const rows = describeCollections();
  assert.deepEqual(
    rows.map((r) => r.name),
    collections.map((c) => c.name),
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  // Tables fed by another table's requests cost nothing of their own.
  assert.equal(byName.get('ticket_metrics')!.ridesOn, 'tickets');
  assert.equal(byName.get('ticket_metrics')!.endpoint, '/api/v2/incremental/tickets/cursor.json?include=metric_sets');
  assert.match(byName.get('ticket_metrics')!.costPerCycle, /^0: rides on tickets/);
  assert.equal(byName.get('attachments')!.ridesOn, 'ticket_events');
  assert.equal(byName.get('tickets')!.ridesOn, null);
  assert.match(byName.get('tickets')!.costPerCycle, /⌈changed \/ 1000⌉, min 1/);
  assert.equal(byName.get('tickets')!.unchangedCycle, '1');
  assert.match(byName.get('groups')!.costPerCycle, /⌈records \/ 100⌉, min 1, every cycle/);
  // Plan gating comes from the stream's data.
  assert.equal(byName.get('audit_logs')!.requires, 'Enterprise');
  for (const r of rows) {
    const stream = streams.find((s) => s.name === r.stream)!;
    assert.equal(r.requires, stream.requires ?? null);
    if (stream.skipWhenForbidden) assert.ok(r.skipWhenForbidden);
  }
  assert.equal(offeredByText(byName.get('tickets')!), 'Fivetran (ticket), Airbyte, Databricks');
  assert.equal(offeredByText({ name: 'x', offeredBy: null }), '?');
  assert.equal(offeredByText({ name: 'x', offeredBy: {} }), 'none');
});

test('client.ts collections --json prints the same rows', async () => {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  try {
    await program.parseAsync(['node', 'client.ts', 'collections', '--json']);
  } finally {
    console.log = original;
  }
  assert.deepEqual(JSON.parse(printed.join('\n')), JSON.parse(JSON.stringify(describeCollections())));
});

test('a stream read once per parent is described and costed per parent', () => {
  const stream = {
    name: 'article_comments',
    style: 'cursor_list',
    path: '/api/v2/help_center/articles/{parent_id}/comments.json',
    recordsKey: 'comments',
    bucket: 'core',
    fullRefresh: true,
    skipWhenForbidden: true,
    perParent: { stream: 'articles', maxParents: 5000 },
  } as unknown as (typeof streams)[number];
  const collection = {
    ...collections[0]!,
    name: 'article_comments',
    stream: 'article_comments',
    customFields: undefined,
    enabledByDefault: false,
  };
  const [row] = describeCollections([collection], [stream]);
  assert.match(row!.pagination, /once per articles record \(at most 5000\)/);
  assert.match(row!.costPerCycle, /^per articles record: ⌈its records \/ 100⌉, min 1, every cycle/);
  // The parents' ids first (one page of a stream the catalog does not know: 100 per page), then a list per parent.
  assert.equal(minimumRequests(stream, collection, 250, 'initial', 40), 1 + 40, 'one list per parent at least');
  assert.equal(minimumRequests(stream, collection, 25_000, 'unchanged', 40), 1 + 250, 'and full pages');
  assert.equal(minimumRequests(stream, collection, 0, 'initial', 0), 1, 'no parents: the parents read alone');
});

test('every collection says which anchor connectors offer it (an empty list when none does)', () => {
  const unknown = collections.filter((c) => !c.offeredBy).map((c) => c.name);
  assert.deepEqual(unknown, [], 'set offeredBy on the entry, or in catalog/offeredBy.ts for the opt-in groups');
});
