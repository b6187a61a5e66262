/**
 * Client-side operations on source workflows, shared by client.ts, the quick start and the tests.
 */
import { isDeepStrictEqual } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { SOURCE_NAME, SYNC_STATE } from '../workflows/searchAttributes';
import { validateSourceConfig, type SourceConfig } from '../config/sourceConfig';
import { referenceForDisplay, referenceKind } from '../destinations/reference';
import { enabledCollections } from '../workflows/collectionSelection';
import { workflowIdForSource } from '../workflows/ids';
import type { sourceWorkflow } from '../workflows/source';
import type { SourceStatus, SourceWorkflowInput } from '../workflows/types';
import { statusQuery } from '../workflows/messages';

/** Starts a source from settings not yet validated: they are refused before anything reaches Temporal. */
export async function startSource(
  client: Client,
  taskQueue: string,
  rawConfig: unknown,
  options: { ifRunning?: 'fail' | 'use-existing' } = {},
): Promise<WorkflowHandle<typeof sourceWorkflow>> {
  return startValidatedSource(client, taskQueue, validateSourceConfig(rawConfig), options);
}

/** Starts a source from settings the settings schema produced (validateSourceConfig, the settings file). */
export async function startValidatedSource(
  client: Client,
  taskQueue: string,
  config: SourceConfig,
  options: { ifRunning?: 'fail' | 'use-existing' } = {},
): Promise<WorkflowHandle<typeof sourceWorkflow>> {
  const workflowId = workflowIdForSource(config.name);
  try {
    return await client.workflow.start<typeof sourceWorkflow>('sourceWorkflow', {
      taskQueue,
      workflowId,
      args: [{ config }],
      typedSearchAttributes: [
        { key: SOURCE_NAME, value: config.name },
        { key: SYNC_STATE, value: 'starting' },
      ],
      staticSummary: `Zendesk ${config.subdomain ?? config.baseUrl} → ${referenceKind(config.destination)} schema ${config.name}`,
      staticDetails: summarizeConfig(config),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      if (options.ifRunning === 'use-existing') return client.workflow.getHandle(workflowId);
      throw new Error(`source "${config.name}" is already running (workflow ${workflowId}); stop it first or use sync-now`);
    }
    throw err;
  }
}

function summarizeConfig(config: SourceConfig): string {
  return [
    `**Source** ${config.name}`,
    `**Account** ${config.subdomain ? `${config.subdomain}.zendesk.com` : config.baseUrl}`,
    `**Credential** ${config.credentialRef} (resolved by the worker)`,
    `**Destination** ${referenceForDisplay(config.destination)}`,
    `**Collections** ${enabledCollections(config).join(', ')}`,
    `**Interval** ${config.intervalSeconds ?? 10800} s`,
  ].join('\n\n');
}

export function sourceHandle(client: Client, name: string): WorkflowHandle<typeof sourceWorkflow> {
  return client.workflow.getHandle(workflowIdForSource(name));
}

export async function querySourceStatus(client: Client, name: string): Promise<SourceStatus> {
  return sourceHandle(client, name).query(statusQuery);
}

/** Reads live progress of running stream activities from their heartbeat details. */
export async function liveProgress(
  client: Client,
  name: string,
): Promise<Record<string, { pages: number; rows: number; attempt: number }>> {
  const description = await sourceHandle(client, name).describe();
  const out: Record<string, { pages: number; rows: number; attempt: number }> = {};
  const converter = client.options.loadedDataConverter.payloadConverter;
  for (const pending of description.raw.pendingActivities ?? []) {
    const payloads = pending.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    const details = converter.fromPayload(payloads[0]!) as { stream?: string; pages?: number; rows?: number };
    if (details?.stream) {
      out[details.stream] = { pages: details.pages ?? 0, rows: details.rows ?? 0, attempt: pending.attempt ?? 1 };
    }
  }
  return out;
}

/**
 * The settings the source's current run was started with (each cycle continues-as-new with the
 * settings it was given, changed only by set-rate), or undefined when no run of it is open.
 */
export async function runningSourceConfig(client: Client, name: string): Promise<SourceConfig | undefined> {
  const handle = sourceHandle(client, name);
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return undefined;
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0];
    if (!payload) return undefined;
    const input = client.options.loadedDataConverter.payloadConverter.fromPayload(payload) as SourceWorkflowInput;
    return input.config;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Top-level settings that differ between a running source and the requested settings (none: same source). */
export function changedSettings(running: SourceConfig, requested: SourceConfig): string[] {
  // JSON drops undefined members, so `{ lookbackDays: undefined }` equals a missing key.
  const a = JSON.parse(JSON.stringify(running)) as Record<string, unknown>;
  const b = JSON.parse(JSON.stringify(requested)) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => !isDeepStrictEqual(a[key], b[key]));
}

export type StartOutcome =
  | { kind: 'started'; handle: WorkflowHandle<typeof sourceWorkflow> }
  | { kind: 'reused'; handle: WorkflowHandle<typeof sourceWorkflow> }
  | { kind: 'replaced'; handle: WorkflowHandle<typeof sourceWorkflow>; changed: string[] };

/**
 * Starts the source, or keeps it when a run with the same settings is already open, or — when the
 * open run has other settings — stops it and starts a new one with the requested settings.
 *
 * Replacing loses nothing: the cursors live in the destination's state table, so a new workflow
 * writing to the same destination resumes where the old one stopped (a different destination
 * starts that destination from its own state).
 */
export async function startOrReplaceSource(
  client: Client,
  taskQueue: string,
  rawConfig: unknown,
  options: { stopTimeoutMs?: number } = {},
): Promise<StartOutcome> {
  const config = validateSourceConfig(rawConfig);
  const running = await runningSourceConfig(client, config.name);
  if (!running) return { kind: 'started', handle: await startValidatedSource(client, taskQueue, config, { ifRunning: 'use-existing' }) };
  const changed = changedSettings(running, config);
  if (!changed.length) return { kind: 'reused', handle: sourceHandle(client, config.name) };
  await stopSourceAndWait(client, config.name, options.stopTimeoutMs ?? 120_000);
  return { kind: 'replaced', handle: await startValidatedSource(client, taskQueue, config), changed };
}

/**
 * Cancels the source and waits until no run of it is open. A cancel can race the run's
 * continue-as-new (the cancel then lands on a run that is already closing), so it is repeated for
 * whichever run is current until none is. A cancelled run stops at its next page boundary.
 */
export async function stopSourceAndWait(client: Client, name: string, timeoutMs: number): Promise<void> {
  const handle = sourceHandle(client, name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return;
    if (Date.now() > deadline) {
      throw new Error(
        `source "${name}" did not stop within ${Math.round(timeoutMs / 1000)} s of a cancel; is a worker polling its task queue?`,
      );
    }
    await handle.cancel().catch((err) => {
      // The run closed between describe and cancel: the next describe sees it.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
    await new Promise((r) => setTimeout(r, 500));
  }
}
