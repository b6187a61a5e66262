// Hostile and broken input lands safely, in SQLite and Postgres, with nothing lost from the other
// records: custom-field titles that are SQL, quotes, 300 characters, reserved words or only
// punctuation (and titles that sanitise to the same name); NUL and lone surrogates in text; a 10 MB
// comment body; a custom field whose value changes type between records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { customColumnsKey } from '../../activities/tablePlans';
import { cleanJsonValue } from '../../destinations/shared/textCleaning';
import { openDestination } from '../../destinations/open';
import type { CustomColumn } from '../../sync/customFields';
import type { SourceConfig } from '../../workflows/types';
import { startEmulator } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import type { TicketField } from '../../emulator/model';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const HOSTILE_TITLES = [
  `He said "hi"; DROP TABLE tickets; --`,
  'x'.repeat(300),
  'order',
  'group',
  '!!!',
  '???', // sanitises like '!!!'
  'Café Größe',
  'cafe grosse', // sanitises like 'Café Größe'
  'Status', // custom_status, beside the spec column status
];

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`hostile custom fields and text land safely in ${kind}`, async () => {
    if (kind === 'postgres') assert.ok(process.env.ZS_PG_URL, 'ZS_PG_URL is set by npm test');
    const emulator = await startEmulator({ ...SMALL_ACCOUNT, tickets: 30, rateLimits: false });
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-hostile-'));
    const resources = new WorkerResources();
    try {
      const store = emulator.store;
      const template = [...store.ticketFields.rows.values()].find((f) => f.type === 'text')!;
      let nextId = 9_000_000_000_000;
      const planted: TicketField[] = HOSTILE_TITLES.map((title) => ({
        ...template,
        id: nextId++,
        title,
        raw_title: title,
        type: 'text' as const,
        key: null,
      }));
      const seats: TicketField = { ...template, id: nextId++, title: 'Seats', raw_title: 'Seats', type: 'integer' as never, key: null };
      for (const f of [...planted, seats]) store.ticketFields.put(f);

      const m = emulator.mutations;
      const nasty = `NUL\u0000inside, lone \ud800 surrogate, emoji 🧨, quote ' and "`;
      const big = 'Z'.repeat(10 * 1024 * 1024);
      const values = planted.map((f) => ({ id: f.id, value: `${f.title}\u0000 ${nasty}` }));
      m.createTicket({ subject: nasty, comment: { body: big }, custom_fields: [...values, { id: seats.id, value: '12' }] });
      m.createTicket({ subject: 'changes type', comment: { body: nasty }, custom_fields: [{ id: seats.id, value: 'abc' }] });
      m.createTicket({ subject: 'number', custom_fields: [{ id: seats.id, value: 7 }] });
      emulator.advanceClock(120);

      const credentialRef = await saveAdminCredential(emulator, tmp);
      const destination = kind === 'sqlite' ? `sqlite://${path.join(tmp, 'wh')}` : process.env.ZS_PG_URL!;
      const name = `hostile_${kind}_${process.pid}`;
      const config: SourceConfig = {
        name,
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: { ticket_comments: true },
        rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      };
      const firstSyncAfterMs = Date.now();
      for (const stream of ['ticket_fields', 'tickets', 'ticket_events']) {
        await runSyncStream(
          { config, stream, cursor: null, mode: 'incremental', runTag: 'hostile' },
          {
            destination: await resources.destination(destination),
            session: await resources.session(config),
            heartbeat: () => {},
            signal: new AbortController().signal,
            log: () => {},
          },
        );
      }

      // Every hostile title got its own safe, unique column.
      const reader = await openDestination(destination);
      const custom: CustomColumn[] = JSON.parse((await reader.readState(name, customColumnsKey('tickets')))!);
      await reader.close();
      const byRef = new Map(custom.map((c) => [c.fieldRef, c.column]));
      const names = [...planted, seats].map((f) => byRef.get(String(f.id))!);
      assert.equal(new Set(names).size, names.length, `unique columns: ${names.join(', ')}`);
      for (const n of names) assert.match(n, /^[a-z_][a-z0-9_]{0,62}$/);
      assert.equal(byRef.get(String(planted[8]!.id)), 'custom_status');

      // The landed rows equal the ground truth under the documented text rule (NUL stripped, lone
      // surrogates as U+FFFD); the 10 MB body and every other ticket are intact.
      const truth = expectedRowsFor(emulator, { lookbackDays: config.lookbackDays, firstSyncAfterMs }, [
        'tickets',
        'ticket_comments',
        'ticket_fields',
      ]);
      const cleaned = cleanJsonValue(truth) as typeof truth;
      await assertWarehouseMatches(destination, name, cleaned);
      assert.ok(
        cleaned.ticket_comments!.some((c) => typeof c.body === 'string' && c.body.length === big.length),
        'the 10 MB body is in the truth compared',
      );
      const seatsValues = cleaned
        .tickets!.map((t) => (t.custom_fields as Record<string, unknown>)[String(seats.id)])
        .filter((v) => v !== null && v !== undefined);
      assert.deepEqual(seatsValues.sort(), [12, 7].sort(), 'numbers from strings and numbers land; "abc" lands as NULL');
    } finally {
      await resources.close();
      await emulator.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
