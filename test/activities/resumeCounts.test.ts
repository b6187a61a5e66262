// After a crash, a retry resumes from the newest cursor (heartbeat, input or state table) and must
// count from the same copy: the heartbeat the server kept can be pages behind the state table
// (heartbeats are throttled; a worker can die between the state write and the heartbeat).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections } from '../../catalog/collections';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import { openDestination } from '../../destinations/open';
import { startEmulator } from '../../emulator';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

test('a retry whose heartbeat lags the state table counts every committed page, from the copy it resumes from', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, tickets: 2300, historyDays: 300, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-counts-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const destination = `sqlite://${path.join(tmp, 'wh')}`;
    const allOff = Object.fromEntries(collections.map((c) => [c.name, c.name === 'tickets']));
    const run = async (name: string, control: { owner?: string; abortAfterPages?: number; previousHeartbeat?: SyncHeartbeat }) => {
      const config: SourceConfig = {
        name,
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination,
        collections: allOff,
        rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      };
      const abort = new AbortController();
      const beats: SyncHeartbeat[] = [];
      const result = await runSyncStream(
        { config, stream: 'tickets', cursor: null, mode: 'incremental', runTag: name },
        {
          destination: await resources.destination(destination),
          session: await resources.session(config),
          heartbeat: (details) => {
            beats.push(details);
            if (control.abortAfterPages !== undefined && details.pages >= control.abortAfterPages) abort.abort();
          },
          previousHeartbeat: control.previousHeartbeat,
          progressOwner: control.owner,
          signal: abort.signal,
          log: () => {},
        },
      ).catch((err: unknown) => err);
      return { result, beats };
    };

    const clean = (await run('clean', { owner: 'run-a/sync tickets' })).result as StreamResult;
    assert.ok(clean.pages >= 3, `pages: ${clean.pages}`);

    // Attempt 1 commits two pages; the server only kept the heartbeat of the first.
    const cut = await run('resumed', { owner: 'run-b/sync tickets', abortAfterPages: 2 });
    assert.ok(cut.result instanceof Error, 'attempt 1 was cut off');
    const keptByServer = cut.beats.find((b) => b.pages === 1)!;
    const retried = await run('resumed', { owner: 'run-b/sync tickets', previousHeartbeat: keptByServer });
    assert.ok(!(retried.result instanceof Error), String(retried.result));
    const resumed = retried.result as StreamResult;
    assert.equal(resumed.pages, clean.pages, 'pages of both attempts');
    assert.equal(resumed.rows, clean.rows);
    assert.deepEqual(resumed.rowsByTable, clean.rowsByTable);
    assert.ok(resumed.requests >= clean.pages, `requests ${resumed.requests}`);
    const warehouse = await openDestination(destination);
    try {
      assert.equal(resumed.rowsByTable.tickets, await warehouse.countRows('resumed', 'tickets'));
    } finally {
      await warehouse.close();
    }

    // Counts another activity (an earlier cycle) wrote with its cursor are not this activity's.
    const nextCycle = (
      await run('resumed', { owner: 'run-c/sync tickets', previousHeartbeat: { stream: 'tickets', cursor: null, pages: 0, rows: 0 } })
    ).result as StreamResult;
    assert.ok(!(nextCycle instanceof Error), String(nextCycle));
    assert.ok(
      nextCycle.pages <= 1 && nextCycle.rows < clean.rows,
      `a later cycle counts only its own pages: ${nextCycle.pages} pages, ${nextCycle.rows} rows`,
    );
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
