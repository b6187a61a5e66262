import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { get, startSmall, walkCursorExport } from './helpers';

async function admin(emulator: Emulator, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulator.baseUrl}/__admin${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('changes between syncs', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 60, users: 20 });
  });
  after(() => emulator.close());

  test('a ticket update with a comment appears in the next incremental pages and in the ground truth', async () => {
    const first = await walkCursorExport(emulator, '/api/v2/incremental/tickets/cursor.json?start_time=0', 'tickets');
    const bookmark = first[first.length - 1].after_cursor;
    const eventsFirst = (await get(emulator, '/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events')).body;
    const target = first[0].tickets.find((t: any) => t.status !== 'deleted');

    const updated = emulator.mutations.updateTicket(target.id, {
      status: 'solved',
      priority: 'urgent',
      comment: { body: 'Fixed it 🎉 — ünïcode', public: true, attachments: 2 },
    });
    assert.equal(updated.generated_timestamp, emulator.now());
    const next = () => get(emulator, `/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(bookmark)}`);
    assert.equal((await next()).body.tickets.length, 0, 'hidden during the last minute');
    // A fresh complete sync now would not see the ticket at all: its only version is in the last minute.
    assert.equal(emulator.groundTruth().tickets!.find((r) => r.id === target.id), undefined);

    emulator.advanceClock(61);
    const page = (await next()).body;
    assert.deepEqual(page.tickets.map((t: any) => t.id), [target.id]);
    assert.equal(page.tickets[0].status, 'solved');
    assert.equal(page.tickets[0].priority, 'urgent');

    const events = (await get(emulator, `/api/v2/incremental/ticket_events.json?start_time=${eventsFirst.end_time}&include=comment_events`)).body;
    const event = events.ticket_events.find((e: any) => e.ticket_id === target.id && e.timestamp === updated.generated_timestamp);
    assert.ok(event, 'the update emitted a ticket event');
    const comment = event.child_events.find((c: any) => c.event_type === 'Comment');
    assert.equal(comment.body, 'Fixed it 🎉 — ünïcode');
    assert.equal(comment.attachments.length, 2);
    const change = event.child_events.find((c: any) => c.event_type === 'Change' && 'status' in c);
    assert.equal(change.status, 'solved');
    assert.equal(change.previous_value, target.status);

    const truth = emulator.groundTruth();
    const row = truth.tickets!.find((r) => r.id === target.id)!;
    assert.equal(row.status, 'solved');
    const commentRow = truth.ticket_comments!.find((r) => r.id === comment.id)!;
    assert.equal(commentRow.ticket_event_id, event.id);
    assert.equal(commentRow.ticket_id, target.id);
    for (const a of comment.attachments) {
      const attachmentRow = truth.attachments!.find((r) => r.id === a.id)!;
      assert.equal(attachmentRow.content_url, a.content_url);
    }
    assert.ok(truth.ticket_events!.some((r) => r.id === event.id));
  });

  test('users, organizations, groups and memberships: create, update, delete', async () => {
    const user = emulator.mutations.createUser({ name: 'Zoë Newcomer', user_fields: { lifetime_orders: '42' } });
    const org = [...emulator.store.organizations.rows.values()].find((o) => o.deleted_at === null)!;
    const group = [...emulator.store.groups.rows.values()].find((g) => !g.deleted)!;
    const membership = emulator.mutations.createGroupMembership({ user_id: user.id, group_id: group.id });
    emulator.mutations.deleteOrganization(org.id);
    emulator.mutations.deleteGroup(group.id);
    emulator.advanceClock(61);
    const truth = emulator.groundTruth();
    const userRow = truth.users!.find((r) => r.id === user.id)!;
    assert.equal(userRow.name, 'Zoë Newcomer');
    assert.equal(userRow.url, String(user.id));
    assert.equal((userRow.custom_fields as any).lifetime_orders, 42, 'integer typed from a string');
    assert.ok(truth.organizations!.find((r) => r.id === org.id)!.deleted_at);
    assert.equal(truth.groups!.find((r) => r.id === group.id)!.deleted, true);
    assert.ok(!truth.group_memberships!.some((r) => r.id === membership.id), 'memberships of a deleted group go');
    const orgs = (await get(emulator, `/api/v2/incremental/organizations.json?start_time=${emulator.now() - 600}`)).body;
    assert.ok(orgs.organizations.some((o: any) => o.id === org.id && o.deleted_at !== null));
    const groups = (await get(emulator, '/api/v2/groups.json?page[size]=100')).body;
    assert.equal(groups.groups.find((g: any) => g.id === group.id).deleted, true);
    emulator.mutations.deleteUser(user.id);
    emulator.advanceClock(61);
    const users = (await get(emulator, `/api/v2/incremental/users/cursor.json?start_time=${emulator.now() - 600}`)).body;
    const gone = users.users.find((u: any) => u.id === user.id);
    assert.equal(gone.active, false);
    assert.equal(gone.email, null);
  });

  test('admin HTTP API: create and delete tickets, advance the clock, read ground truth and the request log', async () => {
    const created = await admin(emulator, 'POST', '/tickets', { subject: 'Made over HTTP', comment: { body: 'hello', attachments: 1 } });
    assert.equal(created.status, 200);
    const ticketId = created.body.ticket.id;
    assert.equal(ticketId, Math.max(...emulator.store.tickets.rows.keys()));
    const deleted = await admin(emulator, 'DELETE', `/tickets/${ticketId}?scrub=true`);
    assert.equal(deleted.body.ticket.status, 'deleted');
    assert.equal(deleted.body.ticket.subject, 'SCRUBBED');
    const before = emulator.now();
    const clock = await admin(emulator, 'POST', '/clock/advance', { seconds: 120 });
    assert.ok(clock.body.now >= before + 120);
    const truth = await admin(emulator, 'GET', '/ground-truth/tickets');
    assert.equal(truth.body.rows.find((r: any) => r.id === ticketId).status, 'deleted');
    assert.equal((await admin(emulator, 'PATCH', '/tickets/999999', { status: 'open' })).status, 404);
    const summary = await admin(emulator, 'GET', '/requests/summary');
    assert.ok(summary.body.countByEndpoint['GET /api/v2/incremental/tickets/cursor'] >= 1);
    const state = await admin(emulator, 'GET', '/state');
    assert.equal(state.body.counts.tickets, emulator.store.tickets.size);
    await admin(emulator, 'DELETE', '/requests');
    assert.equal(emulator.requestLog.size, 0);
  });
});
