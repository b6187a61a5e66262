// An activity waiting for the account's rate budget is alive: it keeps heartbeating, so Temporal does
// not time it out and retry it in a loop (a learned low limit once made every attempt wait longer
// than the heartbeat timeout, and no attempt ever reached Zendesk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { saveCredential } from '../../credentials/store';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import type { SourceConfig } from '../../workflows/types';
import { startEmulator } from '../../emulator';
import { SMALL_ACCOUNT } from '../support/stack';

test('heartbeats continue while a stream waits for the rate budget', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, tickets: 2500, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-keepalive-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = `file:${path.join(tmp, 'admin.json')}`;
    await saveCredential(credentialRef, { type: 'api_token', email: emulator.credentials.admin.email, token: emulator.credentials.admin.apiToken });
    // One export request per 1.5 s window: each page after the first waits for the budget.
    const config: SourceConfig = { name: 'alive', baseUrl: emulator.baseUrl, credentialRef, destination: `sqlite://${path.join(tmp, 'wh')}`, lookbackDays: 3650, rate: { exportPerMinute: 1, corePerMinute: 1000, windowMs: 1500 } };
    const beats: Array<{ at: number; details: SyncHeartbeat }> = [];
    const started = Date.now();
    const result = await runSyncStream(
      { config, stream: 'tickets', cursor: null, mode: 'incremental', runTag: 'test' },
      {
        destination: await resources.destination(config.destination),
        session: await resources.session(config),
        heartbeat: (details) => beats.push({ at: Date.now(), details }),
        signal: new AbortController().signal,
        log: () => {},
        keepAliveMs: 100,
      },
    );
    assert.ok(result.pages >= 3, `pages: ${result.pages}`);
    assert.ok(Date.now() - started > 2500, 'the stream waited for its budget');
    let longestGap = beats[0]!.at - started;
    for (let i = 1; i < beats.length; i++) longestGap = Math.max(longestGap, beats[i]!.at - beats[i - 1]!.at);
    assert.ok(longestGap < 1000, `longest time without a heartbeat: ${longestGap} ms`);
    // Keep-alive beats repeat the last committed position: never one that would lose progress.
    let seq = 0;
    for (const { details } of beats) {
      assert.ok((details.cursor?.seq ?? 0) >= seq, 'heartbeat cursors never go back');
      seq = details.cursor?.seq ?? 0;
    }
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
