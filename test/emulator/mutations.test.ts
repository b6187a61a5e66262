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

    const before = emulator.now();
    const updated = emulator.mutations.updateTicket(target.id, {
      status: 'solved',
      priority: 'urgent',
      comment: { body: 'Fixed it 🎉 — ünïcode', public: true, attachments: 2 },
    });
    // Stamped with the emulated clock (a second may turn between the readings on a busy machine).
    assert.ok(updated.generated_timestamp >= before && updated.generated_timestamp <= emulator.now(), String(updated.generated_timestamp));
    const next = () => get(emulator, `/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(bookmark)}`);
    assert.equal((await next()).body.tickets.length, 0, 'hidden during the last minute');
    // A fresh complete sync now would not see the ticket at all: its only version is in the last minute.
    assert.equal(
      emulator.groundTruth().tickets!.find((r) => r.id === target.id),
      undefined,
    );

    emulator.advanceClock(61);
    const page = (await next()).body;
    assert.deepEqual(
      page.tickets.map((t: any) => t.id),
      [target.id],
    );
    assert.equal(page.tickets[0].status, 'solved');
    assert.equal(page.tickets[0].priority, 'urgent');

    const events = (await get(emulator, `/api/v2/incremental/ticket_events.json?start_time=${eventsFirst.end_time}&include=comment_events`))
      .body;
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

  test('ticket fields over HTTP: every ticket then carries the new field, unset, and the ground truth lists it', async () => {
    const created = await admin(emulator, 'POST', '/ticket_fields', {
      title: 'Warranty Tier',
      type: 'tagger',
      options: ['Basic', 'Extended Plus'],
    });
    assert.equal(created.status, 200);
    const field = created.body.ticket_field;
    assert.equal(field.type, 'tagger');
    assert.deepEqual(
      field.custom_field_options.map((o: any) => o.value),
      ['basic', 'extended_plus'],
    );
    const listed = (await get(emulator, '/api/v2/ticket_fields')).body.ticket_fields;
    assert.ok(listed.some((f: any) => f.id === field.id && f.title === 'Warranty Tier'));
    assert.ok(
      [...emulator.store.tickets.rows.values()].every((t) => t.custom_fields.some((cf) => cf.id === field.id && cf.value === null)),
    );
    assert.ok(emulator.groundTruth().ticket_fields!.some((r) => r.id === field.id && r.slug === 'warranty_tier'));
    assert.equal((await admin(emulator, 'POST', '/ticket_fields', { title: 'No options', type: 'multiselect' })).status, 400);
    assert.equal((await admin(emulator, 'POST', '/ticket_fields', { title: 'System', type: 'status' })).status, 400);
  });

  test('satisfaction ratings: create and update move the rating and its ticket into the next sync', async () => {
    const ticket = [...emulator.store.tickets.rows.values()].find(
      (t) => t.status === 'solved' && ![...emulator.store.satisfactionRatings.rows.values()].some((r) => r.ticket_id === t.id),
    )!;
    const bookmark = emulator.now() - 60;
    const rating = emulator.mutations.createSatisfactionRating({ ticket_id: ticket.id, score: 'offered' });
    assert.equal(rating.requester_id, ticket.requester_id);
    emulator.advanceClock(5);
    const updated = await admin(emulator, 'PATCH', `/satisfaction_ratings/${rating.id}`, {
      score: 'bad',
      comment: 'Too slow',
      reason: 'The issue took too long to resolve',
      reason_id: 5,
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.satisfaction_rating.updated_at > rating.updated_at, true);
    emulator.advanceClock(61);

    const listed = (await get(emulator, '/api/v2/satisfaction_ratings.json?page[size]=100&sort=-updated_at')).body.satisfaction_ratings;
    const row = listed.find((r: any) => r.id === rating.id);
    assert.deepEqual([row.score, row.comment, row.reason, row.reason_id], ['bad', 'Too slow', 'The issue took too long to resolve', 5]);
    const truth = emulator.groundTruth();
    const truthRow = truth.satisfaction_ratings!.find((r) => r.id === rating.id)!;
    assert.deepEqual(
      [truthRow.score, truthRow.comment, truthRow.reason, truthRow.updated_at],
      ['bad', 'Too slow', 'The issue took too long to resolve', row.updated_at],
    );

    const exported = (await get(emulator, `/api/v2/incremental/tickets.json?start_time=${bookmark}`)).body.tickets;
    const rated = exported.find((t: any) => t.id === ticket.id);
    assert.deepEqual(rated.satisfaction_rating, { id: rating.id, score: 'bad', comment: 'Too slow' });
    const events = (await get(emulator, `/api/v2/incremental/ticket_events.json?start_time=${bookmark}`)).body.ticket_events;
    const scores = events
      .filter((e: any) => e.ticket_id === ticket.id)
      .flatMap((e: any) => e.child_events)
      .map((c: any) => c.satisfaction_score);
    assert.deepEqual(scores, ['offered', 'bad']);
    // start_time filters on created_at by default; quirks.satisfactionRatingsTimeFilter can make it updated_at.
    const changedSince = Date.parse(updated.body.satisfaction_rating.updated_at) / 1000;
    const since = async () =>
      (await get(emulator, `/api/v2/satisfaction_ratings.json?start_time=${changedSince}`)).body.satisfaction_ratings.map((r: any) => r.id);
    assert.ok(!(await since()).includes(rating.id), 'created before start_time');
    emulator.setQuirks({ satisfactionRatingsTimeFilter: 'updated_at' });
    try {
      assert.ok((await since()).includes(rating.id), 'updated at start_time');
    } finally {
      emulator.setQuirks({ satisfactionRatingsTimeFilter: 'created_at' });
    }
    assert.equal((await admin(emulator, 'POST', '/satisfaction_ratings', { ticket_id: ticket.id, score: 'great' })).status, 400);
    assert.equal((await admin(emulator, 'PATCH', '/satisfaction_ratings/123', { score: 'good' })).status, 404);
  });

  test('skips and ticket forms: created and updated over HTTP, read back from the lists and the ground truth', async () => {
    const ticket = [...emulator.store.tickets.rows.values()][3]!;
    const skip = await admin(emulator, 'POST', '/skips', {
      ticket_id: ticket.id,
      user_id: emulator.credentials.agent.userId,
      reason: 'Not my area',
    });
    assert.equal(skip.status, 200);
    const skips = (await get(emulator, `/api/v2/tickets/${ticket.id}/skips.json`)).body.skips;
    assert.ok(skips.some((s: any) => s.id === skip.body.skip.id && s.reason === 'Not my area' && s.ticket.id === ticket.id));
    assert.ok(
      emulator.groundTruth().ticket_skips!.some((r) => r.id === skip.body.skip.id && r.user_id === emulator.credentials.agent.userId),
    );
    const endUser = [...emulator.store.users.rows.values()].find((u) => u.role === 'end-user')!;
    assert.equal(
      (await admin(emulator, 'POST', '/skips', { ticket_id: ticket.id, user_id: endUser.id })).status,
      400,
      'end users do not skip',
    );

    const fieldIds = [...emulator.store.ticketFields.rows.values()].slice(0, 3).map((f) => f.id);
    const form = await admin(emulator, 'POST', '/ticket_forms', { name: 'Warranty claim', ticket_field_ids: fieldIds });
    assert.equal(form.status, 200);
    const formId = form.body.ticket_form.id;
    emulator.advanceClock(10);
    const renamed = await admin(emulator, 'PATCH', `/ticket_forms/${formId}`, { name: 'Warranty claims', active: false });
    assert.equal(renamed.body.ticket_form.raw_name, 'Warranty claims');
    const listed = (await get(emulator, '/api/v2/ticket_forms.json')).body.ticket_forms.find((f: any) => f.id === formId);
    assert.deepEqual([listed.name, listed.active, listed.ticket_field_ids], ['Warranty claims', false, fieldIds]);
    const truthRow = emulator.groundTruth().ticket_forms!.find((r) => r.id === formId)!;
    assert.deepEqual([truthRow.name, truthRow.active, truthRow.updated_at], ['Warranty claims', false, listed.updated_at]);
    assert.notEqual(listed.updated_at, listed.created_at);
    const made = emulator.mutations.createTicketForm({ name: 'New default', default: true });
    assert.deepEqual(
      [...emulator.store.ticketForms.rows.values()].filter((f) => f.default).map((f) => f.id),
      [made.id],
      'one default form',
    );
    assert.equal((await admin(emulator, 'POST', '/ticket_forms', { ticket_field_ids: [1] })).status, 404, 'unknown field ids');
  });

  test('a voice comment added through the mutation API appears as a VoiceComment child event and in the ground truth', async () => {
    const ticket = [...emulator.store.tickets.rows.values()].find((t) => t.status === 'open')!;
    const comment = emulator.mutations.addComment(ticket.id, {
      body: 'Customer called about the refund.',
      type: 'VoiceComment',
      author_id: emulator.credentials.agent.userId,
    });
    assert.equal(comment.type, 'VoiceComment');
    assert.equal(comment.public, false);
    emulator.advanceClock(61);
    const events = (await get(emulator, `/api/v2/incremental/ticket_events.json?start_time=${emulator.now() - 120}&include=comment_events`))
      .body.ticket_events;
    const child = events.flatMap((e: any) => e.child_events).find((c: any) => c.id === comment.id);
    assert.equal(child.event_type, 'VoiceComment');
    assert.equal(child.data.transcription_text, 'Customer called about the refund.');
    assert.equal(child.data.answered_by_id, emulator.credentials.agent.userId);
    const row = emulator.groundTruth().ticket_comments!.find((r) => r.id === comment.id)!;
    assert.equal(row.type, 'VoiceComment');
  });
  test('deletions in the lists read in full: gone from every list page and from the ground truth', async () => {
    /** Every id a cursor list serves, following links.next to the end. */
    const listIds = async (path: string, key: string): Promise<number[]> => {
      const ids: number[] = [];
      let next: string | null = `${path}?page[size]=100`;
      while (next) {
        const body: any = (await get(emulator, next)).body;
        ids.push(...body[key].map((r: any) => r.id));
        next = body.meta?.has_more ? body.links.next : null;
      }
      return ids;
    };
    const first = <T>(rows: Map<number, T>): T => rows.values().next().value!;
    const ticket = [...emulator.store.tickets.rows.values()].find((t) => t.status !== 'deleted')!;
    const rating = emulator.mutations.createSatisfactionRating({ ticket_id: ticket.id, score: 'good' });
    const skip = emulator.mutations.createSkip({ ticket_id: ticket.id, user_id: emulator.credentials.agent.userId });
    const field = emulator.mutations.createTicketField({ title: 'Short lived', type: 'text' });
    const form = emulator.mutations.createTicketForm({ name: 'Short lived form', ticket_field_ids: [field.id] });
    const activity = first(emulator.store.activities.rows) as { id: number };
    const group = [...emulator.store.groups.rows.values()].find((g) => !g.deleted)!;
    const user = emulator.mutations.createUser({ role: 'agent' });
    const groupMembership = emulator.mutations.createGroupMembership({ user_id: user.id, group_id: group.id });
    const org = [...emulator.store.organizations.rows.values()].find((o) => o.deleted_at === null)!;
    const orgMembership = emulator.mutations.createOrganizationMembership({ user_id: user.id, organization_id: org.id });
    emulator.advanceClock(61);

    const deletions: Array<[string, number, string, string, string]> = [
      // [admin path, id, list path, list key, ground-truth table]
      ['satisfaction_ratings', rating.id, '/api/v2/satisfaction_ratings.json', 'satisfaction_ratings', 'satisfaction_ratings'],
      ['skips', skip.id, '/api/v2/skips.json', 'skips', 'ticket_skips'],
      ['ticket_forms', form.id, '/api/v2/ticket_forms.json', 'ticket_forms', 'ticket_forms'],
      ['ticket_fields', field.id, '/api/v2/ticket_fields.json', 'ticket_fields', 'ticket_fields'],
      ['activities', activity.id, '/api/v2/activities.json', 'activities', 'activities'],
      ['group_memberships', groupMembership.id, '/api/v2/group_memberships.json', 'group_memberships', 'group_memberships'],
      [
        'organization_memberships',
        orgMembership.id,
        '/api/v2/organization_memberships.json',
        'organization_memberships',
        'organization_memberships',
      ],
    ];
    const before = emulator.groundTruth();
    for (const [, id, path, key, table] of deletions) {
      if (path !== '/api/v2/ticket_forms.json') assert.ok((await listIds(path, key)).includes(id), `${table} ${id} listed before`);
      assert.ok(
        before[table]!.some((r) => r.id === id),
        `${table} ${id} in the ground truth before`,
      );
    }
    for (const [adminPath, id] of deletions) {
      const response = await admin(emulator, 'DELETE', `/${adminPath}/${id}`);
      assert.equal(response.status, 200, `${adminPath} ${id}: ${JSON.stringify(response.body)}`);
      assert.equal((await admin(emulator, 'DELETE', `/${adminPath}/${id}`)).status, 404, `${adminPath} ${id} deleted twice`);
    }
    const after = emulator.groundTruth();
    for (const [, id, path, key, table] of deletions) {
      const listed =
        path === '/api/v2/ticket_forms.json'
          ? (await get(emulator, path)).body.ticket_forms.map((f: any) => f.id)
          : await listIds(path, key);
      assert.ok(!listed.includes(id), `${table} ${id} still listed`);
      assert.ok(!after[table]!.some((r) => r.id === id), `${table} ${id} still in the ground truth`);
    }
    assert.ok(
      ![...emulator.store.tickets.rows.values()].some((t) => t.custom_fields.some((cf) => cf.id === field.id)),
      'tickets no longer carry the deleted field',
    );
    const system = [...emulator.store.ticketFields.rows.values()].find((f) => !f.removable)!;
    assert.equal((await admin(emulator, 'DELETE', `/ticket_fields/${system.id}`)).status, 400, 'system fields stay');
    const defaultForm = [...emulator.store.ticketForms.rows.values()].find((f) => f.default)!;
    assert.equal((await admin(emulator, 'DELETE', `/ticket_forms/${defaultForm.id}`)).status, 400, 'the default form stays');
  });
});
