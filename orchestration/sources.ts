/**
 * Client-side operations on source workflows, shared by client.ts, the quick start and the tests.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { SOURCE_NAME, SYNC_STATE } from './searchAttributes';
import { validateSourceConfig } from '../config/sourceConfig';
import { enabledCollections, workflowIdForSource } from '../workflows/plan';
import type { sourceWorkflow } from '../workflows/source';
import type { SourceConfig, SourceStatus } from '../workflows/types';
import { statusQuery } from '../workflows/messages';

export async function startSource(
  client: Client,
  taskQueue: string,
  rawConfig: unknown,
  options: { ifRunning?: 'fail' | 'use-existing' } = {},
): Promise<WorkflowHandle<typeof sourceWorkflow>> {
  const config = validateSourceConfig(rawConfig);
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
      staticSummary: `Zendesk ${config.subdomain ?? config.baseUrl} → ${config.destination.split(':')[0]} schema ${config.name}`,
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
    `**Destination** ${config.destination.startsWith('env:') ? config.destination : config.destination.split('?')[0]}`,
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
