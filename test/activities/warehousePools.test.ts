// Many sources into one warehouse: one destination per URL per worker, a bound on its connections,
// and a slow, hanging or failing warehouse that holds up only the sources writing to it. A slow
// warehouse is a gate the test opens, never a sleep.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities';
import { WorkerResources } from '../../activities/resources';
import { warehouseLimitsFromEnv } from '../../activities/warehousePools';
import { ConnectionSlots, WarehouseUnavailableError } from '../../destinations/connectionSlots';
import { SMALL_ACCOUNT, expectedRowsFor } from '../../harness/stack';
import type { SourceConfig } from '../../workflows/types';
import { startSyncHarness, type SyncHarness } from '../support/syncHarness';
import { cycleInParallel, gate, registerFailingScheme, registerGatedScheme } from './warehouseSyncs';

const TABLES = ['groups', 'organizations', 'users', 'tickets'];

/** An error as the activity hands it to Temporal: retryable unless marked otherwise. */
function isRetryableFailure(err: unknown): boolean {
  const failure = toFailure(err);
  return !(failure instanceof ApplicationFailure && failure.nonRetryable);
}

/** Waits for a condition, checking after each turn of the event loop (no fixed delay). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('ConnectionSlots', () => {
  test('never more than max at once; the next waiter gets a freed slot; a wait past the timeout is a retryable WarehouseUnavailableError', async () => {
    const slots = new ConnectionSlots(2, 100, 'postgres://u:***@h/db');
    const held = gate();
    const running = [slots.run(() => held.wait()), slots.run(() => held.wait())];
    await held.reached;
    assert.deepEqual(slots.stats(), { inUse: 2, waiting: 0, mostInUse: 2, max: 2 });
    const refused = await slots.run(async () => 'ran').catch((err: unknown) => err);
    assert.ok(refused instanceof WarehouseUnavailableError, String(refused));
    assert.match(refused.message, /postgres:\/\/u:\*\*\*@h\/db/);
    assert.ok(isRetryableFailure(refused));

    const waiting = new ConnectionSlots(1, 3_600_000, 'sqlite://x');
    const first = gate();
    const one = waiting.run(() => first.wait());
    const two = waiting.run(async () => 'second');
    await first.reached;
    assert.equal(waiting.stats().waiting, 1);
    first.open();
    assert.equal(await two, 'second');
    await one;
    assert.equal(waiting.stats().mostInUse, 1);
    held.open();
    await Promise.all(running);
  });

  test('worker settings: defaults, values, and refusals', () => {
    assert.deepEqual(warehouseLimitsFromEnv({}), { maxConnections: 4, acquireTimeoutMs: 60_000 });
    assert.deepEqual(warehouseLimitsFromEnv({ ZS_WAREHOUSE_MAX_CONNECTIONS: '10', ZS_WAREHOUSE_ACQUIRE_TIMEOUT_SECONDS: '2.5' }), {
      maxConnections: 10,
      acquireTimeoutMs: 2_500,
    });
    for (const env of [
      { ZS_WAREHOUSE_MAX_CONNECTIONS: '0' },
      { ZS_WAREHOUSE_MAX_CONNECTIONS: '2.5' },
      { ZS_WAREHOUSE_ACQUIRE_TIMEOUT_SECONDS: 'x' },
    ]) {
      assert.throws(() => warehouseLimitsFromEnv(env), { name: 'InvalidSettingsError' }, JSON.stringify(env));
    }
  });
});

describe('warehouses shared by many sources in one worker', () => {
  let harness: SyncHarness;
  before(async () => {
    harness = await startSyncHarness({ emulator: SMALL_ACCOUNT, warehouse: { maxConnections: 2, acquireTimeoutMs: 3_600_000 } });
  });
  after(async () => {
    await harness?.close();
  });

  const truth = (startedAt: number) => expectedRowsFor(harness.emulator, { firstSyncAfterMs: startedAt }, TABLES);

  test('two sources into one SQLite file share one destination, each in its own schema, both complete', async () => {
    const a = await harness.sourceFor('sqlite', 'pool_a', TABLES);
    const b = await harness.sourceFor('sqlite', 'pool_b', TABLES);
    assert.equal(a.destination, b.destination);
    assert.equal(await harness.resources.destination(a.destination), await harness.resources.destination(b.destination));
    const startedAt = Date.now();
    await Promise.all([cycleInParallel(harness.resources, a), cycleInParallel(harness.resources, b)]);
    await harness.assertLanded(a, truth(startedAt));
    await harness.assertLanded(b, truth(startedAt));
    const pools = harness.resources.warehouses.stats();
    assert.equal(pools.length, 1, 'one pool for the one URL');
    assert.ok(pools[0]!.mostInUse <= 2 && pools[0]!.mostInUse >= 1, JSON.stringify(pools));
  });

  test('a warehouse that hangs on open or on every call does not hold up a source writing elsewhere', async () => {
    const opening = gate();
    const calls = gate();
    registerGatedScheme('hangsopen', { opening });
    registerGatedScheme('hangscalls', { calls });
    const hangingOpen: SourceConfig = { ...(await harness.sourceFor('sqlite', 'pool_hang_open', TABLES)) };
    hangingOpen.destination = `hangsopen://${path.join(harness.tmp, 'hang-open')}`;
    const slowCalls: SourceConfig = { ...(await harness.sourceFor('sqlite', 'pool_hang_calls', TABLES)) };
    slowCalls.destination = `hangscalls://${path.join(harness.tmp, 'hang-calls')}`;
    const elsewhere = await harness.sourceFor('sqlite', 'pool_elsewhere', TABLES);

    const startedAt = Date.now();
    const held = [cycleInParallel(harness.resources, hangingOpen), cycleInParallel(harness.resources, slowCalls)];
    await Promise.all([opening.reached, calls.reached]);
    const slowPool = () => harness.resources.warehouses.stats().find((p) => p.url.startsWith('hangscalls://'))!;
    await until(() => slowPool().inUse === 2 && slowPool().waiting > 0);
    // Both warehouses now hold callers (the second with both its slots taken and more waiting): the other source runs.
    await cycleInParallel(harness.resources, elsewhere);
    await harness.assertLanded(elsewhere, truth(startedAt));
    assert.ok(!opening.isOpen() && !calls.isOpen(), 'the other source completed while both warehouses were held');
    assert.equal(slowPool().inUse, 2, 'the held warehouse holds its bound, no more');
    assert.equal(slowPool().mostInUse, 2);

    opening.open();
    calls.open();
    await Promise.all(held);
  });

  test('a warehouse that is down fails its own streams, retryably, and is opened afresh next time; others are untouched', async () => {
    const down = registerFailingScheme('downwarehouse');
    const failing: SourceConfig = { ...(await harness.sourceFor('sqlite', 'pool_down', TABLES)) };
    failing.destination = 'downwarehouse://nowhere';
    const healthy = await harness.sourceFor('sqlite', 'pool_healthy', TABLES);
    const startedAt = Date.now();
    const [failed, succeeded] = await Promise.allSettled([
      cycleInParallel(harness.resources, failing),
      cycleInParallel(harness.resources, healthy),
    ]);
    assert.equal(succeeded.status, 'fulfilled');
    await harness.assertLanded(healthy, truth(startedAt));
    assert.equal(failed.status, 'rejected');
    const reason = (failed as PromiseRejectedResult).reason as Error;
    assert.match(reason.message, /ECONNREFUSED/);
    assert.ok(isRetryableFailure(reason), 'retryable: Temporal tries the stream again');
    const opensAfterFirst = down.opens();
    await assert.rejects(harness.resources.destination(failing.destination), /ECONNREFUSED/);
    assert.equal(down.opens(), opensAfterFirst + 1, 'a failed open is not cached');
  });

  test('an open that outlasts the acquisition timeout fails with a retryable WarehouseUnavailableError', async () => {
    const opening = gate();
    registerGatedScheme('neveropens', { opening });
    const resources = new WorkerResources({ warehouse: { maxConnections: 2, acquireTimeoutMs: 50 } });
    try {
      const err = await resources.destination(`neveropens://${path.join(harness.tmp, 'never')}`).catch((e: unknown) => e);
      assert.ok(err instanceof WarehouseUnavailableError, String(err));
      assert.match(err.message, /Could not open destination neveropens:/);
      assert.ok(isRetryableFailure(err));
    } finally {
      opening.open();
      await resources.close();
    }
  });
});
