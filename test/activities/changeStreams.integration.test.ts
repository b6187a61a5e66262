// The opt-in change streams and history tables (ticket_field_history, ticket_tag_history,
// ticket_tags, ticket_metric_events, user_identities, ticket_audits, suspended_tickets,
// deleted_tickets, deleted_users), synced
// against the emulator with every collection enabled and compared with the emulator's ground truth,
// then again after a second cycle that removes a tag, changes fields, deletes a ticket and a user and
// drops a user's phone: rows derived from a record are replaced when it changes.
// The same in Snowflake: secondCycleEveryDestination.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { collections } from '../../catalog/collections';
import { saveCredential } from '../../credentials/store';
import { runSyncStream } from '../../activities/syncStream';
import type { SourceConfig } from '../../workflows/types';
import type { Emulator } from '../../emulator';
import { removeSuspended, suspendMessage, suspendedTicketsOf } from '../../emulator/suspendedTickets';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { readTable } from '../../harness/warehouseReader';
import { startSyncHarness, type SyncHarness } from '../support/syncHarness';

const CHANGE_TABLES = [
  'ticket_field_history',
  'ticket_tag_history',
  'ticket_tags',
  'ticket_metric_events',
  'user_identities',
  'ticket_audits',
  'suspended_tickets',
  'deleted_tickets',
  'deleted_users',
];
const allTables = collections.map((c) => c.name);

let harness: SyncHarness;
let emulator: Emulator;

const configFor = (kind: 'sqlite' | 'postgres'): Promise<SourceConfig> => harness.sourceFor(kind, 'changes', allTables);

/** One cycle; every stream must be read (none skipped). Requests per stream. */
async function syncAll(config: SourceConfig): Promise<Record<string, number>> {
  const requests: Record<string, number> = {};
  for (const [stream, { result }] of Object.entries(await harness.cycle(config))) {
    assert.equal(result.skipped, undefined, `${stream} not skipped`);
    requests[stream] = result.requests;
  }
  return requests;
}

async function rows(config: SourceConfig, table: string, columns: Record<string, 'bigint' | 'text' | 'json' | 'timestamp'>) {
  return readTable(config.destination, config.name, table, columns);
}

before(async () => {
  harness = await startSyncHarness({ emulator: SMALL_ACCOUNT });
  emulator = harness.emulator;
  emulator.advanceClock(61);
});

after(async () => {
  await harness?.close();
});

test('the catalog feeds the history tables and identities from streams already read: no stream of their own', () => {
  const streamsOf = (names: string[]) => new Set(collections.filter((c) => names.includes(c.name)).map((c) => c.stream));
  assert.deepEqual([...streamsOf(['ticket_field_history', 'ticket_tag_history'])], ['ticket_events']);
  assert.deepEqual([...streamsOf(['ticket_tags'])], ['tickets']);
  assert.deepEqual([...streamsOf(['user_identities'])], ['users']);
  for (const name of CHANGE_TABLES) assert.equal(collections.find((c) => c.name === name)!.enabledByDefault, false, `${name} is opt-in`);
});

