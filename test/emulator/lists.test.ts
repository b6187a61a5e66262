import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

describe('list endpoints', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 400, users: 120, canonicalBaseUrl: 'https://acct-canonical.zendesk.example' });
  });
  after(() => emulator.close());

  /** Rewrite a canonical-host link onto the emulator, as a client calling a proxy would. */
  const local = (url: string) => url.replace('https://acct-canonical.zendesk.example', emulator.baseUrl);

  test('cursor paging: has_more stops the walk; links.next is still set on the last page', async () => {
    let url: string | null = '/api/v2/group_memberships.json?page[size]=7';
    const ids: number[] = [];
    let last: any;
    while (url) {
      const { body }: { body: any } = await get(emulator, url);
      ids.push(...body.group_memberships.map((m: any) => m.id));
      last = body;
      url = body.meta.has_more ? local(body.links.next) : null;
    }
    assert.equal(ids.length, emulator.store.groupMemberships.size);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'ordered by id',
    );
    assert.equal(last.meta.has_more, false);
    assert.ok(last.meta.after_cursor);
    assert.match(last.links.next, /^https:\/\/acct-canonical\.zendesk\.example\/api\/v2\/group_memberships\.json\?page%5Bafter%5D=/);
    const cursor = JSON.parse(Buffer.from(last.meta.after_cursor, 'base64').toString());
    assert.equal(cursor.o, 'id');
    // Following links.next after the end gives an empty page, still has_more false.
    const beyond = await get(emulator, local(last.links.next));
    assert.equal(beyond.body.group_memberships.length, 0);
    assert.equal(beyond.body.meta.has_more, false);
  });

  test('page[before] walks backwards; groups are ordered by name', async () => {
    const first = (await get(emulator, '/api/v2/groups.json?page[size]=2')).body;
    const names = first.groups.map((g: any) => g.name);
    assert.deepEqual(names, [...names].sort());
    const second = (await get(emulator, local(first.links.next))).body;
    const back = (await get(emulator, local(second.links.prev))).body;
    assert.deepEqual(
      back.groups.map((g: any) => g.id),
      first.groups.map((g: any) => g.id),
    );
    assert.equal(back.meta.has_more, false);
  });

  test('page[size] validation: above 100 is clamped, non-integers are a 400', async () => {
    const big = (await get(emulator, '/api/v2/organization_memberships.json?page[size]=500')).body;
    assert.equal(big.organization_memberships.length, Math.min(100, emulator.store.organizationMemberships.size));
    const bad = await get(emulator, '/api/v2/satisfaction_ratings.json?page[size]=abc');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.title, 'Invalid attribute');
  });

  test('offset paging: next_page/previous_page/count, and 400 InvalidPaginationDepth past 10,000 records', async () => {
    const p1 = (await get(emulator, '/api/v2/ticket_metrics.json?per_page=100')).body;
    assert.equal(p1.previous_page, null);
    assert.equal(p1.count, [...emulator.store.tickets.rows.values()].filter((t) => t.status !== 'deleted').length);
    assert.equal(p1.next_page, 'https://acct-canonical.zendesk.example/api/v2/ticket_metrics.json?page=2&per_page=100');
    const p2 = (await get(emulator, local(p1.next_page))).body;
    assert.ok(p2.previous_page.endsWith('page=1&per_page=100'));
    assert.equal(new Set([...p1.ticket_metrics, ...p2.ticket_metrics].map((m: any) => m.id)).size, 200);
    const deep = await get(emulator, '/api/v2/tickets.json?page=101&per_page=100');
    assert.equal(deep.status, 400);
    assert.equal(deep.body.errors[0].code, 'InvalidPaginationDepth');
    assert.equal((await get(emulator, '/api/v2/tickets.json?page=1001&per_page=10')).status, 400);
    assert.equal((await get(emulator, '/api/v2/tickets.json?page=100&per_page=100')).status, 200);
  });

  test('canonical host in export next links and record urls', async () => {
    const cursor = (await get(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=5')).body;
    assert.match(cursor.after_url, /^https:\/\/acct-canonical\.zendesk\.example\/api\/v2\/incremental\/tickets\/cursor\.json\?cursor=/);
    assert.match(cursor.tickets[0].url, /^https:\/\/acct-canonical\.zendesk\.example\/api\/v2\/tickets\/\d+\.json$/);
    const time = (await get(emulator, '/api/v2/incremental/users.json?start_time=0&per_page=5')).body;
    assert.match(
      time.next_page,
      /^https:\/\/acct-canonical\.zendesk\.example\/api\/v2\/incremental\/users\.json\?start_time=\d+&per_page=5$/,
    );
  });

  test('ticket_fields and ticket_forms come whole without paging parameters; fields of every type', async () => {
    const { body } = await get(emulator, '/api/v2/ticket_fields');
    assert.equal(body.next_page, null);
    assert.equal(body.ticket_fields.length, emulator.store.ticketFields.size);
    const types = new Set(body.ticket_fields.map((f: any) => f.type));
    for (const t of ['subject', 'status', 'checkbox', 'date', 'decimal', 'integer', 'regexp', 'tagger', 'multiselect', 'text', 'textarea'])
      assert.ok(types.has(t), t);
    const positions = body.ticket_fields.map((f: any) => f.position);
    assert.deepEqual(
      positions,
      [...positions].sort((a: number, b: number) => a - b),
    );
    assert.equal((await get(emulator, '/api/v2/ticket_forms.json')).body.ticket_forms.length, emulator.store.ticketForms.size);
    assert.ok((await get(emulator, '/api/v2/user_fields.json')).body.user_fields.length > 0);
    assert.ok((await get(emulator, '/api/v2/organization_fields.json')).body.organization_fields.length > 0);
  });

  test('user and organization fields have the same types, regexp and multiselect included, with values on records', async () => {
    const userFields = (await get(emulator, '/api/v2/user_fields.json')).body.user_fields;
    const orgFields = (await get(emulator, '/api/v2/organization_fields.json')).body.organization_fields;
    const types = (fields: any[]) => fields.map((f) => f.type).sort();
    assert.deepEqual(types(orgFields), types(userFields));
    const regexp = orgFields.find((f: any) => f.type === 'regexp');
    const multiselect = orgFields.find((f: any) => f.type === 'multiselect');
    assert.ok(regexp.regexp_for_validation);
    assert.ok(multiselect.custom_field_options.length > 1);
    const orgs = (await get(emulator, '/api/v2/incremental/organizations.json?start_time=0')).body.organizations;
    const codes = orgs.map((o: any) => o.organization_fields[regexp.key]).filter((v: unknown) => v !== null);
    assert.ok(
      codes.length > 0 && codes.every((v: string) => new RegExp(regexp.regexp_for_validation).test(v)),
      'values match the field regexp',
    );
    const picks = orgs.map((o: any) => o.organization_fields[multiselect.key]).filter((v: unknown) => v !== null);
    const optionValues = new Set(multiselect.custom_field_options.map((o: any) => o.value));
    assert.ok(
      picks.length > 0 && picks.every((v: unknown) => Array.isArray(v) && v.every((x) => optionValues.has(x))),
      'arrays of option values',
    );
  });

  test('quirks.emptyCursorPage: null cursors and links by default, left out when set to omit', async () => {
    const skipped = new Set([...emulator.store.skips.rows.values()].map((s) => s.ticket_id));
    const ticketId = [...emulator.store.tickets.rows.keys()].find((id) => !skipped.has(id))!;
    const path = `/api/v2/tickets/${ticketId}/skips.json?page[size]=5`;
    const nulls = (await get(emulator, path)).body;
    assert.deepEqual(nulls.skips, []);
    assert.deepEqual(nulls.meta, { has_more: false, after_cursor: null, before_cursor: null });
    assert.deepEqual(nulls.links, { prev: null, next: null });
    emulator.setQuirks({ emptyCursorPage: 'omit' });
    try {
      const omitted = (await get(emulator, path)).body;
      assert.deepEqual(omitted.meta, { has_more: false });
      assert.deepEqual(omitted.links, {});
      const nonEmpty = (await get(emulator, '/api/v2/groups.json?page[size]=2')).body;
      assert.ok(nonEmpty.meta.after_cursor && nonEmpty.links.next, 'pages with records keep their cursors');
    } finally {
      emulator.setQuirks({ emptyCursorPage: 'null' });
    }
  });

  test('activities sideload actors and users; skips embed the ticket; comments and metrics per ticket', async () => {
    const activities = (await get(emulator, '/api/v2/activities.json?page[size]=10')).body;
    assert.ok(activities.actors.length > 0 && activities.users.length > 0);
    assert.equal(typeof activities.activities[0].actor.id, 'number');
    const skips = (await get(emulator, '/api/v2/skips.json')).body;
    assert.ok(skips.skips.every((s: any) => s.ticket && s.ticket.id === s.ticket_id));
    const live = [...emulator.store.tickets.rows.values()].find((t) => t.status !== 'deleted')!;
    const comments = (await get(emulator, `/api/v2/tickets/${live.id}/comments.json`)).body.comments;
    assert.equal(comments.length, emulator.store.commentIdsByTicket.get(live.id)!.length);
    assert.ok(comments[0].html_body.startsWith('<div class="zd-comment"'));
    assert.equal((await get(emulator, `/api/v2/tickets/${live.id}/metrics.json`)).body.ticket_metric.ticket_id, live.id);
    const deleted = [...emulator.store.tickets.rows.values()].find((t) => t.status === 'deleted')!;
    const gone = await get(emulator, `/api/v2/tickets/${deleted.id}/metrics`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { error: 'RecordNotFound', description: 'Not found' });
  });

  test('audit logs: newest first by default, filters by action', async () => {
    const { body } = await get(emulator, '/api/v2/audit_logs.json?page[size]=100&filter[action]=login');
    assert.ok(body.audit_logs.length > 0);
    assert.ok(body.audit_logs.every((l: any) => l.action === 'login'));
    const times = body.audit_logs.map((l: any) => Date.parse(l.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a: number, b: number) => b - a),
    );
  });
});

