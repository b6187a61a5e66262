/** `client.ts list`: every source workflow with its state, from Temporal's visibility store. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LAST_SUCCESS, ROWS_SYNCED, SOURCE_NAME, SYNC_STATE } from '../workflows/searchAttributes';
import { Command } from 'commander';
import { formatTable } from './table';
import { withClient, type TemporalOptions } from './options';

/** The sources as a table: running ones, or with `all` stopped ones too (with `runs`, one row per run). */
export async function listSources(client: Client, o: { all?: boolean; runs?: boolean }): Promise<string> {
  const query = `WorkflowType = 'sourceWorkflow'${o.all ? '' : " AND ExecutionStatus = 'Running'"}`;
  const executions: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query })) executions.push(wf);
  const shown = o.runs ? executions : latestRunPerWorkflow(executions);
  const rows = shown.map((wf) => {
    const attrs = wf.typedSearchAttributes;
    return [
      attrs.get(SOURCE_NAME) ?? wf.workflowId,
      wf.status.name,
      attrs.get(SYNC_STATE) ?? '',
      attrs.get(LAST_SUCCESS)?.toISOString() ?? '',
      String(attrs.get(ROWS_SYNCED) ?? ''),
      ...(o.runs ? [wf.runId] : []),
    ];
  });
  const headers = ['source', 'workflow', 'state', 'last success', 'rows synced', ...(o.runs ? ['run'] : [])];
  return rows.length ? formatTable(headers, rows) : 'no sources';
}

/**
 * A source continues-as-new every cycle, so `--all` sees one closed run per past cycle: keep the
 * most recently started run of each workflow ID (the running one, or the last if it was stopped).
 */
export function latestRunPerWorkflow<T extends { workflowId: string; startTime: Date }>(executions: T[]): T[] {
  const latest = new Map<string, T>();
  for (const wf of executions) {
    const seen = latest.get(wf.workflowId);
    if (!seen || wf.startTime.getTime() > seen.startTime.getTime()) latest.set(wf.workflowId, wf);
  }
  return [...latest.values()];
}

export function listCommand(temporal: TemporalOptions): Command {
  return new Command('list')
    .description('every source workflow with its state')
    .option('--all', 'include stopped sources')
    .option('--runs', 'with --all: one row per run (each cycle continues-as-new into a new run) instead of per source')
    .action(async (o: { all?: boolean; runs?: boolean }) => {
      await withClient(temporal, async (client) => {
        console.log(await listSources(client, o));
      });
    });
}
