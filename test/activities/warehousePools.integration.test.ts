// Many sources into one Postgres: one pool per URL per worker, never more connections than the bound
// however many streams write at once; and a Postgres that accepts connections and never answers
// holds up only the sources writing to it. Needs ZS_PG_URL (a database the tests may write to).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WorkerResources } from '../../activities/resources';
import { WarehouseUnavailableError } from '../../destinations/connectionSlots';
import { openDestination } from '../../destinations/open';
import type { PostgresDestination } from '../../destinations/postgres/destination';
import { SMALL_ACCOUNT, expectedRowsFor } from '../../harness/stack';
import type { SourceConfig } from '../../workflows/types';
import { startSyncHarness, type SyncHarness } from '../support/syncHarness';
import { cycleInParallel } from './warehouseSyncs';

const TABLES = ['groups', 'organizations', 'users', 'tickets'];
const BOUND = 2;

/** knex's pool (tarn) as the Postgres writer holds it: its own counters and events. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingCreates(): number;
  on(event: 'createSuccess' | 'destroySuccess', listener: () => void): void;
}

/** Counts the pool's open connections at every create and destroy; returns the most ever open. */
function watchOpenConnections(destination: unknown): () => number {
  const pool = (destination as { knex: { client: { pool: TarnPool } } }).knex.client.pool;
  let open = pool.numUsed() + pool.numFree();
  let most = open;
  pool.on('createSuccess', () => (most = Math.max(most, ++open)));
  pool.on('destroySuccess', () => open--);
  return () => most;
}

/** A TCP server that accepts every connection and never says a word (a warehouse that hangs). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('many sources into one Postgres', { skip: !process.env.ZS_PG_URL && 'ZS_PG_URL is not set' }, () => {
  let harness: SyncHarness;
  before(async () => {
    harness = await startSyncHarness({ emulator: SMALL_ACCOUNT, warehouse: { maxConnections: BOUND, acquireTimeoutMs: 3_600_000 } });
  });
  after(async () => {
    await harness?.close();
  });

  test(`three sources, every stream at once, share one pool that never opens more than ${BOUND} connections`, async () => {
    // A name of its own, so pg_stat_activity shows exactly this pool's connections.
    const applicationName = `zs_pools_${randomBytes(4).toString('hex')}`;
    const url = new URL(process.env.ZS_PG_URL!);
    url.searchParams.set('application_name', applicationName);
    const sources: SourceConfig[] = [];
    for (const name of ['pool_pg_a', 'pool_pg_b', 'pool_pg_c']) {
      sources.push({ ...(await harness.sourceFor('postgres', name, TABLES)), destination: url.toString() });
    }
    const shared = await harness.resources.destination(url.toString());
    for (const source of sources) assert.equal(await harness.resources.destination(source.destination), shared, 'one destination per URL');
    const mostOpen = watchOpenConnections(shared);

    const startedAt = Date.now();
    await Promise.all(sources.map((source) => cycleInParallel(harness.resources, source)));
    const truth = expectedRowsFor(harness.emulator, { firstSyncAfterMs: startedAt }, TABLES);
    for (const source of sources) await harness.assertLanded(source, truth);

    const pool = harness.resources.warehouses.stats().find((p) => p.url.includes(applicationName))!;
    assert.equal(pool.mostInUse, BOUND, `${sources.length * TABLES.length} streams at once filled the bound: ${JSON.stringify(pool)}`);
    assert.ok(mostOpen() <= BOUND, `the pool opened at most ${BOUND} connections (most at once: ${mostOpen()})`);
    const observer = await openDestination(process.env.ZS_PG_URL!);
    try {
      const [row] = await (observer as PostgresDestination).query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ?',
        [applicationName],
      );
      const connections = Number(row!.n);
      assert.ok(connections >= 1 && connections <= BOUND, `pg_stat_activity shows ${connections} connections of the pool`);
    } finally {
      await observer.close();
    }
  });

  test('a Postgres that accepts and never answers holds up its own sources only; past the timeout, a retryable WarehouseUnavailableError', async () => {
    const silent = await silentServer();
    try {
      const hangingUrl = `postgres://zs:secret@127.0.0.1:${silent.port}/nowhere`;
      let settled = false;
      const hanging = harness.resources.destination(hangingUrl).finally(() => (settled = true));
      hanging.catch(() => {}); // it fails when the server goes away, below
      const elsewhere = await harness.sourceFor('postgres', 'pool_pg_elsewhere', TABLES);
      const startedAt = Date.now();
      await cycleInParallel(harness.resources, elsewhere);
      await harness.assertLanded(elsewhere, expectedRowsFor(harness.emulator, { firstSyncAfterMs: startedAt }, TABLES));
      assert.equal(settled, false, 'the other source completed while the silent warehouse was still opening');

      const impatient = new WorkerResources({ warehouse: { maxConnections: BOUND, acquireTimeoutMs: 200 } });
      try {
        const err = await impatient.destination(hangingUrl).catch((e: unknown) => e);
        assert.ok(err instanceof WarehouseUnavailableError, String(err));
        assert.ok(!err.message.includes('secret'), 'the password stays out of the error');
      } finally {
        await impatient.close();
      }
    } finally {
      await silent.close();
    }
  });
});
