// An activity waiting for the account's rate budget is alive: it keeps heartbeating, so Temporal does
// not time it out and retry it in a loop (a learned low limit once made every attempt wait longer
// than the heartbeat timeout, and no attempt ever reached Zendesk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import type { SourceConfig } from '../../workflows/types';
import { rateBudgetFor } from '../../zendesk';
import { startEmulator } from '../../emulator';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';
import { saveAdminCredential } from '../../harness/emulatorCredential';

/** Polls `ready` (a condition, not a delay); fails early if the stream ended first. */
async function until(what: string, ready: () => boolean, stream: { settled: boolean }, timeoutMs = CONDITION_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (stream.settled) throw new Error(`the stream ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('heartbeats continue while a stream waits for the rate budget', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, tickets: 2500, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-keepalive-'));
  const resources = new WorkerResources();
  const abort = new AbortController(); // ends a stream left waiting when an assertion fails
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    // One export request per hour-long window: the stream's second page waits for the budget until
    // the test raises the cap, so the wait lasts as long as the test needs, at any machine speed.
    const config: SourceConfig = {
      name: 'alive',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
      lookbackDays: 3650,
      rate: { exportPerMinute: 1, corePerMinute: 1000, windowMs: 3_600_000 },
    };
    const session = await resources.session(config);
    const budget = rateBudgetFor(WorkerResources.accountKey(config));
    const beats: SyncHeartbeat[] = [];
    /** Keep-alive beats repeat the last beat's details object; a committed page brings new details. */
    let repeats = 0;
    const stream = { settled: false };
    const running = runSyncStream(
      { config, stream: 'tickets', cursor: null, mode: 'incremental', runTag: 'test' },
      {
        destination: await resources.destination(config.destination),
        session,
        heartbeat: (details) => {
          if (beats.length > 0 && beats.at(-1) === details) repeats++;
          beats.push(details);
        },
        signal: abort.signal,
        log: () => {},
        keepAliveMs: 100,
      },
    ).finally(() => (stream.settled = true));

    await until('a page waiting for the export budget', () => budget.snapshot().export.waiting > 0, stream);
    const repeatsWhenParked = repeats;
    // Nothing frees the slot but the test: every beat from here on comes while the stream waits.
    await until('three keep-alive heartbeats during the wait', () => repeats >= repeatsWhenParked + 3, stream);
    assert.ok(budget.snapshot().export.waiting > 0, 'still waiting for the budget');
    budget.update({ exportPerMinute: 1000 });

    const result = await running;
    assert.ok(result.pages >= 3, `pages: ${result.pages}`);
    // Keep-alive beats repeat the last committed position: never one that would lose progress.
    let seq = 0;
    for (const details of beats) {
      assert.ok((details.cursor?.seq ?? 0) >= seq, 'heartbeat cursors never go back');
      seq = details.cursor?.seq ?? 0;
    }
  } finally {
    abort.abort(new Error('test over'));
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
