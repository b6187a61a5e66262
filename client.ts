#!/usr/bin/env -S npx tsx
/**
 * zendesk-sync's command line: start and steer source workflows on Temporal.
 *   npm run client -- --help
 * Options are parsed here; what each command does and prints lives in cli/.
 * The same operations as raw Temporal CLI commands are in the README.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { connectClient, temporalSettings, type TemporalSettings } from './runtime/connection';
import { querySourceStatus, sourceHandle } from './cli/sources';
import { backfillUpdate, pauseSignal, resumeSignal, setRateUpdate, syncNowSignal } from './workflows/messages';
import { authorizationSummary, authorize, zendeskBaseUrl } from './cli/auth';
import { pickSource, readSettingsFile } from './config/settingsFile';
import { validateSourceConfig } from './config/sourceConfig';
import { checkSource, renderCheckReport } from './cli/check';
import { startSources } from './cli/start';
import { listSources } from './cli/list';
import { renderStartedBackfills, renderStatus } from './cli/status';
import { verifyCommand } from './cli/verify';
import { collectionsCommand } from './cli/collections';

export const program = new Command()
  .name('client')
  .description('Start and steer Zendesk → warehouse sources running on Temporal.')
  .addOption(new Option('--address <host:port>', 'Temporal frontend').env('TEMPORAL_ADDRESS').default('localhost:7233'))
  .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
  .addOption(new Option('--task-queue <name>', 'task queue the workers poll').env('ZS_TASK_QUEUE').default('zendesk-sync'))
  .showHelpAfterError();

function settings(): TemporalSettings {
  const o = program.opts<{ address: string; namespace: string; taskQueue: string }>();
  return temporalSettings({ address: o.address, namespace: o.namespace, taskQueue: o.taskQueue });
}

async function withClient<T>(fn: (client: Client, s: TemporalSettings) => Promise<T>): Promise<T> {
  const s = settings();
  const client = await connectClient(s);
  try {
    return await fn(client, s);
  } finally {
    await client.connection.close();
  }
}

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

program
  .command('start')
  .description(
    "start syncing a source (one Zendesk account into one warehouse schema); registers zendesk-sync's search attributes in the namespace first if they are missing",
  )
  .option('--config <file>', 'JSON file with the source settings (see README, "Source settings")')
  .option('--settings <file>', 'settings file with every source ({"sources": […]}); starts them all, or --source')
  .option('--source <name>', 'with --settings: start only this source')
  .option('--name <name>', 'source name = warehouse schema, e.g. zendesk_prod')
  .option('--subdomain <subdomain>', 'Zendesk subdomain: acme for acme.zendesk.com')
  .option('--base-url <url>', 'Zendesk base URL override (an emulator or a proxy)')
  .option('--credential <ref>', 'secret reference the worker resolves: file:<path> or env:<PREFIX>')
  .option(
    '--destination <url>',
    'warehouse: sqlite://./data/warehouse, postgres://user@host/db, snowflake://…, bigquery://PROJECT/PREFIX or env:<VAR>',
  )
  .option('--enable <collections>', 'turn these collections on (comma-separated)', list)
  .option('--disable <collections>', 'turn these collections off (comma-separated)', list)
  .option('--lookback-days <n>', 'history for tickets and ticket events on the first sync', Number)
  .option('--interval-seconds <n>', 'seconds between cycles (default 10800)', Number)
  .action(async (o) => {
    if (o.settings) {
      const all = readSettingsFile(o.settings);
      const chosen = o.source ? [pickSource(all, o.source)] : all;
      await withClient((client, s) => startSources(client, s, chosen));
      return;
    }
    const fromFile = o.config ? JSON.parse(readFileSync(o.config, 'utf8')) : {};
    const collections: Record<string, boolean> = { ...(fromFile.collections ?? {}) };
    for (const c of o.enable ?? []) collections[c] = true;
    for (const c of o.disable ?? []) collections[c] = false;
    const config = {
      ...fromFile,
      ...(o.name && { name: o.name }),
      ...(o.subdomain && { subdomain: o.subdomain }),
      ...(o.baseUrl && { baseUrl: o.baseUrl }),
      ...(o.credential && { credentialRef: o.credential }),
      ...(o.destination && { destination: o.destination }),
      ...(Object.keys(collections).length && { collections }),
      // Given means given: 0 or a typo (NaN) is refused by the validation, not silently dropped.
      ...(o.lookbackDays !== undefined && { lookbackDays: o.lookbackDays }),
      ...(o.intervalSeconds !== undefined && { intervalSeconds: o.intervalSeconds }),
    };
    // Bad settings are reported before Temporal is contacted, so they show even when it is down.
    const valid = validateSourceConfig(config);
    await withClient(async (client, s) => {
      await startSources(client, s, [valid]);
    });
  });

program
  .command('auth <source>')
  .description(
    'get OAuth tokens for a source (authorization code + PKCE in a browser, or client_credentials) and store them in its credential file',
  )
  .option('--subdomain <subdomain>', 'Zendesk subdomain: acme for acme.zendesk.com')
  .option('--base-url <url>', 'Zendesk base URL override (an emulator or a proxy)')
  .addOption(
    new Option('--client-id <id>', 'OAuth client unique identifier (Admin Center → Apps and integrations → OAuth clients)').env(
      'ZS_OAUTH_CLIENT_ID',
    ),
  )
  .addOption(
    new Option('--client-secret <secret>', 'OAuth client secret (needed for confidential clients and client_credentials)').env(
      'ZS_OAUTH_CLIENT_SECRET',
    ),
  )
  .option('--credential <ref>', 'where to store the tokens: file:<path> (default file:./secrets/<source>.json)')
  .option(
    '--port <n>',
    'loopback port of the redirect http://127.0.0.1:<port>/oauth/callback (must be a registered redirect URL)',
    Number,
    8976,
  )
  .option('--scope <scope>', 'OAuth scope', 'read')
  .addOption(
    new Option('--grant <type>', 'OAuth grant').choices(['authorization_code', 'client_credentials']).default('authorization_code'),
  )
  .action(
    async (
      source: string,
      o: {
        subdomain?: string;
        baseUrl?: string;
        clientId?: string;
        clientSecret?: string;
        credential?: string;
        port: number;
        scope: string;
        grant: 'authorization_code' | 'client_credentials';
      },
    ) => {
      if (!o.clientId) throw new Error('give --client-id (or ZS_OAUTH_CLIENT_ID): the OAuth client registered in Zendesk');
      const credentialRef = o.credential ?? `file:./secrets/${source}.json`;
      const result = await authorize({
        baseUrl: zendeskBaseUrl(o),
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        credentialRef,
        grant: o.grant,
        scope: o.scope,
        port: o.port,
      });
      console.log(authorizationSummary(source, result));
    },
  );

program
  .command('check <source>')
  .description('validate the settings, sign in to the account, report the role and which collections the plan allows — before any sync')
  .requiredOption('--settings <file>', 'settings file ({"sources": […]}) or a single source settings file')
  .option('--json', 'print the report as JSON')
  .action(async (source: string, o: { settings: string; json?: boolean }) => {
    const raw = JSON.parse(readFileSync(o.settings, 'utf8'));
    const config = raw && Array.isArray(raw.sources) ? pickSource(readSettingsFile(o.settings), source) : validateSourceConfig(raw);
    const report = await checkSource(config);
    console.log(o.json ? JSON.stringify(report, null, 2) : renderCheckReport(source, report));
  });

program.addCommand(verifyCommand(settings));
program.addCommand(collectionsCommand());

for (const [name, signal, text] of [
  ['sync-now', syncNowSignal, 'start a cycle now instead of waiting for the interval'],
  ['pause', pauseSignal, 'stop syncing; a running cycle stops at the next page boundary'],
  ['resume', resumeSignal, 'resume a paused source (a cycle starts at once)'],
] as const) {
  program
    .command(`${name} <source>`)
    .description(text)
    .action(async (source: string) => {
      await withClient(async (client) => {
        await sourceHandle(client, source).signal(signal);
        console.log(`${name}: sent to ${source}`);
      });
    });
}

program
  .command('backfill <source>')
  .description('load a past time range of incremental collections as child workflows')
  .requiredOption('--collections <list>', 'e.g. tickets,ticket_events', list)
  .requiredOption('--from <date>', 'ISO date or time, e.g. 2020-01-01')
  .option('--to <date>', 'ISO date or time (default: now)')
  .action(async (source: string, o: { collections: string[]; from: string; to?: string }) => {
    await withClient(async (client) => {
      const started = await sourceHandle(client, source).executeUpdate(backfillUpdate, {
        args: [{ collections: o.collections, from: o.from, to: o.to }],
      });
      console.log(renderStartedBackfills(started));
    });
  });

program
  .command('set-rate <source>')
  .description("change a source's rate settings without a restart")
  .option('--core <n>', 'core API requests per minute', Number)
  .option('--export <n>', 'incremental-export requests per minute', Number)
  .option('--share <fraction>', "share of the account's limits to use, 0 < share <= 1", Number)
  .action(async (source: string, o: { core?: number; export?: number; share?: number }) => {
    await withClient(async (client) => {
      const rate = await sourceHandle(client, source).executeUpdate(setRateUpdate, {
        args: [{ corePerMinute: o.core, exportPerMinute: o.export, share: o.share }],
      });
      console.log(`rate settings of ${source}: ${JSON.stringify(rate)}`);
    });
  });

program
  .command('status <source>')
  .description('state, then per collection: rows and requests of the last run, cursor, last success, lag, errors; warnings below')
  .option('--json', 'print the raw status as JSON')
  .action(async (source: string, o: { json?: boolean }) => {
    await withClient(async (client) => {
      const status = await querySourceStatus(client, source);
      console.log(o.json ? JSON.stringify(status, null, 2) : renderStatus(status));
    });
  });

program
  .command('list')
  .description('every source workflow with its state')
  .option('--all', 'include stopped sources')
  .option('--runs', 'with --all: one row per run (each cycle continues-as-new into a new run) instead of per source')
  .action(async (o: { all?: boolean; runs?: boolean }) => {
    await withClient(async (client) => {
      console.log(await listSources(client, o));
    });
  });

program
  .command('stop <source>')
  .description('stop a source workflow (cancels a running cycle; the warehouse keeps what was written)')
  .action(async (source: string) => {
    await withClient(async (client) => {
      await sourceHandle(client, source).cancel();
      console.log(`stop: requested for ${source}`);
    });
  });

if (require.main === module) {
  program.parseAsync(process.argv).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}
