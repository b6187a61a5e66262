// Every list collection of the catalog, and every custom-field definition read, against an emulator
// whose list endpoints all answer in one envelope whatever was asked (quirks.listStyle): 'offset'
// (page[size]/page[after] ignored) meets the cursor_list engines and the definition reads with the
// other style, 'cursor' (page/per_page ignored) meets the offset_list engine with it. Pages are
// kept small (quirks.listMaxPageSize) so that every list spans several pages and the style matters.
// What lands is compared with the emulator's ground truth; a list cut short shows as missing rows,
// a definitions list cut short as a custom field without a column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections, streams } from '../../catalog/collections';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { customColumnsKey } from '../../activities/tablePlans';
import { openDestination } from '../../destinations/open';
import type { CustomColumn } from '../../sync/customFields';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { startEmulator, type ListStyle } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const PAGE = 3;
// Lists read once per parent record are walked per parent (test/activities/helpCenter.integration.test.ts, both styles).
const listStreams = streams.filter((s) => (s.style === 'cursor_list' || s.style === 'offset_list') && !s.perParent);
const definitionCollections = collections.filter((c) => c.customFields);
/** Every collection fed by a list stream, plus the collections whose custom fields need definitions. */
const wanted = collections.filter((c) => listStreams.some((s) => s.name === c.stream) || c.customFields).map((c) => c.name);

for (const listStyle of ['offset', 'cursor'] as const satisfies readonly ListStyle[]) {
  test(`every list collection and definitions read, all lists answering ${listStyle}-style in pages of ${PAGE}, equals the ground truth`, async () => {
    const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false, quirks: { listStyle, listMaxPageSize: PAGE } });
    // Enough deleted users and tickets for the deleted_users / deleted_tickets lists to span pages.
    const endUsers = [...emulator.store.users.rows.values()].filter((u) => u.active && u.role === 'end-user');
    for (const user of endUsers.slice(0, 2 * PAGE)) emulator.mutations.deleteUser(user.id);
    const openTickets = [...emulator.store.tickets.rows.values()].filter((t) => t.status !== 'deleted');
    for (const ticket of openTickets.slice(0, 2 * PAGE)) emulator.mutations.deleteTicket(ticket.id);
    emulator.advanceClock(61);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-liststyle-'));
    const resources = new WorkerResources();
    try {
      const credentialRef = await saveAdminCredential(emulator, tmp);
      const destination = `sqlite://${path.join(tmp, 'wh')}`;
      const schema = `lists_${listStyle}`;
      const config: SourceConfig = {
        name: schema,
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        lookbackDays: 3650,
        collections: Object.fromEntries(collections.map((c) => [c.name, wanted.includes(c.name)])),
      };
      const streamNames = [...new Set(collections.filter((c) => wanted.includes(c.name)).map((c) => c.stream))];
      const results: Record<string, StreamResult> = {};
      const firstSyncAfterMs = Date.now(); // the lookback counts from the first sync
      for (const stream of streamNames) {
        results[stream] = await runSyncStream(
          { config, stream, cursor: null, mode: 'incremental', runTag: 'test' },
          {
            destination: await resources.destination(destination),
            session: await resources.session(config),
            heartbeat: () => {},
            signal: new AbortController().signal,
            log: () => {},
          },
        );
      }

      const truth = expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, wanted);
      // The style must really matter: every list spans more than one page, and was walked page by page.
      const okRequests = (listPath: string) =>
        emulator.requestLog.entries().filter((e) => e.path.replace(/\.json$/, '') === listPath.replace(/\.json$/, '') && e.status === 200)
          .length;
      for (const stream of listStreams) {
        assert.equal(results[stream.name]!.skipped, undefined, `${stream.name} was read`);
        const table = truth[collections.find((c) => c.stream === stream.name)!.name]!;
        const rows = table.length;
        assert.ok(rows > PAGE, `${stream.name}: ${rows} records span several pages of ${PAGE}`);
        // ticket_fields is read twice: as a collection, and as the definitions of tickets' custom fields.
        const reads = 1 + definitionCollections.filter((c) => c.customFields!.definitionsPath === stream.path).length;
        assert.equal(okRequests(stream.path), reads * Math.ceil(rows / PAGE), `${stream.name}: one request per page`);
        assert.ok(results[stream.name]!.pages > 1, `${stream.name}: ${results[stream.name]!.pages} pages`);
      }
      for (const collection of definitionCollections) {
        assert.ok(
          okRequests(collection.customFields!.definitionsPath) >= 2,
          `${collection.customFields!.definitionsKey}: read page by page`,
        );
      }

      await assertWarehouseMatches(destination, schema, truth);

      // Every custom field the account defines got a column (compared with the emulator's own
      // definitions: assertWarehouseMatches only checks the columns the sync made).
      const expectedRefs: Record<string, string[]> = {
        tickets: [...emulator.store.ticketFields.rows.values()].filter((f) => f.removable !== false).map((f) => String(f.id)),
        users: [...emulator.store.userFields.rows.values()].map((f) => f.key),
        organizations: [...emulator.store.organizationFields.rows.values()].map((f) => f.key),
      };
      const warehouse = await openDestination(destination);
      try {
        for (const collection of definitionCollections) {
          const columns: CustomColumn[] = JSON.parse((await warehouse.readState(schema, customColumnsKey(collection.name))) ?? '[]');
          const want = expectedRefs[collection.name]!;
          assert.ok(want.length > PAGE, `${collection.name}: ${want.length} definitions span several pages`);
          assert.deepEqual(columns.map((c) => c.fieldRef).sort(), [...want].sort(), `${collection.name}: a column for every custom field`);
        }
      } finally {
        await warehouse.close();
      }
    } finally {
      await resources.close();
      await emulator.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test('a list position survives the endpoint switching style between attempts: the resumed read still ends with every record', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, groups: 10, rateLimits: false, quirks: { listMaxPageSize: PAGE } });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-liststyle-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const session = await resources.session({ name: 'switch', baseUrl: emulator.baseUrl, credentialRef, destination: 'sqlite://unused' });
    const groupsStream = streams.find((s) => s.name === 'groups')!;
    const allIds = truthIds(emulator.groundTruth({ collections: ['groups'] }).groups!);
    const readFrom = async (resumeCursor: unknown) => {
      const ids: number[] = [];
      const cursors: unknown[] = [];
      for await (const page of session.paginate(groupsStream, { resumeCursor: resumeCursor as never })) {
        ids.push(...page.records.map((r) => r.id as number));
        cursors.push(page.resumeCursor);
      }
      return { ids, cursors };
    };
    for (const [before, after] of [
      ['cursor', 'offset'],
      ['offset', 'cursor'],
    ] as const) {
      emulator.setQuirks({ listStyle: before });
      const first = await readFrom(null);
      assert.deepEqual(
        [...first.ids].sort((a, b) => a - b),
        allIds,
      );
      const position = first.cursors[0];
      assert.ok(
        before === 'cursor' ? 'after_cursor' in (position as object) : 'next_page' in (position as object),
        JSON.stringify(position),
      );
      emulator.setQuirks({ listStyle: after });
      const resumed = await readFrom(position);
      // The page before the position was committed by the earlier attempt; together nothing is missing.
      const firstPage = first.ids.slice(0, PAGE);
      assert.deepEqual(
        [...new Set([...firstPage, ...resumed.ids])].sort((a, b) => a - b),
        allIds,
        `${before} position, ${after} answers`,
      );
    }
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

function truthIds(rows: Array<Record<string, unknown>>): number[] {
  return rows.map((r) => r.id as number).sort((a, b) => a - b);
}
