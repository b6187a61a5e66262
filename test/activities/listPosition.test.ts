// A list read in full, stopped after two committed pages, started again as a new execution of the
// same activity (its account moved to another worker: no heartbeat details) resumes after its last
// committed page, counts every page, and still settles deletions. Another run reads from page one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { collections } from '../../catalog/collections';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import { startEmulator } from '../../emulator';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

test('a list started again on another worker resumes from its last committed page', async () => {
  const emulator = await startEmulator({ ...SMALL_ACCOUNT, activities: 450, rateLimits: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-listpos-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const destination = `sqlite://${path.join(tmp, 'wh')}`;
    const config: SourceConfig = {
      name: 'listpos',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination,
      collections: Object.fromEntries(collections.map((c) => [c.name, c.name === 'activities'])),
      rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      // Every cycle a full read (activities also take a time filter between reconciliations: listReads.ts).
      reconcileEveryHours: 0,
    };
    const listRequests = () => emulator.requestLog.entries('/api/v2/activities').length;
    const run = async (owner: string, abortAfterPages?: number) => {
      const abort = new AbortController();
      const result = await runSyncStream(
        { config, stream: 'activities', cursor: null, mode: 'incremental', runTag: owner },
        {
          destination: await resources.destination(destination),
          session: await resources.session(config),
          heartbeat: (details: SyncHeartbeat) => {
            if (abortAfterPages !== undefined && details.pages >= abortAfterPages) abort.abort();
          },
          progressOwner: owner,
          signal: abort.signal,
          log: () => {},
        },
      ).catch((err: unknown) => err);
      return result;
    };

    // The first execution commits two pages and is stopped (its worker shut down).
    const stopped = await run('run-1/sync activities', 2);
    assert.ok(!(stopped && typeof stopped === 'object' && 'pages' in stopped), 'the first execution was cut short');
    const afterFirst = listRequests();
    assert.ok(afterFirst <= 3, `first execution: ${afterFirst} requests`);

    // A new execution of the same activity, without heartbeat details: pages 3 to 5 only.
    const resumed = (await run('run-1/sync activities')) as StreamResult;
    assert.equal(resumed.pages, 5, 'every page counted, the first execution’s included');
    assert.equal(resumed.rowsByTable.activities, 450);
    assert.equal(listRequests() - afterFirst, 3, 'resumed after the last committed page');
    assert.ok(resumed.deletedByTable, 'the full read continued, so it settles deletions');
    assert.equal(await (await resources.destination(destination)).countRows('listpos', 'activities'), 450);

    // The next cycle (another run) reads the list from its first page.
    const before = listRequests();
    const next = (await run('run-2/sync activities')) as StreamResult;
    assert.equal(next.pages, 5);
    assert.equal(listRequests() - before, 5);
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
