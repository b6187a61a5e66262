/** `client.ts start`: registers the search attributes a start needs, then starts the sources. */
import type { Client } from '@temporalio/client';
import type { TemporalSettings } from '../runtime/connection';
import { ensureSearchAttributes } from '../runtime/searchAttributeRegistry';
import type { SourceConfig } from '../config/sourceConfig';
import { startValidatedSource } from './sources';

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