describe('quirks.listStyle and quirks.listMaxPageSize', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ quirks: { listMaxPageSize: 3 } });
  });
  after(() => emulator.close());

  test("'offset' ignores page[size]/page[after] and answers offset-style; 'cursor' ignores page/per_page", async () => {
    emulator.setQuirks({ listStyle: 'offset' });
    const offset = (await get(emulator, '/api/v2/groups.json?page[size]=100')).body;
    assert.equal(offset.groups.length, 3, 'the lowered maximum is the page size');
    assert.equal(offset.meta, undefined);
    assert.equal(offset.links, undefined);
    assert.equal(offset.count, emulator.store.groups.size);
    assert.match(offset.next_page, /\/api\/v2\/groups\.json\?page=2$/);
    const ignored = (await get(emulator, `/api/v2/groups.json?page[size]=100&page[after]=${encodeURIComponent('eyJvIjoibmFtZSxpZCJ9')}`))
      .body;
    assert.deepEqual(
      ignored.groups.map((g: any) => g.id),
      offset.groups.map((g: any) => g.id),
      'page[after] is ignored: page 1 again',
    );
    // Bare requests to endpoints Zendesk answers whole are paged too.
    const fields = (await get(emulator, '/api/v2/ticket_fields.json')).body;
    assert.equal(fields.ticket_fields.length, 3);
    assert.equal(typeof fields.next_page, 'string');

    emulator.setQuirks({ listStyle: 'cursor' });
    const cursor = (await get(emulator, '/api/v2/ticket_forms.json?page=2&per_page=1')).body;
    assert.equal(cursor.next_page, undefined);
    assert.equal(cursor.meta.has_more, emulator.store.ticketForms.size > 3);
    assert.equal(cursor.ticket_forms.length, Math.min(3, emulator.store.ticketForms.size), 'page and per_page are ignored');

    emulator.setQuirks({ listStyle: { groups: 'offset' } });
    assert.equal(typeof (await get(emulator, '/api/v2/groups.json?page[size]=2')).body.next_page, 'string', 'named endpoint forced');
    assert.equal(typeof (await get(emulator, '/api/v2/skips.json?page[size]=2')).body.meta.has_more, 'boolean', 'others as asked');
    assert.throws(() => emulator.setQuirks({ listStyle: 'swapped' as never }), /listStyle/);
    assert.throws(() => emulator.setQuirks({ listMaxPageSize: 0 }), /listMaxPageSize/);
    emulator.setQuirks({ listStyle: 'as_asked' });
  });
});
