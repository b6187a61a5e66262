// Field definitions cost a request per list, so they are read on a table's first sync and again only
// when a record names a field never seen before: an unchanged cycle spends one request per stream,
// and a field added in Zendesk still becomes a column with its values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import type { SourceConfig, StreamCursor, StreamResult } from '../../workflows/types';
import { startEmulator } from '../../emulator';
import { readTable } from '../../harness/warehouseReader';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

test('field definitions are read on the first sync and when a new field appears, never in an unchanged cycle', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, tickets: 120, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-fields-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const destination = `sqlite://${path.join(tmp, 'wh')}`;
    const config: SourceConfig = { name: 'fields', baseUrl: emulator.baseUrl, credentialRef, destination, lookbackDays: 3650 };
    const run = async (stream: string, cursor: StreamCursor | null): Promise<StreamResult> =>
      runSyncStream(
        { config, stream, cursor, mode: 'incremental', runTag: 'test' },
        {
          destination: await resources.destination(destination),
          session: await resources.session(config),
          heartbeat: () => {},
          signal: new AbortController().signal,
          log: () => {},
        },
      );
    const definitionReads = (list: string) =>
      emulator.requestLog.entries().filter((e) => e.path.startsWith(`/api/v2/${list}`) && e.status === 200).length;

    const first = await run('tickets', null);
    const usersFirst = await run('users', null);
    assert.equal(definitionReads('ticket_fields'), 1, 'the first sync reads the ticket field definitions once');
    assert.equal(definitionReads('user_fields'), 1);

    emulator.advanceClock(120);
    const unchanged = await run('tickets', first.cursor);
    const usersUnchanged = await run('users', usersFirst.cursor);
    assert.equal(unchanged.requests, 1, 'an unchanged cycle of tickets is one export request');
    assert.equal(usersUnchanged.requests, 1, 'an unchanged cycle of users is one export request');
    assert.equal(definitionReads('ticket_fields'), 1);
    assert.equal(definitionReads('user_fields'), 1);

    // An admin adds a field and an agent fills it in on one ticket.
    const field = emulator.mutations.createTicketField({ title: 'Escalation Team', type: 'text' });
    const ticket = [...emulator.store.tickets.rows.values()][0]!;
    emulator.mutations.updateTicket(ticket.id, { custom_fields: [{ id: field.id, value: 'tier 3' }] });
    emulator.advanceClock(120);
    const changed = await run('tickets', unchanged.cursor);
    assert.equal(definitionReads('ticket_fields'), 2, 'the unknown field id triggers one fresh read of the definitions');
    assert.equal(changed.rows >= 1, true);

    const rows = await readTable(destination, 'fields', 'tickets', { id: 'bigint', custom_escalation_team: 'text' });
    assert.equal(rows.find((r) => r.id === ticket.id)?.custom_escalation_team, 'tier 3', 'the new field landed in its own column');

    // Known again: the next unchanged cycle reads no definitions.
    emulator.advanceClock(120);
    const after = await run('tickets', changed.cursor);
    assert.equal(after.requests, 1);
    assert.equal(definitionReads('ticket_fields'), 2);
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
