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
import { connectClient, temporalSettings } from './runtime/connection';
import { isListening, startDevServer, type DevServer } from './runtime/devServer';
import { Progress } from './cli/quickstart/progress';
import { liveProgress, querySourceStatus, startOrReplaceSource } from './cli/sources';
import { createWorker } from './runtime/worker';
import pino from 'pino';
import { syncNowSignal } from './workflows/messages';
import { enabledStreams } from './workflows/plan';
import type { SourceConfig, SourceStatus } from './workflows/types';
import { formatTable } from './cli/table';

interface QuickstartOptions {
  once?: boolean;
  temporalPort: number;
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
  .option('--interval-seconds <n>', 'seconds between cycles', Number, 10800)
  .option('--temporal-port <port>', 'port of the Temporal dev server to use or start (Web UI on port + 1000); TEMPORAL_ADDRESS overrides', Number, 7233);

async function ensureTemporal(dataDir: string, defaultPort: number): Promise<{ address: string; uiUrl: string | null; server?: DevServer }> {
  const settings = temporalSettings({ address: process.env.TEMPORAL_ADDRESS || `localhost:${defaultPort}` });
  const [host, portText] = settings.address.split(':');
  const port = Number(portText);
  if (await isListening(port, host === 'localhost' ? '127.0.0.1' : host)) {
    return { address: settings.address, uiUrl: await probeWebUi(host!, port + 1000) };
  }
  if (process.env.TEMPORAL_ADDRESS) throw new Error(`TEMPORAL_ADDRESS=${settings.address} does not answer`);
  console.log('Starting a Temporal dev server (state in', path.join(dataDir, 'temporal.sqlite'), ')...');
  const server = await startDevServer({ port: defaultPort, uiPort: defaultPort + 1000, dbFilename: path.join(dataDir, 'temporal.sqlite') });
  return { address: server.address, uiUrl: server.uiUrl!, server };
}

/**
 * The Web UI of a server this command did not start is usually on port + 1000 (the dev server's
 * default), but need not be: link it only if the Temporal UI server answers there. Its page is a
 * bare app shell, so the check is its settings endpoint, a JSON object with the UI's version.
 */
export async function probeWebUi(host: string, port: number): Promise<string | null> {
  const url = `http://${host}:${port}`;
  try {
    const response = await fetch(`${url}/api/v1/settings`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return null;
    const settings = (await response.json()) as { Version?: unknown; Auth?: unknown };
    return typeof settings.Version === 'string' && settings.Auth !== undefined ? url : null;
  } catch {
    return null;
  }
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

/** Follows this invocation's cycle with progress lines or bars, then prints its rows per table. */
async function reportCycle(client: Client, source: string, config: SourceConfig, destination: string, afterCycle: number): Promise<void> {
  const progress = new Progress(enabledStreams(config));
  const status = await waitForCycle(client, source, afterCycle, progress);
  progress.stop();

  const warehouse = await openDestination(destination);
  const counts: Record<string, number> = {};
  for (const c of collections) {
    if (status.collections[c.name]?.enabled) counts[c.name] = await warehouse.countRows(source, c.name).catch(() => 0);
  }
  await warehouse.close();
  console.log(`\n${formatTable(['table', 'rows', 'synced this cycle', 'note'], cycleRows(status, counts))}\n`);
  if (status.lastCycle) {
    const seconds = (Date.parse(status.lastCycle.finishedAt) - Date.parse(status.lastCycle.startedAt)) / 1000;
    console.log(`Cycle ${status.cycle}: ${status.lastCycle.rows} rows in ${seconds.toFixed(1)} s (${Math.round(status.lastCycle.rows / Math.max(seconds, 0.001))} rows/s)`);
  }
  if (status.credentialError) console.log(`Credentials problem: ${status.credentialError}`);
  if (status.settingsError) console.log(`Settings problem: ${status.settingsError}`);
  if (status.unreachableError) console.log(`Could not reach Zendesk or the warehouse: ${status.unreachableError}`);
}

/** States a cycle ends in: the source waits in them until its next cycle. */
const BETWEEN_CYCLES = new Set(['idle', 'credentials_invalid', 'settings_invalid', 'unreachable', 'paused', 'stopped']);

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
      if (status.cycle > afterCycle && BETWEEN_CYCLES.has(status.state)) return status;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The status of a source that is already running; the worker may still be warming up, so retry. */
async function currentStatus(client: Client, source: string): Promise<SourceStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await querySourceStatus(client, source);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`source ${source} does not answer its status query: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Rows per table after this invocation's cycle: what the warehouse holds now, and what this cycle
 * wrote (empty when the table's stream did not succeed in this cycle, so an earlier cycle's count
 * is never shown as this one's).
 */
export function cycleRows(status: SourceStatus, warehouseCounts: Record<string, number>): string[][] {
  const cycleStart = status.lastCycle?.startedAt;
  const rows: string[][] = [];
  for (const c of collections) {
    const collection = status.collections[c.name];
    if (!collection?.enabled) continue;
    const syncedThisCycle = cycleStart !== undefined && collection.lastSuccessAt !== undefined && collection.lastSuccessAt >= cycleStart;
    const note = collection.lastError ?? collection.skipped ?? (syncedThisCycle ? '' : 'not synced in this cycle');
    rows.push([c.name, String(warehouseCounts[c.name] ?? 0), syncedThisCycle ? String(collection.lastRows ?? 0) : '', note]);
  }
  return rows;
}

async function main(): Promise<void> {
  const options = program.parse(process.argv).opts<QuickstartOptions>();
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const destination = options.destination ?? `sqlite://${path.join(dataDir, 'warehouse')}`;

  const temporal = await ensureTemporal(dataDir, options.temporalPort);
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
  let afterCycle = 0;
  let pausedByOperator = false;
  if (outcome.kind === 'reused') {
    const current = await currentStatus(client, options.source);
    afterCycle = current.cycle;
    // A pause is an operator's decision: the quick start does not undo it, and no cycle will come.
    pausedByOperator = current.paused;
    if (pausedByOperator) {
      console.log(`Source ${options.source} is paused: no cycle runs until \`npm run client -- resume ${options.source}\`.`);
    } else {
      await handle.signal(syncNowSignal);
      console.log(`Source ${options.source} was already running with these settings: a cycle starts now.`);
    }
  } else if (outcome.kind === 'replaced') {
    console.log(`Source ${options.source} was running with other settings (${outcome.changed.join(', ')}): stopped it and started it again with these; it resumes from the warehouse's cursors.`);
  }
  const uiLink = temporal.uiUrl ? `${temporal.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows` : '(unknown: the Web UI of this server was not found)';
  console.log(`Source ${options.source}: workflow ${handle.workflowId} — watch it at ${uiLink}`);

  if (!pausedByOperator) await reportCycle(client, options.source, config, destination, afterCycle);
  console.log(`Data:       ${destination} (schema ${options.source}; e.g. sqlite3 ${path.join(dataDir, 'warehouse', `${options.source}.sqlite`)} 'select count(*) from tickets')`);
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
    shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await workerRun;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

