import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WorkerResources } from '../../activities/resources';
import { createAppMetrics } from '../../runtime/metrics';
import type { StreamResult, SyncActivities, SyncStreamInput } from '../../workflows/types';

test('app metrics: requests, 429s, retries, rows per collection, last success, lag, warehouse connections; served on /metrics', async () => {
  const metrics = createAppMetrics();
  const resources = new WorkerResources();
  metrics.observe(resources);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-metrics-'));
  const warehouse = `sqlite://${path.join(tmp, 'wh')}`;
  await (await resources.destination(warehouse)).readState('acme', 'probe');
  for (const l of resources.requestListeners) {
    l({ source: 'acme', path: '/api/v2/groups.json', status: 200, attempts: 1 });
    l({ source: 'acme', path: '/api/v2/incremental/tickets/cursor.json', status: 429, attempts: 3 });
  }
  const result = {
    stream: 'tickets',
    rowsByTable: { tickets: 7, ticket_metrics: 5 },
    rows: 12,
    syncedThrough: Math.floor(Date.now() / 1000) - 3600,
  } as unknown as StreamResult;
  const activities = metrics.instrument({
    checkSource: async () => ({}) as never,
    syncStream: async () => result,
  } as unknown as SyncActivities);
  await activities.syncStream({ config: { name: 'acme' }, stream: 'tickets' } as SyncStreamInput);
  const server = await metrics.serve('127.0.0.1:0');
  try {
    const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
    assert.match(text, /zendesk_sync_requests_total\{source="acme",status="429"\} 3/);
    assert.match(text, /zendesk_sync_rate_limited_total\{source="acme"\} 1/);
    assert.match(text, /zendesk_sync_retries_total\{source="acme"\} 2/);
    assert.match(text, /zendesk_sync_rows_total\{source="acme",collection="ticket_metrics"\} 5/);
    assert.match(text, /zendesk_sync_last_success_timestamp_seconds\{source="acme",stream="tickets"\} \d/);
    // Lag = now − synced-through, for every enabled table the stream feeds.
    for (const collection of ['tickets', 'ticket_metrics']) {
      const lag = Number(new RegExp(`zendesk_sync_lag_seconds\\{source="acme",collection="${collection}"\\} ([\\d.]+)`).exec(text)?.[1]);
      assert.ok(lag >= 3600 && lag < 3700, `lag of ${collection}: ${lag}`);
    }
    // The one warehouse, idle: no call in progress, none waiting.
    assert.ok(text.includes(`zendesk_sync_warehouse_connections_in_use{warehouse="${warehouse}"} 0`), text);
    assert.ok(text.includes(`zendesk_sync_warehouse_calls_waiting{warehouse="${warehouse}"} 0`));
  } finally {
    server.close();
    await resources.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
