// The differential check itself: it must not take the product's word for which custom fields exist.
// A warehouse is built straight from the ground truth (not by a sync), then made deliberately
// incomplete; the check must pass on the complete one and fail on each incomplete one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections } from '../../catalog/collections';
import { customColumnsKey } from '../../activities/tablePlans';
import { openDestination } from '../../destinations/open';
import { assignCustomColumns, type CustomColumn, type FieldDefinition } from '../../sync/customFields';
import { startEmulator, type Emulator, type GroundTruth } from '../../emulator';
import { SMALL_ACCOUNT, assertWarehouseMatches, expectedRowsFor } from '../../harness/stack';
import { compareWarehouse } from '../../harness/warehouseComparison';

const TABLES = ['tickets', 'users'];

function definitionsOf(emulator: Emulator, table: string): FieldDefinition[] {
  const store = emulator.store;
  return table === 'tickets' ? [...store.ticketFields.rows.values()] : [...store.userFields.rows.values()];
}

/**
 * Writes the truth's rows with the given fields as columns (and records those columns in the state,
 * as a sync would); `createColumns: false` records them without creating them in the table.
 */
async function buildWarehouse(
  url: string,
  schema: string,
  emulator: Emulator,
  truth: GroundTruth,
  options: { leaveOutField?: string; recordOnly?: string } = {},
): Promise<void> {
  const destination = await openDestination(url);
  try {
    await destination.ensureSchema(schema);
    for (const table of TABLES) {
      const collection = collections.find((c) => c.name === table)!;
      const { columns } = assignCustomColumns(collection, definitionsOf(emulator, table), []);
      const recorded = columns.filter((c) => c.fieldRef !== options.leaveOutField);
      const created = recorded.filter((c) => c.fieldRef !== options.recordOnly);
      const warehouseTable = {
        name: table,
        primaryKey: collection.primaryKey,
        columns: [
          ...collection.columns.map((c) => ({ name: c.name, type: c.type })),
          ...created.map((c) => ({ name: c.column, type: c.type })),
        ],
      };
      await destination.ensureTable(schema, warehouseTable);
      const rows = truth[table]!.map((expected) => {
        const { custom_fields: custom, ...row } = expected as Record<string, unknown> & { custom_fields: Record<string, unknown> };
        for (const c of created) row[c.column] = custom[c.fieldRef] ?? null;
        return { ...row, received_at: new Date().toISOString() };
      });
      await destination.upsert(schema, [{ table: warehouseTable, rows }]);
      await destination.writeState(schema, customColumnsKey(table), JSON.stringify(recorded satisfies CustomColumn[]));
    }
  } finally {
    await destination.close();
  }
}

test('the differential check fails when the warehouse lacks a column for a custom field the emulator defines', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-diffcheck-'));
  try {
    const url = `sqlite://${path.join(tmp, 'wh')}`;
    const truth = expectedRowsFor(emulator, { lookbackDays: 36500, firstSyncAfterMs: Date.now() }, TABLES);
    const ticketField = definitionsOf(emulator, 'tickets').find((f) => f.removable !== false && f.type === 'text')!;
    assert.ok(
      truth.tickets!.some((t) => (t.custom_fields as Record<string, unknown>)[String(ticketField.id)] !== null),
      'the field has values',
    );

    await buildWarehouse(url, 'complete', emulator, truth);
    const { rowsCompared } = await assertWarehouseMatches(url, 'complete', truth);
    assert.equal(rowsCompared, truth.tickets!.length + truth.users!.length, 'the complete warehouse passes');

    // A ticket field the product never picked up: no column, and nothing in its state either.
    await buildWarehouse(url, 'no_ticket_field', emulator, truth, { leaveOutField: String(ticketField.id) });
    await assert.rejects(assertWarehouseMatches(url, 'no_ticket_field', truth), new RegExp(`custom field ${ticketField.id} has no column`));

    // A user field (keyed) likewise, even though no user has a value for it.
    const emptyKey = 'never_filled';
    emulator.store.userFields.put({ ...[...emulator.store.userFields.rows.values()][0]!, id: 9_100_000_000, key: emptyKey, type: 'text' });
    const truthWithEmptyField = expectedRowsFor(emulator, { lookbackDays: 36500, firstSyncAfterMs: Date.now() }, TABLES);
    assert.ok(truthWithEmptyField.users!.every((u) => (u.custom_fields as Record<string, unknown>)[emptyKey] === null));
    await buildWarehouse(url, 'no_user_field', emulator, truthWithEmptyField, { leaveOutField: emptyKey });
    await assert.rejects(
      assertWarehouseMatches(url, 'no_user_field', truthWithEmptyField),
      /users: custom field never_filled has no column/,
    );

    // Recorded in the state but never created in the table.
    await buildWarehouse(url, 'recorded_only', emulator, truth, { recordOnly: String(ticketField.id) });
    await assert.rejects(assertWarehouseMatches(url, 'recorded_only', truth), /is not in the table/);
  } finally {
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the comparison counts rows missing, extra and stale', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-diffcheck-'));
  try {
    const url = `sqlite://${path.join(tmp, 'wh')}`;
    const truth = expectedRowsFor(emulator, { lookbackDays: 36500, firstSyncAfterMs: Date.now() }, TABLES);
    await buildWarehouse(url, 'counted', emulator, truth);
    const clean = await compareWarehouse(url, 'counted', truth);
    assert.deepEqual([clean.missing, clean.extra, clean.duplicated, clean.stale], [0, 0, 0, 0]);

    // The truth moves on from what the warehouse holds: a ticket it lacks, a user it no longer has,
    // and a ticket whose subject changed.
    const [first, second, ...rest] = truth.tickets!;
    const changed = { ...second!, subject: `${String(second!.subject)} (changed)` };
    const moved: GroundTruth = {
      tickets: [first!, changed, ...rest, { ...first!, id: 9_900_000_001 }],
      users: truth.users!.slice(1),
    };
    const counted = await compareWarehouse(url, 'counted', moved);
    assert.deepEqual([counted.missing, counted.extra, counted.duplicated, counted.stale], [1, 1, 0, 1]);
    assert.equal(counted.rowsCompared, truth.tickets!.length + truth.users!.length - 1);
  } finally {
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the expected lookback comes from the settings: rows older than it are not expected, rows inside it are', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, rateLimits: false });
  try {
    const startedAt = Date.now();
    const all = expectedRowsFor(emulator, { lookbackDays: 36500, firstSyncAfterMs: startedAt }, ['tickets']).tickets!;
    const month = expectedRowsFor(emulator, { lookbackDays: 30, firstSyncAfterMs: startedAt }, ['tickets']).tickets!;
    const since = Math.floor(startedAt / 1000) - 30 * 86_400;
    const recent = emulator.groundTruth({ ticketsSince: since, collections: ['tickets'] }).tickets!;
    assert.ok(month.length < all.length && month.length >= recent.length, `${month.length} of ${all.length}`);
    // A backfill from a year ago widens the window for its collections only.
    const year = new Date(startedAt - 365 * 86_400_000).toISOString();
    const backfilled = expectedRowsFor(
      emulator,
      { lookbackDays: 30, firstSyncAfterMs: startedAt, backfills: [{ collections: ['tickets'], from: year }] },
      ['tickets'],
    );
    assert.ok(backfilled.tickets!.length > month.length);
  } finally {
    await emulator.close();
  }
});
