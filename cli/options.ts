/**
 * The options several client.ts commands share, parsed in one place: where Temporal is (the program's
 * global --address/--namespace/--task-queue), the settings file of `check` and `verify`, and
 * comma-separated lists.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Client } from '@temporalio/client';
import { connectClient, temporalSettings, type TemporalSettings } from '../runtime/connection';
import { pickSource, readSettingsFile } from '../config/settingsFile';
import { validateSourceConfig, type SourceConfig } from '../config/sourceConfig';

/** Where Temporal is, as the program's global options gave it; a command calls it when it runs. */
export type TemporalOptions = () => TemporalSettings;

/** Adds the global Temporal options to the program and returns how a command reads them. */
export function addTemporalOptions(program: Command): TemporalOptions {
  program
    .addOption(new Option('--address <host:port>', 'Temporal frontend').env('TEMPORAL_ADDRESS').default('localhost:7233'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
    .addOption(new Option('--task-queue <name>', 'task queue the workers poll').env('ZS_TASK_QUEUE').default('zendesk-sync'));
  return () => {
    const o = program.opts<{ address: string; namespace: string; taskQueue: string }>();
    return temporalSettings({ address: o.address, namespace: o.namespace, taskQueue: o.taskQueue });
  };
}

/** Runs `fn` with a client connected where the global options say, and closes the connection after. */
export async function withClient<T>(temporal: TemporalOptions, fn: (client: Client, s: TemporalSettings) => Promise<T>): Promise<T> {
  const s = temporal();
  const client = await connectClient(s);
  try {
    return await fn(client, s);
  } finally {
    await client.connection.close();
  }
}

/** Parses `a, b,c` into ['a', 'b', 'c']. */
export const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The mandatory --settings of the commands that read one source's settings (`check`, `verify`). */
export function sourceSettingsOption(): Option {
  return new Option('--settings <file>', 'settings file ({"sources": […]}) or a single source settings file').makeOptionMandatory();
}

/** One source's settings from a settings file ({"sources": […]}, picked by name) or a single source's settings file. */
export function loadSourceSettings(file: string, source: string): SourceConfig {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  return raw && Array.isArray(raw.sources) ? pickSource(readSettingsFile(file), source) : validateSourceConfig(raw);
}
