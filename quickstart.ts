/**
 * `npm start`: the whole product on one machine with embedded defaults.
 *
 * Brings up a Temporal dev server with its Web UI (unless one already answers), the Zendesk emulator
 * (unless real credentials are in the environment), a worker, and a source writing into SQLite under
 * ./data/; shows the first sync's progress, prints rows per table, then keeps syncing every three
 * hours until Ctrl-C. `--once` exits after the first cycle.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { collections } from './catalog/collections';
import { saveCredential } from './credentials/store';
import { openDestination } from './destinations/open';
import { connectClient, temporalSettings } from './orchestration/connection';
import { isListening, startDevServer, type DevServer } from './orchestration/devServer';
import { Progress } from './orchestration/progress';
import { liveProgress, querySourceStatus, startSource } from './orchestration/sources';
import { createWorker } from './orchestration/worker';
import pino from 'pino';
import { syncNowSignal } from './workflows/messages';
import { enabledStreams } from './workflows/plan';
import type { SourceConfig, SourceStatus } from './workflows/types';
import { formatTable } from './orchestration/table';

interface QuickstartOptions {
  once?: boolean;
  dataDir: string;
  destination?: string;
  source: string;
  tickets: number;
  emulatorPort: number;
  intervalSeconds: number;
}

const program = new Command()
  .name('npm start --')
  .description('Run zendesk-sync end to end on embedded defaults (Temporal dev server, emulator, SQLite).')
  .option('--once', 'exit after the first sync cycle')
  .option('--data-dir <dir>', 'where SQLite files, the Temporal database and credentials go', './data')
  .option('--destination <url>', 'warehouse URL (default sqlite://<data-dir>/warehouse)')
  .option('--source <name>', 'source name = warehouse schema', 'zendesk_demo')
  .option('--tickets <n>', 'emulator account size in tickets', Number, 5000)
  .option('--emulator-port <port>', 'emulator port (fixed so a restarted demo finds the same URL)', Number, 8484)
  .option('--interval-seconds <n>', 'seconds between cycles', Number, 10800);

async function ensureTemporal(dataDir: string): Promise<{ address: string; uiUrl: string; server?: DevServer }> {
  const settings = temporalSettings();
  const [host, portText] = settings.address.split(':');
  const port = Number(portText);
  if (await isListening(port, host === 'localhost' ? '127.0.0.1' : host)) {
    return { address: settings.address, uiUrl: `http://${host}:${port + 1000}` };
  }
  if (process.env.TEMPORAL_ADDRESS) throw new Error(`TEMPORAL_ADDRESS=${settings.address} does not answer`);
  console.log('Starting a Temporal dev server (state in', path.join(dataDir, 'temporal.sqlite'), ')...');
  const server = await startDevServer({ port: 7233, uiPort: 8233, dbFilename: path.join(dataDir, 'temporal.sqlite') });
  return { address: server.address, uiUrl: server.uiUrl!, server };
}

/** Real credentials from the environment, or the emulator. */
async function zendeskAccount(options: QuickstartOptions, dataDir: string) {
  const subdomain = process.env.ZENDESK_SUBDOMAIN;
  if (subdomain && (process.env.ZENDESK_ACCESS_TOKEN || (process.env.ZENDESK_EMAIL && process.env.ZENDESK_API_TOKEN))) {
    console.log(`Syncing the real Zendesk account ${subdomain}.zendesk.com (credentials from ZENDESK_*).`);
    return { account: { subdomain, credentialRef: 'env:ZENDESK' } as Partial<SourceConfig>, close: async () => {} };
  }
  const { startEmulator } = await import('./emulator');
  // A compressed "minute" keeps Zendesk's limits visible (10 exports per window) without a long wait.
  const minuteMs = 3000;
  const emulator = await startEmulator({
    port: options.emulatorPort,
    seed: 1,
    tickets: options.tickets,
    rateLimits: { minuteMs },
  });
  const credentialFile = path.join(dataDir, 'credentials', `${options.source}.json`);
  await saveCredential(`file:${credentialFile}`, {
    type: 'api_token',
    email: emulator.credentials.admin.email,
    token: emulator.credentials.admin.apiToken,
  });
  console.log(`Zendesk emulator at ${emulator.baseUrl} (${options.tickets} tickets); credential in ${credentialFile}`);
  return {
    account: {
      baseUrl: emulator.baseUrl,
      credentialRef: `file:${credentialFile}`,
      rate: { windowMs: minuteMs },
    } as Partial<SourceConfig>,
    close: () => emulator.close(),
  };
}

async function waitForCycle(client: Client, source: string, afterCycle: number, progress: Progress): Promise<SourceStatus> {
  for (;;) {
    const status = await querySourceStatus(client, source).catch((err) => {
      if (process.env.ZS_DEBUG) console.error('status query failed:', err);
      return undefined;
    });
    if (process.env.ZS_DEBUG) console.error('status', status?.cycle, status?.state, afterCycle);
    if (status) {
      const live = await liveProgress(client, source).catch(() => ({}));
      progress.update(status, live);
      const finished = status.cycle > afterCycle && (status.state === 'idle' || status.state === 'credentials_invalid' || status.state === 'paused');
      if (finished) return status;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const options = program.parse(process.argv).opts<QuickstartOptions>();
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const destination = options.destination ?? `sqlite://${path.join(dataDir, 'warehouse')}`;

  const temporal = await ensureTemporal(dataDir);
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
  // is asked for a cycle now; otherwise a new one starts and its first cycle begins at once.
  const before = await querySourceStatus(client, options.source).catch(() => undefined);
  const handle = await startSource(client, settings.taskQueue, config, { ifRunning: 'use-existing' });
  if (before) await handle.signal(syncNowSignal);
  console.log(`Source ${options.source}: workflow ${handle.workflowId} — watch it at ${temporal.uiUrl}/namespaces/default/workflows`);

  const progress = new Progress(enabledStreams(config));
  const status = await waitForCycle(client, options.source, before?.cycle ?? 0, progress);
  progress.stop();

  const warehouse = await openDestination(destination);
  const rows: string[][] = [];
  for (const c of collections) {
    if (!status.collections[c.name]?.enabled) continue;
    const n = await warehouse.countRows(options.source, c.name).catch(() => 0);
    const note = status.collections[c.name]?.lastError ?? status.collections[c.name]?.skipped ?? '';
    rows.push([c.name, String(n), note]);
  }
  await warehouse.close();
  console.log(`\n${formatTable(['table', 'rows', 'note'], rows)}\n`);
  if (status.lastCycle) {
    const seconds = (Date.parse(status.lastCycle.finishedAt) - Date.parse(status.lastCycle.startedAt)) / 1000;
    console.log(`Cycle ${status.cycle}: ${status.lastCycle.rows} rows in ${seconds.toFixed(1)} s (${Math.round(status.lastCycle.rows / Math.max(seconds, 0.001))} rows/s)`);
  }
  if (status.credentialError) console.log(`Credentials problem: ${status.credentialError}`);
  console.log(`Data:       ${destination} (schema ${options.source}; e.g. sqlite3 ${path.join(dataDir, 'warehouse', `${options.source}.sqlite`)} 'select count(*) from tickets')`);
  console.log(`Temporal:   ${temporal.uiUrl}`);
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
    shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await workerRun;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});