test('an agent (not an admin) syncing ticket_audits: the stream is skipped with a warning, the source does not fail', async () => {
  const agentRef = `file:${path.join(harness.tmp, 'agent.json')}`;
  await saveCredential(agentRef, {
    type: 'api_token',
    email: emulator.credentials.agent.email,
    token: emulator.credentials.agent.apiToken,
  });
  const config = { ...(await configFor('sqlite')), credentialRef: agentRef, collections: { ticket_audits: true } };
  const result = await runSyncStream(
    { config, stream: 'ticket_audits', cursor: null, mode: 'incremental', runTag: 'test' },
    {
      destination: await harness.resources.destination(config.destination),
      session: await harness.resources.session(config),
      heartbeat: () => {},
      signal: new AbortController().signal,
      log: () => {},
    },
  );
  assert.match(result.skipped ?? '', /access|Forbidden/i);
  assert.ok(result.warnings.some((w) => w.startsWith('ticket_audits skipped')));
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`change streams and history tables (${kind})`, () => {
    test('first sync, then a cycle after changes and deletions: every table equals the ground truth', async () => {
      const m = emulator.mutations;
      const config = await configFor(kind);
      const firstSyncAfterMs = Date.now(); // the lookback counts from the first sync
      await syncAll(config);
      const truth = expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, allTables);
      // This account makes no tag changes of its own (the cycle below does).
      for (const table of CHANGE_TABLES.filter((t) => t !== 'ticket_tag_history'))
        assert.ok((truth[table] ?? []).length > 0, `${table}: the ground truth has rows to compare`);
      await assertWarehouseMatches(config.destination, config.name, truth);

      // Changes: a ticket loses one of its tags and changes status; another is deleted; a user is
      // deleted; another loses its phone (an identity goes).
      const tickets = [...emulator.store.tickets.rows.values()].filter((t) => t.status !== 'deleted' && t.status !== 'closed');
      const tagged = tickets.find((t) => t.tags.length >= 2)!;
      assert.ok(tagged, 'a ticket with two tags');
      const removedTag = tagged.tags[0]!;
      m.updateTicket(tagged.id, { tags: tagged.tags.slice(1), status: tagged.status === 'open' ? 'pending' : 'open' });
      const untagged = tickets.find((t) => t.id !== tagged.id && t.tags.length >= 1)!;
      m.updateTicket(untagged.id, { tags: [] });
      const doomed = tickets.find((t) => t.id !== tagged.id && t.id !== untagged.id)!;
      m.deleteTicket(doomed.id);
      const users = [...emulator.store.users.rows.values()].filter((u) => u.active && u.role === 'end-user');
      const doomedUser = users[0]!;
      m.deleteUser(doomedUser.id);
      // One suspended message is recovered (it leaves the list), a new one arrives.
      const recovered = [...suspendedTicketsOf(emulator.store).rows.values()][0]!;
      removeSuspended(emulator.store, recovered.id);
      const arrived = suspendMessage(emulator.store, emulator.now());
      const phoned = users.find((u) => u.id !== doomedUser.id && u.phone) ?? m.updateUser(users[1]!.id, { phone: '+14155550123' });
      emulator.advanceClock(61);
      await syncAll(config); // the phone added above (if any) lands first
      m.updateUser(phoned.id, { phone: null });
      emulator.advanceClock(61);
      await syncAll(config);

      const after = expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, allTables);
      for (const table of CHANGE_TABLES) assert.ok((after[table] ?? []).length > 0, `${table}: the ground truth has rows to compare`);
      await assertWarehouseMatches(config.destination, config.name, after);

      // An unchanged cycle: one request per list page and per export (the history tables and
      // identities ride on streams read anyway, so they add none).
      emulator.advanceClock(61);
      const unchanged = await syncAll(config);
      for (const stream of ['ticket_metric_events', 'deleted_tickets', 'deleted_users', 'suspended_tickets']) {
        assert.equal(unchanged[stream], 1, `${stream}: one request on an unchanged cycle`);
      }
      const audits = emulator.store.ticketEvents.size;
      assert.equal(
        unchanged.ticket_audits,
        Math.ceil(audits / 100),
        `ticket_audits: read in full, one request per 100 of ${audits} audits`,
      );

      // The specific outcomes, read from the warehouse.
      const tagRows = await rows(config, 'ticket_tags', { ticket_id: 'bigint', tag: 'text' });
      assert.ok(!tagRows.some((r) => r.ticket_id === tagged.id && r.tag === removedTag), 'the removed tag left ticket_tags');
      assert.ok(
        tagRows.some((r) => r.ticket_id === tagged.id),
        'the ticket keeps its other tags',
      );
      assert.ok(!tagRows.some((r) => r.ticket_id === untagged.id), 'a ticket with no tags left has no rows');
      const deletedTickets = await rows(config, 'deleted_tickets', { id: 'bigint', previous_state: 'text' });
      assert.ok(
        deletedTickets.some((r) => r.id === doomed.id),
        'the deleted ticket is listed',
      );
      const suspended = (await rows(config, 'suspended_tickets', { id: 'bigint' })).map((r) => r.id);
      assert.ok(!suspended.includes(recovered.id) && suspended.includes(arrived.id), 'a recovered message left, a new one arrived');
      const deletedUsers = await rows(config, 'deleted_users', { id: 'bigint' });
      assert.ok(
        deletedUsers.some((r) => r.id === doomedUser.id),
        'the deleted user is listed',
      );
      const identities = await rows(config, 'user_identities', { user_id: 'bigint', type: 'text' });
      assert.ok(!identities.some((r) => r.user_id === phoned.id && r.type === 'phone_number'), 'the removed phone identity left');
      assert.ok(!identities.some((r) => r.user_id === doomedUser.id), "a deleted user's identities left");
      // Field history agrees with the tickets' final state: the last status change of each ticket.
      const history = await rows(config, 'ticket_field_history', {
        id: 'bigint',
        ticket_id: 'bigint',
        field_name: 'text',
        value: 'text',
        updated: 'timestamp',
      });
      const lastStatus = new Map<number, { id: number; value: unknown }>();
      for (const r of history) {
        if (r.field_name !== 'status') continue;
        const seen = lastStatus.get(r.ticket_id as number);
        if (!seen || (r.id as number) > seen.id) lastStatus.set(r.ticket_id as number, { id: r.id as number, value: r.value });
      }
      for (const id of [tagged.id, doomed.id])
        assert.equal(lastStatus.get(id)?.value, emulator.store.tickets.get(id)!.status, `ticket ${id}: last status change = its status`);
    });
  });
}
