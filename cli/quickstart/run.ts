/**
 * `npm start`: the whole product on one machine with embedded defaults (see quickstart.ts): Temporal,
 * Zendesk (or its emulator), a worker in this process, and one source, followed through its first cycle.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { connectClient, temporalSettings } from '../../runtime/connection';
import { createWorker } from '../../runtime/worker';
import { syncNowSignal } from '../../workflows/messages';
import type { SourceConfig } from '../../workflows/types';
import type { Client } from '@temporalio/client';
import { startOrReplaceSource, type StartOutcome } from '../sources';
import { currentStatus, reportCycle } from './cycleReport';
import { ensureTemporal, type QuickstartTemporal } from './temporal';
import { zendeskAccount } from './zendeskAccount';

export interface QuickstartOptions {
  once?: boolean;
  temporalPort: number;
  dataDir: string;
  destination?: string;
  source: string;
  tickets: number;
  emulatorPort: number;
  intervalSeconds: number;
}

export async function runQuickstart(options: QuickstartOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const destination = options.destination ?? `sqlite://${path.join(dataDir, 'warehouse')}`;

  const temporal = await ensureTemporal(dataDir, options.temporalPort);
  try {
    await syncWith(temporal, options, dataDir, destination);
  } catch (error) {
    // The dev server is a child process that outlives this one: a failed start must not leave it
    // holding its ports and the data directory's Temporal database.
    await temporal.server?.stop();
    throw error;
  }
}

async function syncWith(temporal: QuickstartTemporal, options: QuickstartOptions, dataDir: string, destination: string): Promise<void> {
  const zendesk = await zendeskAccount(options, dataDir);
  const settings = temporalSettings({ address: temporal.address });
  // The worker's JSON log lines go to a file so they do not interleave with the progress bars.
  const logFile = path.join(dataDir, 'worker.log');
  const { worker, connection, resources } = await createWorker({
    temporal: settings,
    logLevel: 'INFO',
    logDestination: pino.destination({ dest: logFile, append: true, mkdir: true, sync: false }),
  });
  const workerRun = worker.run();
  const client = await connectClient(settings);

  const config: SourceConfig = {
    name: options.source,
    credentialRef: '',
    destination,
    intervalSeconds: options.intervalSeconds,
    ...zendesk.account,
  } as SourceConfig;
  // A source left running by an earlier `npm start` (its state persists in data/temporal.sqlite)
  // is kept and asked for a cycle now when its settings are these; with other settings (real
  // credentials after a demo, another interval) it is stopped and started again with these, and
  // resumes from the cursors in the destination's state table.
  const outcome = await startOrReplaceSource(client, settings.taskQueue, config);
  const { handle } = outcome;
  const { afterCycle, pausedByOperator } = await cycleToFollow(client, options.source, outcome);
  const uiLink = temporal.uiUrl
    ? `${temporal.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows`
    : '(unknown: the Web UI of this server was not found)';
  console.log(`Source ${options.source}: workflow ${handle.workflowId} — watch it at ${uiLink}`);

  if (!pausedByOperator) await reportCycle(client, options.source, config, destination, afterCycle);
  console.log(
    `Data:       ${destination} (schema ${options.source}; e.g. sqlite3 ${path.join(dataDir, 'warehouse', `${options.source}.sqlite`)} 'select count(*) from tickets')`,
  );
  console.log(`Temporal:   ${temporal.uiUrl ?? `${temporal.address} (Web UI: unknown)`}`);
  console.log(`Status:     npm run client -- status ${options.source}`);
  console.log(`Logs:       ${logFile} (one JSON object per line)`);

  const shutdown = async () => {
    try {
      worker.shutdown(); // may already be shutting down on SIGINT (the SDK listens too)
    } catch {
      /* already stopping */
    }
    await workerRun.catch(() => {});
    await resources.close();
    await client.connection.close();
    await connection.close();
    await zendesk.close();
    await temporal.server?.stop();
  };
  if (options.once) {
    await shutdown();
    return;
  }
  console.log(`\nSyncing every ${options.intervalSeconds} s; Ctrl-C to stop (the source resumes on the next npm start).`);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping (the worker finishes its current page)...');
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        // A failed shutdown must still end the process, and say why, rather than hang on Ctrl-C.
        console.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await workerRun;
}

/**
 * Which cycle this invocation follows: the next one of a source started now, or of one already
 * running with these settings (asked for a cycle at once, unless an operator paused it).
 */
async function cycleToFollow(
  client: Client,
  source: string,
  outcome: StartOutcome,
): Promise<{ afterCycle: number; pausedByOperator: boolean }> {
  const { handle } = outcome;
  let afterCycle = 0;
  let pausedByOperator = false;
  if (outcome.kind === 'reused') {
    const current = await currentStatus(client, source);
    afterCycle = current.cycle;
    // A pause is an operator's decision: the quick start does not undo it, and no cycle will come.
    pausedByOperator = current.paused;
    if (pausedByOperator) {
      console.log(`Source ${source} is paused: no cycle runs until \`npm run client -- resume ${source}\`.`);
    } else {
      await handle.signal(syncNowSignal);
      console.log(`Source ${source} was already running with these settings: a cycle starts now.`);
    }
  } else if (outcome.kind === 'replaced') {
    console.log(
      `Source ${source} was running with other settings (${outcome.changed.join(', ')}): stopped it and started it again with these; it resumes from the warehouse's cursors.`,
    );
  }
  return { afterCycle, pausedByOperator };
}
