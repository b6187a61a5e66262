// Every row right, against the emulator without Temporal: records deleted in Zendesk leave the
// warehouse after the next complete read of their list (and only then: a read cut short deletes
// nothing, a retry that resumes mid-list keeps what the earlier attempt saw), and a page fetched
// before a change but written after the newer version never brings the old version back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections } from '../../catalog/collections';
import { WorkerResources } from '../../activities/resources';
import { initialStartKey, runSyncStream, type SyncHeartbeat, type SyncStreamDeps } from '../../activities/syncStream';
import type { Destination } from '../../destinations/types';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig, StreamResult, SyncStreamInput } from '../../workflows/types';
import { startEmulator, type Emulator } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { readTable } from '../../harness/warehouseReader';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
const allTables = collections.map((c) => c.name);
const PG_URL = process.env.ZS_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';

interface Account {
  emulator: Emulator;
  resources: WorkerResources;
  config(kind: 'sqlite' | 'postgres', name: string): SourceConfig;
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function runStream(
  account: Account,
  config: SourceConfig,
  stream: string,
  options: { input?: Partial<SyncStreamInput>; deps?: Partial<SyncStreamDeps>; wrap?: (d: Destination) => Destination } = {},
): Promise<StreamResult> {
  const destination = await account.resources.destination(config.destination);
  return runSyncStream(
    { config, stream, cursor: null, mode: 'incremental', runTag: 'test', ...options.input },
    {
      destination: options.wrap ? options.wrap(destination) : destination,
      session: await account.resources.session(config),
      heartbeat: () => {},
      signal: new AbortController().signal,
      log: () => {},
      ...options.deps,
    },
  );
}

async function syncAll(account: Account, config: SourceConfig): Promise<void> {
  for (const stream of enabledStreams(config)) await runStream(account, config, stream);
}

/** A destination that forwards everything, with `upsert` replaced. */
function withUpsert(inner: Destination, upsert: Destination['upsert']): Destination {
  return {
    kind: inner.kind,
    ensureSchema: (s) => inner.ensureSchema(s),
    ensureTable: (s, t) => inner.ensureTable(s, t),
    upsert,
    beginFullRead: (s, t, r) => inner.beginFullRead(s, t, r),
    finishFullRead: (s, t, r) => inner.finishFullRead(s, t, r),
    readState: (s, k) => inner.readState(s, k),
    writeState: (s, k, v) => inner.writeState(s, k, v),
    countRows: (s, t, e) => inner.countRows(s, t, e),
    readKeys: (s, t, c) => inner.readKeys(s, t, c),
    close: async () => {},
  };
}

async function warehouseIds(config: SourceConfig, table: string): Promise<number[]> {
  const rows = await readTable(config.destination, config.name, table, { id: 'bigint' });
  return rows.map((r) => r.id as number).sort((a, b) => a - b);
}

async function tagsOf(config: SourceConfig, ticketId: number): Promise<string[]> {
  const rows = await readTable(config.destination, config.name, 'ticket_tags', { ticket_id: 'bigint', tag: 'text' });
  return rows
    .filter((r) => r.ticket_id === ticketId)
    .map((r) => r.tag as string)
    .sort();
}

let account: Account;
let tmp: string;

before(async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false, plan: 'enterprise' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-every-row-'));
  const credentialRef = await saveAdminCredential(emulator, tmp);
  const resources = new WorkerResources();
  account = {
    emulator,
    resources,
    config: (kind, name) => ({
      name: `${name}_${randomBytes(3).toString('hex')}`,
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: kind === 'sqlite' ? `sqlite://${path.join(tmp, 'wh')}` : PG_URL,
      collections: allOn,
      rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
    }),
  };
  // Enough group memberships for several list pages (100 per page), so a read can stop mid-list.
  const agents = [...emulator.store.users.rows.values()].filter((u) => u.role !== 'end-user');
  const groups = [...emulator.store.groups.rows.values()].filter((g) => !g.deleted);
  for (let i = 0; i < 230; i++) {
    emulator.mutations.createGroupMembership({ user_id: agents[i % agents.length]!.id, group_id: groups[i % groups.length]!.id });
  }
  emulator.advanceClock(61);
});

