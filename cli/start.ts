/** `client.ts start`: registers the search attributes a start needs, then starts the sources. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { TemporalSettings } from '../runtime/connection';
import { ensureSearchAttributes } from '../runtime/searchAttributeRegistry';
import { pickSource, readSettingsFile } from '../config/settingsFile';
import { validateSourceConfig, type SourceConfig } from '../config/sourceConfig';
import { startValidatedSource } from './sources';
import { commaList, withClient, type TemporalOptions } from './options';

/**
 * A start carries search attributes; on a server that lacks them (a plain `temporal server
 * start-dev`) the start itself is refused, so they are registered first.
 */
export async function prepareNamespace(client: Client, s: TemporalSettings): Promise<void> {
  const result = await ensureSearchAttributes(client.connection.operatorService, s.namespace);
  if (result.unverified) console.error(`warning: ${result.unverified}`);
  if (result.added.length) console.log(`registered search attributes in namespace ${s.namespace}: ${result.added.join(', ')}`);
}

/** Starts each source in turn (after the namespace is ready) and says which workflow runs it; the settings were validated where they were read. */
export async function startSources(client: Client, s: TemporalSettings, configs: SourceConfig[]): Promise<void> {
  await prepareNamespace(client, s);
  for (const config of configs) {
    const handle = await startValidatedSource(client, s.taskQueue, config);
    console.log(`started source ${config.name}: workflow ${handle.workflowId}`);
  }
}

/** The flags of `start` that give one source's settings (the rest of `start`'s options say where they come from). */
interface SourceFlags {
  name?: string;
  subdomain?: string;
  baseUrl?: string;
  credential?: string;
  destination?: string;
  enable?: string[];
  disable?: string[];
  lookbackDays?: number;
  intervalSeconds?: number;
}

/** One source's settings: the --config file's, with the flags given on the command line over them (not yet validated). */
function settingsFromFlags(configFile: string | undefined, o: SourceFlags): Record<string, unknown> {
  const fromFile = configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : {};
  const collections: Record<string, boolean> = { ...(fromFile.collections ?? {}) };
  for (const c of o.enable ?? []) collections[c] = true;
  for (const c of o.disable ?? []) collections[c] = false;
  return {
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
}

export function startCommand(temporal: TemporalOptions): Command {
  return new Command('start')
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
    .option('--enable <collections>', 'turn these collections on (comma-separated)', commaList)
    .option('--disable <collections>', 'turn these collections off (comma-separated)', commaList)
    .option('--lookback-days <n>', 'history for tickets and ticket events on the first sync', Number)
    .option('--interval-seconds <n>', 'seconds between cycles (default 10800)', Number)
    .action(async (o: SourceFlags & { config?: string; settings?: string; source?: string }) => {
      if (o.settings) {
        const all = readSettingsFile(o.settings);
        const chosen = o.source ? [pickSource(all, o.source)] : all;
        await withClient(temporal, (client, s) => startSources(client, s, chosen));
        return;
      }
      // Bad settings are reported before Temporal is contacted, so they show even when it is down.
      const valid = validateSourceConfig(settingsFromFlags(o.config, o));
      await withClient(temporal, async (client, s) => {
        await startSources(client, s, [valid]);
      });
    });
}
