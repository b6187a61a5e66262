/**
 * Helpers of the warehouse-pool tests: a source's cycle with every stream at once (as a worker runs
 * a cycle's streams in parallel), and destinations that hold their calls until a gate opens, so a
 * "slow" or "hanging" warehouse is a promise the test resolves, never a sleep.
 */
import { runSyncStream } from '../../activities/syncStream';
import type { WorkerResources } from '../../activities/resources';
import { openDestination, registerDestinationScheme } from '../../destinations/open';
import type { Destination } from '../../destinations/types';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig, StreamResult } from '../../workflows/types';

/** Every enabled stream of the source at once, each through the worker's resources (as the activity does). */
export async function cycleInParallel(resources: WorkerResources, config: SourceConfig): Promise<Record<string, StreamResult>> {
  const streams = enabledStreams(config);
  const results = await Promise.all(
    streams.map(async (stream) => {
      const { destination, release } = await resources.destinationForRun(config.destination, { source: config.name, run: 'test' });
      try {
        return await runSyncStream(
          { config, stream, cursor: null, mode: 'incremental', runTag: 'test' },
          {
            destination,
            session: await resources.session(config),
            heartbeat: () => {},
            signal: new AbortController().signal,
            log: () => {},
          },
        );
      } finally {
        await release();
      }
    }),
  );
  return Object.fromEntries(streams.map((stream, i) => [stream, results[i]!]));
}

export interface Gate {
  /** Resolves when the first caller reached the gate (the warehouse is now "hanging" on someone). */
  reached: Promise<void>;
  /** What a held call awaits. */
  wait(): Promise<void>;
  open(): void;
  isOpen(): boolean;
}

export function gate(): Gate {
  let release!: () => void;
  let reach!: () => void;
  let opened = false;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return {
    reached,
    wait: () => {
      reach();
      return released;
    },
    open: () => {
      opened = true;
      release();
    },
    isOpen: () => opened,
  };
}

/**
 * Registers `scheme://` as a SQLite warehouse (the directory after the scheme) whose open waits at
 * `opening` and whose every call waits at `calls`, when given. `opens` counts the factory's calls.
 */
export function registerGatedScheme(scheme: string, gates: { opening?: Gate; calls?: Gate }): { opens: () => number } {
  let opens = 0;
  registerDestinationScheme(scheme, async (url) => {
    opens++;
    if (gates.opening) await gates.opening.wait();
    const inner = await openDestination(`sqlite://${url.slice(`${scheme}://`.length)}`);
    const calls = gates.calls;
    if (!calls) return inner;
    const held =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await calls.wait();
        return call(...args);
      };
    const gated: Destination = {
      kind: inner.kind,
      ensureSchema: held((schema) => inner.ensureSchema(schema)),
      ensureTable: held((schema, table) => inner.ensureTable(schema, table)),
      upsert: held((schema, batches, options) => inner.upsert(schema, batches, options)),
      beginFullRead: held((schema, tables, readId) => inner.beginFullRead(schema, tables, readId)),
      finishFullRead: held((schema, table, readId) => inner.finishFullRead(schema, table, readId)),
      readState: held((source, key) => inner.readState(source, key)),
      writeState: held((source, key, value) => inner.writeState(source, key, value)),
      countRows: held((schema, table, except) => inner.countRows(schema, table, except)),
      readKeys: held((schema, table, column) => inner.readKeys(schema, table, column)),
      close: () => inner.close(),
    };
    return gated;
  });
  return { opens: () => opens };
}

/** Registers `scheme://` as a warehouse that refuses every open (a warehouse that is down). */
export function registerFailingScheme(scheme: string): { opens: () => number } {
  let opens = 0;
  registerDestinationScheme(scheme, async () => {
    opens++;
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:1') as Error & { code: string };
    refused.code = 'ECONNREFUSED';
    throw refused;
  });
  return { opens: () => opens };
}
