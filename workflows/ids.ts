/**
 * The IDs zendesk-sync gives its workflows and activities, and reading a source and collection back
 * from them (for log lines). Pure: the workflow, the worker's logging and the client share them.
 */

const SOURCE_WORKFLOW_PREFIX = 'zendesk-source-';

export function workflowIdForSource(name: string): string {
  return `${SOURCE_WORKFLOW_PREFIX}${name}`;
}

/** `2024-01-01T00:00:00Z`: readable in the Web UI's workflow list, and safe in a shell. */
function idInstant(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A backfill child's workflow ID: the source's, the stream and the range, so the same request maps
 * to the same child (asking twice does not load twice), e.g.
 * `zendesk-source-acme/backfill/tickets/2024-01-01T00:00:00Z..2025-01-01T00:00:00Z`.
 * A request without `to` ends at `now` and its ID says so (`…/2024-01-01T00:00:00Z..now`): the
 * request time must not enter the ID, or repeating the same request would start a second load.
 */
export function workflowIdForBackfill(sourceWorkflowId: string, stream: string, from: number, to: number | 'now'): string {
  return `${sourceWorkflowId}/backfill/${stream}/${idInstant(from)}..${to === 'now' ? 'now' : idInstant(to)}`;
}

/**
 * The source and collection a workflow ID belongs to, for log lines: `zendesk-source-<name>` and its
 * backfill children `zendesk-source-<name>/backfill/<stream>/<range>`.
 */
export function sourceOfWorkflowId(workflowId: string): { source: string; collection?: string } | undefined {
  if (!workflowId.startsWith(SOURCE_WORKFLOW_PREFIX)) return undefined;
  const [source, kind, stream] = workflowId.slice(SOURCE_WORKFLOW_PREFIX.length).split('/');
  if (!source) return undefined;
  return kind === 'backfill' && stream ? { source, collection: stream } : { source };
}

/** The ID of the activity that syncs a stream (shown in the Web UI, read back for log lines). */
export function activityIdForStream(stream: string): string {
  return `sync ${stream}`;
}

export function streamOfActivityId(activityId: string): string | undefined {
  return /^sync (\w+)$/.exec(activityId)?.[1];
}

const ACCOUNT_WORKFLOW_PREFIX = 'zendesk-account-';

/**
 * The account host workflow's ID, from the account's origin and base path (never a credential) and
 * the fleet's task queue: `zendesk-account-acme.zendesk.com@zendesk-sync`. The queue is part of it
 * because the workflow runs on the queue it was started on: workers moved to another queue would
 * otherwise keep asking a host workflow no worker polls any more (and wait forever).
 */
export function workflowIdForAccount(account: string, taskQueue: string): string {
  return `${ACCOUNT_WORKFLOW_PREFIX}${account.replace(/^https?:\/\//, '')}@${taskQueue}`;
}
