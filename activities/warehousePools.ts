/**
 * The warehouses a worker writes to: one open destination (one connection pool) per resolved
 * destination URL, shared by every source that writes there, each source in its own schema or
 * dataset. Every call on it holds one of the URL's connection slots (../destinations/connectionSlots),
 * so the worker never has more than `maxConnections` calls, and for Postgres never more than
 * `maxConnections` connections (the pool's own size), open on one URL however many sources and
 * streams write there.
 *
 * Kept for the worker's life rather than reference-counted: a worker serves a steady set of sources
 * that come back every cycle, and closing the pool between cycles would only trade idle connections
 * for a login each time. Idle connections are closed by the pools themselves (knex's closes a
 * connection unused for 30 s and keeps none open at rest), so an idle URL costs no connection.
 *
 * Isolation between URLs: nothing is shared between two URLs (their own pool, their own slots) and
 * nothing is locked across a warehouse call. Opening a destination and waiting for a slot are both
 * bounded by `acquireTimeoutMs` and fail with a retryable WarehouseUnavailableError: a warehouse that
 * hangs or is down fails its own streams, which Temporal retries, and only those. A failed open is
 * forgotten, so the next call opens afresh.
 *
 * Resolved URLs carry passwords (env: references resolved): they are map keys only; errors and logs
 * show them through `redactUrl`.
 */
import { ConnectionSlots, WarehouseUnavailableError } from '../destinations/connectionSlots';
import { openDestination, type OpenOptions } from '../destinations/open';
import { redactUrl, urlScheme } from '../destinations/reference';
import type { Destination } from '../destinations/types';
import { InvalidSettingsError } from '../failures/vocabulary';

export interface WarehouseLimits {
  /** Most warehouse calls at once, and so connections, per destination URL in this worker. */
  maxConnections: number;
  /** How long a call waits for a slot, and an open for the warehouse, before failing (retryable). */
  acquireTimeoutMs: number;
}

export const DEFAULT_WAREHOUSE_LIMITS: WarehouseLimits = { maxConnections: 4, acquireTimeoutMs: 60_000 };

/**
 * The worker's limits from ZS_WAREHOUSE_MAX_CONNECTIONS (1–1000, default 4) and
 * ZS_WAREHOUSE_ACQUIRE_TIMEOUT_SECONDS (default 60, at most one hour: longer would outlast the
 * activities' heartbeat and hide a dead warehouse).
 */
export function warehouseLimitsFromEnv(env: NodeJS.ProcessEnv): WarehouseLimits {
  const number = (name: string, fallback: number, check: (n: number) => boolean, expected: string): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || !check(value)) throw new InvalidSettingsError(`${name} must be ${expected} (got "${raw}")`);
    return value;
  };
  return {
    maxConnections: number(
      'ZS_WAREHOUSE_MAX_CONNECTIONS',
      DEFAULT_WAREHOUSE_LIMITS.maxConnections,
      (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
      'a whole number from 1 to 1000',
    ),
    acquireTimeoutMs:
      number(
        'ZS_WAREHOUSE_ACQUIRE_TIMEOUT_SECONDS',
        DEFAULT_WAREHOUSE_LIMITS.acquireTimeoutMs / 1000,
        (n) => n > 0 && n <= 3600,
        'seconds, more than 0 and at most 3600',
      ) * 1000,
  };
}

interface Pool {
  slots: ConnectionSlots;
  /** The shared destination, once opened; a failed open is removed so the next call retries. */
  opened?: Promise<Destination>;
}

export class WarehousePools {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(readonly limits: WarehouseLimits = DEFAULT_WAREHOUSE_LIMITS) {}

  /** The shared destination of a resolved URL, every call bounded by the URL's slots. */
  async destination(url: string): Promise<Destination> {
    const pool = this.pool(url);
    if (!pool.opened) {
      const opened = this.open(url, pool.slots, {}).then((d) => boundedDestination(d, pool.slots));
      pool.opened = opened;
      opened.catch(() => {
        if (pool.opened === opened) pool.opened = undefined; // a failed open is retried next time
      });
    }
    return pool.opened;
  }

  /**
   * A destination of its own for one run (a Snowflake session tagged for it), sharing the URL's
   * slots with every other caller: the caller closes it.
   */
  async ownDestination(url: string, options: OpenOptions): Promise<Destination> {
    const pool = this.pool(url);
    return boundedDestination(await this.open(url, pool.slots, options), pool.slots);
  }

  /** Per URL (redacted), its slots' use: what the bound held. */
  stats(): Array<{ url: string; inUse: number; waiting: number; mostInUse: number; max: number }> {
    return [...this.pools].map(([url, pool]) => ({ url: redactUrl(url), ...pool.slots.stats() }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const opened = [...this.pools.values()].flatMap((p) => (p.opened ? [p.opened] : []));
    this.pools.clear();
    await Promise.all(opened.map(async (d) => (await d.catch(() => undefined))?.close()));
  }

  private pool(url: string): Pool {
    let pool = this.pools.get(url);
    if (!pool) {
      pool = { slots: new ConnectionSlots(this.limits.maxConnections, this.limits.acquireTimeoutMs, redactUrl(url)) };
      this.pools.set(url, pool);
    }
    return pool;
  }

  /**
   * Opens within the acquisition timeout, holding a slot (opening is a connection too). An open that
   * answers after the timeout is closed at once: nobody is waiting for it any more.
   */
  private open(url: string, slots: ConnectionSlots, options: OpenOptions): Promise<Destination> {
    const { acquireTimeoutMs } = this.limits;
    const writerOptions: OpenOptions = {
      ...options,
      // Postgres: the pool is the bound; a connect that hangs fails within the timeout.
      ...(isPostgres(url) && { postgres: { poolMax: this.limits.maxConnections, connectTimeoutMs: acquireTimeoutMs } }),
    };
    return slots.run(
      () =>
        new Promise<Destination>((resolve, reject) => {
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            reject(new WarehouseUnavailableError(`Could not open destination ${redactUrl(url)} within ${acquireTimeoutMs} ms`));
          }, acquireTimeoutMs);
          openDestination(url, writerOptions).then(
            (destination) => {
              clearTimeout(timer);
              if (timedOut || this.closed) {
                void destination.close().catch(() => {});
                reject(new WarehouseUnavailableError(`The worker closed its warehouse pools while ${redactUrl(url)} was opening`));
              } else resolve(destination);
            },
            (err: unknown) => {
              clearTimeout(timer);
              reject(err);
            },
          );
        }),
    );
  }
}

function isPostgres(url: string): boolean {
  const scheme = urlScheme(url);
  return scheme === 'postgres' || scheme === 'postgresql';
}

/** The calls that talk to the warehouse (the Destination interface, and Postgres `query` for tests and status). */
const WAREHOUSE_CALLS: ReadonlySet<PropertyKey> = new Set<keyof Destination | 'query'>([
  'ensureSchema',
  'ensureTable',
  'upsert',
  'beginFullRead',
  'finishFullRead',
  'readState',
  'writeState',
  'countRows',
  'readKeys',
  'query',
]);

/**
 * The destination with every warehouse call holding one of the URL's slots. A Proxy, so the writer's
 * other members (`kind`, BigQuery's `datasetFor`, `close`) pass through unchanged and `instanceof`
 * still holds. A call runs on the writer itself, so its inner calls take no second slot.
 */
function boundedDestination(destination: Destination, slots: ConnectionSlots): Destination {
  return new Proxy(destination, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || !WAREHOUSE_CALLS.has(property)) return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => slots.run(() => Promise.resolve(method.apply(target, args)));
    },
  });
}
