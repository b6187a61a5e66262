/**
 * The quick start's view of one cycle: polls the source's status until this invocation's cycle is
 * over (progress bars meanwhile), then prints the rows per table and what went wrong, if anything.
 */
import type { Client } from '@temporalio/client';
import { collections } from '../../catalog/collections';
import { openDestination } from '../../destinations/open';
import { enabledStreams } from '../../workflows/collectionSelection';
import type { SourceConfig, SourceStatus } from '../../workflows/types';
import { liveProgress, querySourceStatus } from '../sources';
import { formatTable } from '../table';
import { Progress } from './progress';

/** Follows this invocation's cycle with progress lines or bars, then prints its rows per table. */
export async function reportCycle(
  client: Client,
  source: string,
  config: SourceConfig,
  destination: string,
  afterCycle: number,
): Promise<void> {
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
    console.log(
      `Cycle ${status.cycle}: ${status.lastCycle.rows} rows in ${seconds.toFixed(1)} s (${Math.round(status.lastCycle.rows / Math.max(seconds, 0.001))} rows/s)`,
    );
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
export async function currentStatus(client: Client, source: string): Promise<SourceStatus> {
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
