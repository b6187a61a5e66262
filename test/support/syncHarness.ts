/**
 * The stream-level sync harness of the collection-group tests (test/sync/*): the emulator, the
 * worker's resources and the sync activity run in this process, without Temporal, into SQLite,
 * Postgres or Snowflake (fakesnow, started on first use), and what landed is compared with the
 * emulator's ground truth by the reader of that warehouse (the shared reader for SQLite/Postgres,
 * Python's Snowflake connector for fakesnow).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { collections } from '../../catalog/collections';
import { WorkerResources, type WorkerResourcesOptions } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig, StreamResult } from '../../workflows/types';
import { startEmulator, type Emulator, type EmulatorOptions, type GroundTruth } from '../../emulator';
import { startSnowflakeEmulator, type SnowflakeEmulator } from '../../harness/snowflake/emulator';
import { assertSnowflakeMatchesTruth } from '../destinations/snowflake/landed-vs-truth';
import { assertWarehouseMatches } from '../../harness/stack';
import { saveAdminCredential } from '../../harness/emulatorCredential';

export const DESTINATION_KINDS = ['sqlite', 'postgres', 'snowflake'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** The database fakesnow holds the synced schemas in. */
const SNOWFLAKE_DATABASE = 'zs_test';

export interface StreamRun {
  result: StreamResult;
  /** Requests the emulator logged while the stream ran. */
  logged: number;
}

export interface SyncHarness {
  emulator: Emulator;
  resources: WorkerResources;
  tmp: string;
  credentialRef: string;
  /** A source of its own (a fresh schema) with only `tables` enabled, landing in `kind`. */
  sourceFor(kind: DestinationKind, name: string, tables: string[]): Promise<SourceConfig>;
  /** One cycle: every enabled stream in catalog order, from its saved cursor. */
  cycle(config: SourceConfig): Promise<Record<string, StreamRun>>;
  /** Asserts that the source's tables hold exactly `truth` (none missing, none extra, none stale). */
  assertLanded(config: SourceConfig, truth: GroundTruth): Promise<void>;
  close(): Promise<void>;
}

export async function startSyncHarness(
  options: { emulator?: EmulatorOptions; warehouse?: WorkerResourcesOptions['warehouse'] } = {},
): Promise<SyncHarness> {
  const emulator = await startEmulator({ rateLimits: false, plan: 'enterprise', ...options.emulator });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-sync-'));
  const credentialRef = await saveAdminCredential(emulator, tmp);
  const resources = new WorkerResources({ warehouse: options.warehouse });
  let snowflake: Promise<SnowflakeEmulator> | undefined;
  const pgUrl = process.env.ZS_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';

  const destinationUrl = async (kind: DestinationKind): Promise<string> => {
    if (kind === 'sqlite') return `sqlite://${path.join(tmp, 'wh')}`;
    if (kind === 'postgres') return pgUrl;
    snowflake ??= startSnowflakeEmulator().then((s) => {
      process.env.ZS_SNOWFLAKE_PASSWORD = s.settings().password; // fakesnow accepts any password
      return s;
    });
    return (await snowflake).url(SNOWFLAKE_DATABASE);
  };

  return {
    emulator,
    resources,
    tmp,
    credentialRef,
    async sourceFor(kind, name, tables) {
      const unknown = tables.filter((t) => !collections.some((c) => c.name === t));
      assert.deepEqual(unknown, [], 'tables the catalog does not know');
      return {
        name: `${name}_${randomBytes(3).toString('hex')}`,
        baseUrl: emulator.baseUrl,
        credentialRef,
        destination: await destinationUrl(kind),
        collections: Object.fromEntries(collections.map((c) => [c.name, tables.includes(c.name)])),
        rate: { corePerMinute: 1e5, exportPerMinute: 1e5 },
      };
    },
    async cycle(config) {
      const out: Record<string, StreamRun> = {};
      for (const stream of enabledStreams(config)) {
        const before = emulator.requestLog.size;
        const result = await runSyncStream(
          { config, stream, cursor: null, mode: 'incremental', runTag: 'test' },
          {
            destination: await resources.destination(config.destination),
            session: await resources.session(config),
            heartbeat: () => {},
            signal: new AbortController().signal,
            log: () => {},
          },
        );
        out[stream] = { result, logged: emulator.requestLog.size - before };
      }
      return out;
    },
    async assertLanded(config, truth) {
      if (config.destination.startsWith('snowflake://')) {
        const { fakesnow } = await snowflake!;
        await assertSnowflakeMatchesTruth({ port: fakesnow.port, database: SNOWFLAKE_DATABASE }, config.name, truth);
      } else {
        await assertWarehouseMatches(config.destination, config.name, truth);
      }
    },
    async close() {
      await resources.close();
      await emulator.close();
      await (await snowflake?.catch(() => undefined))?.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
