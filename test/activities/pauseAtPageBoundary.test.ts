// A pause or stop reaches a stream activity as its cancellation signal. The activity fetches one page
// ahead, so when the signal fires during a commit the next page is often already here: it must not
// be committed after the pause (the README promises a stop at the next page boundary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { openDestination } from '../../destinations/open';
import type { Destination } from '../../destinations/types';
import { HEARTBEAT_CADENCE_MS, runSyncStream, type SyncHeartbeat } from '../../activities/syncStream';
import type { AccountSession } from '../../activities/resources';
import type { PageResult } from '../../zendesk';
import type { SourceConfig } from '../../workflows/types';
import { HEARTBEAT_WORKER_OPTIONS } from '../../runtime/worker';

/** Three pages of groups, each handed out at once (as a prefetched page would be). */
function threePageSession(): AccountSession & { pagesHandedOut: () => number } {
  let handedOut = 0;
  const page = (n: number): PageResult => ({
    records: [{ id: n, name: `group ${n}`, deleted: false, created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' }],
    page: {},
    resumeCursor: { next: `page-${n + 1}` } as never,
    done: n === 3,
  });
  return {
    paginate: () => ({
      [Symbol.asyncIterator]() {
        return {
          async next() {
            if (handedOut === 3) return { done: true, value: undefined };
            handedOut += 1;
            return { done: false, value: page(handedOut) };
          },
          async return() {
            return { done: true, value: undefined };
          },
        } as AsyncIterator<PageResult>;
      },
    }),
    listAll: async () => [],
    checkCredentials: async () => ({}) as never,
    requestCount: () => handedOut,
    forbiddenReason: () => undefined,
    warnings: () => [],
    pagesHandedOut: () => handedOut,
  };
}

test('a cancellation during a page commit stops before the next page, even one already fetched', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-pause-boundary-'));
  const real = await openDestination(`sqlite://${path.join(tmp, 'wh')}`);
  try {
    const config: SourceConfig = {
      name: 'paused',
      baseUrl: 'http://127.0.0.1:1',
      credentialRef: 'env:UNUSED',
      destination: 'sqlite://unused',
    };
    const cancellation = new AbortController();
    const committedPages: number[] = [];
    // The pause arrives while page 1 is being committed; by then page 2 has been fetched ahead.
    const destination: Destination = Object.create(real);
    destination.upsert = async (schema, batches) => {
      const written = await real.upsert(schema, batches);
      committedPages.push(committedPages.length + 1);
      if (committedPages.length === 1) cancellation.abort(new Error('paused'));
      return written;
    };
    const session = threePageSession();
    const beats: SyncHeartbeat[] = [];
    await assert.rejects(
      runSyncStream(
        { config, stream: 'groups', cursor: null, mode: 'incremental', runTag: 'test' },
        { destination, session, heartbeat: (d) => beats.push(d), signal: cancellation.signal, log: () => {} },
      ),
      /paused/,
    );
    assert.ok(session.pagesHandedOut() >= 2, 'page 2 was fetched ahead before the activity noticed the pause');
    assert.deepEqual(committedPages, [1], 'only the page whose commit was under way is committed');
    assert.equal(await real.countRows('paused', 'groups'), 1);
    // The committed page's progress was still recorded, so a resume starts after it.
    assert.equal(beats.at(-1)?.pages, 1);
  } finally {
    await real.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('heartbeats are sent often enough for a pause to reach a stream within the stated bound', () => {
  // The keep-alive heartbeat and the worker's heartbeat throttle both use the cadence, so a pause is
  // answered to the next heartbeat that reaches Temporal: at most about two cadences after it.
  assert.ok(HEARTBEAT_CADENCE_MS <= 2000);
  assert.equal(HEARTBEAT_WORKER_OPTIONS.maxHeartbeatThrottleInterval, HEARTBEAT_CADENCE_MS);
  assert.equal(HEARTBEAT_WORKER_OPTIONS.defaultHeartbeatThrottleInterval, HEARTBEAT_CADENCE_MS);
});