after(async () => {
  await account?.resources.close();
  await account?.emulator.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`deletions in lists read in full (${kind})`, () => {
    test('one record of each kind deleted in Zendesk: the next sync leaves no extra row', async () => {
      const { emulator } = account;
      const m = emulator.mutations;
      const config = account.config(kind, 'deletions');
      const firstSyncAfterMs = Date.now(); // the lookback counts from the first sync
      // Records made for deleting, so each kind's deletion is one the account can spare.
      const ticket = [...emulator.store.tickets.rows.values()].find((t) => t.status !== 'deleted')!;
      const agent = [...emulator.store.users.rows.values()].find((u) => u.role !== 'end-user')!;
      const group = m.createGroup({ name: `Doomed ${config.name}` });
      const field = m.createTicketField({ title: `Doomed ${config.name}` });
      const form = m.createTicketForm({ name: `Doomed ${config.name}` });
      const rating = m.createSatisfactionRating({ ticket_id: ticket.id, score: 'good', comment: 'doomed' });
      const skip = m.createSkip({ ticket_id: ticket.id, user_id: agent.id });
      const org = [...emulator.store.organizations.rows.values()].find((o) => o.deleted_at === null)!;
      const orgMembership = m.createOrganizationMembership({ user_id: agent.id, organization_id: org.id });
      const groupMembership = m.createGroupMembership({ user_id: agent.id, group_id: group.id });
      emulator.advanceClock(61);
      await syncAll(account, config);
      // An activity Zendesk still lists (it lists the last 30 days only).
      const activity = emulator.groundTruth({ collections: ['activities'] }).activities![0]! as { id: number };
      const deletedIds: Record<string, number> = {
        group_memberships: groupMembership.id,
        organization_memberships: orgMembership.id,
        satisfaction_ratings: rating.id,
        ticket_skips: skip.id,
        ticket_fields: field.id,
        ticket_forms: form.id,
        activities: activity.id,
      };
      for (const [table, id] of Object.entries(deletedIds)) {
        assert.ok((await warehouseIds(config, table)).includes(id), `${table} ${id} synced before its deletion`);
      }

      m.deleteGroupMembership(groupMembership.id);
      m.deleteOrganizationMembership(orgMembership.id);
      m.deleteSatisfactionRating(rating.id);
      m.deleteSkip(skip.id);
      m.deleteTicketField(field.id);
      m.deleteTicketForm(form.id);
      m.deleteActivity(activity.id);
      emulator.advanceClock(61);
      // A reconciliation (every cycle one): the time-filtered lists (ratings, activities) settle
      // deletions only then; between reconciliations see test/activities/incrementalLists.
      await syncAll(account, { ...config, reconcileEveryHours: 0 });

      for (const [table, id] of Object.entries(deletedIds)) {
        assert.ok(!(await warehouseIds(config, table)).includes(id), `${table} ${id} left the warehouse`);
      }
      await assertWarehouseMatches(
        config.destination,
        config.name,
        expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, allTables),
      );
    });

    test('a list read that fails or is cancelled mid-list deletes nothing; its retry resumes and deletes what is gone', async () => {
      const { emulator } = account;
      const config = account.config(kind, 'cut_short');
      const firstSyncAfterMs = Date.now(); // the lookback counts from the first sync
      await runStream(account, config, 'group_memberships');
      const before = await warehouseIds(config, 'group_memberships');
      assert.ok(before.length > 200, `${before.length} memberships: several pages`);
      // One membership from the first page and one from the last one go.
      const firstPageGone = before[3]!;
      const lastPageGone = before.at(-2)!;
      emulator.mutations.deleteGroupMembership(firstPageGone);
      emulator.mutations.deleteGroupMembership(lastPageGone);

      // A read that fails on its second page (here the warehouse write fails).
      const failOnSecondPage = (inner: Destination) => {
        let pages = 0;
        return withUpsert(inner, async (schema, batches, options) => {
          if (++pages === 2) throw new Error('warehouse unavailable');
          return inner.upsert(schema, batches, options);
        });
      };
      await assert.rejects(runStream(account, config, 'group_memberships', { wrap: failOnSecondPage }), /warehouse unavailable/);
      assert.deepEqual(await warehouseIds(config, 'group_memberships'), before, 'a failed read deletes nothing');

      // A read cancelled after its first page (the activity's cancellation signal).
      const cancel = new AbortController();
      let lastBeat: SyncHeartbeat | undefined;
      const cancelAfterFirstPage = (inner: Destination) =>
        withUpsert(inner, async (schema, batches, options) => {
          const result = await inner.upsert(schema, batches, options);
          cancel.abort(new Error('cancelled'));
          return result;
        });
      await assert.rejects(
        runStream(account, config, 'group_memberships', {
          wrap: cancelAfterFirstPage,
          deps: { signal: cancel.signal, heartbeat: (beat) => (lastBeat = beat) },
        }),
      );
      assert.deepEqual(await warehouseIds(config, 'group_memberships'), before, 'a cancelled read deletes nothing');
      // The page already on the wire when the signal fired may still be written; the read never ends.
      assert.ok(
        lastBeat && lastBeat.pages >= 1 && lastBeat.pages < Math.ceil(before.length / 100),
        `stopped after ${lastBeat?.pages} pages`,
      );
      assert.ok(lastBeat?.fullReadId, 'the heartbeat names the read');

      // The retry resumes from the heartbeat, after the pages already written: the keys the cancelled
      // attempt saw there still count, so only the two deleted memberships go.
      const retried = await runStream(account, config, 'group_memberships', { deps: { previousHeartbeat: lastBeat } });
      assert.deepEqual(retried.deletedByTable, { group_memberships: 2 });
      assert.deepEqual(
        await warehouseIds(config, 'group_memberships'),
        before.filter((id) => id !== firstPageGone && id !== lastPageGone),
      );
      await assertWarehouseMatches(
        config.destination,
        config.name,
        expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, ['group_memberships']),
      );
    });

    test('a read cancelled while writing its last page deletes nothing; the next complete read does', async () => {
      const { emulator } = account;
      const config = account.config(kind, 'cancel_last');
      const form = emulator.mutations.createTicketForm({ name: `Short-lived ${config.name}` });
      await runStream(account, config, 'ticket_forms'); // one response: its only page is the last
      emulator.mutations.deleteTicketForm(form.id);
      const cancel = new AbortController();
      const cancelWhileWriting = (inner: Destination) =>
        withUpsert(inner, async (schema, batches, options) => {
          cancel.abort(new Error('stopped'));
          return inner.upsert(schema, batches, options);
        });
      const cancelled = await runStream(account, config, 'ticket_forms', { wrap: cancelWhileWriting, deps: { signal: cancel.signal } });
      assert.equal(cancelled.deletedByTable, undefined);
      assert.ok((await warehouseIds(config, 'ticket_forms')).includes(form.id), 'a cancelled run deletes nothing');
      const next = await runStream(account, config, 'ticket_forms');
      assert.deepEqual(next.deletedByTable, { ticket_forms: 1 });
      assert.ok(!(await warehouseIds(config, 'ticket_forms')).includes(form.id));
    });

    test('audit logs Zendesk no longer lists are kept (they age out, they are never deleted)', async () => {
      const { emulator } = account;
      const config = account.config(kind, 'audit');
      await runStream(account, config, 'audit_logs');
      const before = await warehouseIds(config, 'audit_logs');
      const aged = emulator.store.auditLogs.rows.values().next().value!;
      emulator.store.auditLogs.remove(aged.id);
      try {
        const result = await runStream(account, config, 'audit_logs');
        assert.equal(result.deletedByTable, undefined);
        assert.deepEqual(await warehouseIds(config, 'audit_logs'), before);
      } finally {
        emulator.store.auditLogs.put(aged);
      }
    });
  });

  test(`a backfill page fetched before a change and written after the newer version keeps the newer one (${kind})`, async () => {
    const { emulator } = account;
    const config = account.config(kind, 'stale_page');
    const firstSyncAfterMs = Date.now(); // the lookback counts from the first sync
    await runStream(account, config, 'tickets');
    const startedAt = emulator.now();
    // From where the warehouse's ticket history begins (the ground truth leaves older tickets out).
    const historyStart = Number(
      await (await account.resources.destination(config.destination)).readState(config.name, initialStartKey('tickets')),
    );
    // A ticket the backfill's page carries: inside the history, not changed in the last minute, tagged.
    const ticket = [...emulator.store.tickets.rows.values()].find(
      (t) => t.status !== 'deleted' && t.generated_timestamp >= historyStart && t.generated_timestamp < startedAt - 60 && t.tags.length > 0,
    )!;
    const oldTags = [...ticket.tags].sort();
    const newTag = `changed_in_flight_${kind}`;

    // The backfill fetches its (only) page, then waits at the warehouse until released.
    const fetched = deferred();
    let heldSubject: unknown;
    const release = deferred();
    const heldBackfill = (inner: Destination) =>
      withUpsert(inner, async (schema, batches, options) => {
        heldSubject = batches.find((b) => b.table.name === 'tickets')?.rows.find((r) => r.id === ticket.id)?.subject;
        fetched.resolve();
        await release.promise;
        return inner.upsert(schema, batches, options);
      });
    const backfill = runStream(account, config, 'tickets', {
      input: { mode: 'backfill', range: { from: historyStart, to: startedAt } },
      wrap: heldBackfill,
    });
    try {
      await fetched.promise;
      assert.equal(heldSubject, ticket.subject, 'the held page carries the ticket as it was');

      // Meanwhile the ticket changes and the regular cycle writes its new version.
      emulator.mutations.updateTicket(ticket.id, {
        subject: 'Changed while the backfill was in flight',
        status: 'pending',
        tags: [newTag],
      });
      emulator.advanceClock(61);
      const cycle = await runStream(account, config, 'tickets');
      assert.ok(cycle.rows >= 1);
      const newer = (await readTable(config.destination, config.name, 'tickets', { id: 'bigint', subject: 'text' })).find(
        (r) => r.id === ticket.id,
      );
      assert.equal(newer?.subject, 'Changed while the backfill was in flight');
      assert.deepEqual(await tagsOf(config, ticket.id), [newTag]);
    } finally {
      release.resolve(); // the held page is written now, after the newer version
    }
    await backfill;
    const after = (await readTable(config.destination, config.name, 'tickets', { id: 'bigint', subject: 'text', status: 'text' })).find(
      (r) => r.id === ticket.id,
    );
    assert.deepEqual(
      [after?.subject, after?.status],
      ['Changed while the backfill was in flight', 'pending'],
      'the stale page did not bring the old version back',
    );
    // Nor the old version's tags (ticket_tags rows are replaced per ticket, guarded by the ticket's version).
    assert.ok(!oldTags.includes(newTag));
    assert.deepEqual(await tagsOf(config, ticket.id), [newTag], 'the stale page did not bring the old tags back');
    await assertWarehouseMatches(
      config.destination,
      config.name,
      expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, ['tickets', 'ticket_metrics', 'ticket_tags']),
    );
  });
}
