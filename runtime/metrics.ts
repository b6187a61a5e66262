/**
 * zendesk-sync's own Prometheus metrics (prom-client), per source and collection, served on
 * ZS_APP_METRICS_ADDRESS (host:port, path /metrics) — separate from the Temporal SDK metrics on
 * ZS_METRICS_ADDRESS. No label ever carries a secret: source name, stream/table, status code.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { WorkerResources } from '../activities/resources';
import { collectionsOfStream } from '../catalog/collections';
import { isCollectionEnabled } from '../workflows/collectionSelection';
import type { StreamResult, SyncActivities, SyncStreamInput } from '../workflows/types';

export interface AppMetrics {
  registry: Registry;
  /** Counts every Zendesk request of `resources` (requests, 429s, retries) and reports its warehouses' connections. */
  observe(resources: WorkerResources): void;
  /** Wraps the activities to count rows and record the last successful sync per stream. */
  instrument(activities: SyncActivities): SyncActivities;
  serve(address: string): Promise<Server>;
}

export function createAppMetrics(): AppMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'zendesk_sync_requests_total',
    help: 'Zendesk HTTP requests (attempts), by source and status',
    labelNames: ['source', 'status'],
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'zendesk_sync_rate_limited_total',
    help: 'Zendesk 429 responses, by source',
    labelNames: ['source'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'zendesk_sync_retries_total',
    help: 'Zendesk request retries (attempts beyond the first), by source',
    labelNames: ['source'],
    registers: [registry],
  });
  const rows = new Counter({
    name: 'zendesk_sync_rows_total',
    help: 'Rows written, by source and collection (table)',
    labelNames: ['source', 'collection'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'zendesk_sync_stream_failures_total',
    help: 'Failed stream activity attempts, by source and stream',
    labelNames: ['source', 'stream'],
    registers: [registry],
  });
  // Lag per collection: now minus the time up to which its changes are in the warehouse (the
  // oldest cursor of the source is the largest lag). Computed when scraped, so it grows between runs.
  const syncedThrough = new Map<string, { source: string; collection: string; at: number }>();
  const syncedThroughGauge = new Gauge({
    name: 'zendesk_sync_synced_through_timestamp_seconds',
    help: "Time up to which a collection's changes are in the warehouse, by source and collection",
    labelNames: ['source', 'collection'],
    registers: [registry],
  });
  new Gauge({
    name: 'zendesk_sync_lag_seconds',
    help: "Now minus the time up to which a collection's changes are in the warehouse (known after its first run on this worker), by source and collection",
    labelNames: ['source', 'collection'],
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now() / 1000;
      for (const s of syncedThrough.values()) this.set({ source: s.source, collection: s.collection }, Math.max(0, now - s.at));
    },
  });
  const lastSuccess = new Gauge({
    name: 'zendesk_sync_last_success_timestamp_seconds',
    help: 'End of the last successful stream run (lag = time() - this), by source and stream',
    labelNames: ['source', 'stream'],
    registers: [registry],
  });
  // Per warehouse URL (password and query left out), the connection slots in use and the calls
  // waiting for one: a warehouse whose calls wait is slow or down (see activities/warehousePools.ts).
  const observed: WorkerResources[] = [];
  const eachWarehouse = (gauge: Gauge<'warehouse'>, value: (p: { inUse: number; waiting: number }) => number) => {
    gauge.reset();
    for (const resources of observed) {
      for (const pool of resources.warehouses.stats()) gauge.set({ warehouse: pool.url.split('?')[0]! }, value(pool));
    }
  };
  new Gauge({
    name: 'zendesk_sync_warehouse_connections_in_use',
    help: 'Warehouse calls in progress (each on one connection), by warehouse URL; at most ZS_WAREHOUSE_MAX_CONNECTIONS',
    labelNames: ['warehouse'],
    registers: [registry],
    collect() {
      eachWarehouse(this, (p) => p.inUse);
    },
  });
  new Gauge({
    name: 'zendesk_sync_warehouse_calls_waiting',
    help: 'Warehouse calls waiting for a free connection, by warehouse URL',
    labelNames: ['warehouse'],
    registers: [registry],
    collect() {
      eachWarehouse(this, (p) => p.waiting);
    },
  });
  return {
    registry,
    observe(resources) {
      observed.push(resources);
      resources.requestListeners.push((e) => {
        requests.inc({ source: e.source, status: e.status === undefined ? 'error' : String(e.status) }, Math.max(1, e.attempts));
        if (e.status === 429) throttled.inc({ source: e.source });
        if (e.attempts > 1) retries.inc({ source: e.source }, e.attempts - 1);
      });
    },
    instrument(activities) {
      return {
        ...activities,
        async syncStream(input: SyncStreamInput): Promise<StreamResult> {
          try {
            const result = await activities.syncStream(input);
            for (const [table, n] of Object.entries(result.rowsByTable)) rows.inc({ source: input.config.name, collection: table }, n);
            if (!result.skipped) lastSuccess.set({ source: input.config.name, stream: input.stream }, Date.now() / 1000);
            if (result.syncedThrough !== undefined) {
              for (const c of collectionsOfStream(input.stream)) {
                if (!isCollectionEnabled(input.config, c.name)) continue;
                const key = `${input.config.name}|${c.name}`;
                // Runs of one stream can overlap (a retry racing a slow attempt): never move back.
                const at = Math.max(syncedThrough.get(key)?.at ?? 0, result.syncedThrough);
                syncedThrough.set(key, { source: input.config.name, collection: c.name, at });
                syncedThroughGauge.set({ source: input.config.name, collection: c.name }, at);
              }
            }
            return result;
          } catch (err) {
            failures.inc({ source: input.config.name, stream: input.stream });
            throw err;
          }
        },
      };
    },
    serve(address) {
      const [host, port] = address.includes(':')
        ? [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
        : ['127.0.0.1', Number(address)];
      const server = createServer((req, res) => {
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      });
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      });
    },
  };
}
