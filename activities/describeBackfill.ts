/**
 * Asks Temporal what became of a backfill child. The source workflow cannot do I/O, and its memory
 * of a backfill is lost when the source is stopped and started again or when the entry is pruned;
 * starting the same child then only says "already started" (its ID is deterministic and reuse is
 * allowed after a failure only), which is either a running child or a completed one.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { BackfillDescription, BackfillWorkflowInput, StreamResult } from '../workflows/types';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Failure = NonNullable<NonNullable<HistoryEvent['workflowExecutionFailedEventAttributes']>['failure']>;

/** The innermost message of a failure chain (the activity's own error, not "Activity task failed"). */
function innermostMessage(failure: Failure | null | undefined): string | undefined {
  let current = failure;
  while (current?.cause) current = current.cause;
  return current?.message ?? undefined;
}

export async function describeBackfillWith(client: Client, workflowId: string): Promise<BackfillDescription> {
  // Without a run ID: the latest run, which is the one that counts after a failed child was re-run.
  const handle = client.workflow.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'not_found' };
    throw err;
  }
  // A backfill's history is a handful of events (one activity; records never enter it).
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const converter = client.options.loadedDataConverter.payloadConverter;
  const inputPayload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = inputPayload ? (converter.fromPayload(inputPayload) as BackfillWorkflowInput) : undefined;
  const range = input ? { from: input.from, to: input.to } : {};
  const closing = events[events.length - 1];
  switch (status) {
    case 'RUNNING':
      return { state: 'running', ...range };
    case 'COMPLETED': {
      const payload = closing?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
      const result = payload ? (converter.fromPayload(payload) as StreamResult) : undefined;
      return { state: 'completed', rows: result?.rows, ...range };
    }
    case 'FAILED':
      return {
        state: 'failed',
        error: innermostMessage(closing?.workflowExecutionFailedEventAttributes?.failure) ?? 'the backfill failed',
        ...range,
      };
    case 'TERMINATED':
      return {
        state: 'terminated',
        error: `the backfill workflow was terminated${closing?.workflowExecutionTerminatedEventAttributes?.reason ? `: ${closing.workflowExecutionTerminatedEventAttributes.reason}` : ''}`,
        ...range,
      };
    case 'TIMED_OUT':
      return { state: 'timed_out', error: 'the backfill workflow timed out', ...range };
    case 'CANCELLED':
      return { state: 'canceled', error: 'the backfill workflow was cancelled', ...range };
    default:
      // CONTINUED_AS_NEW cannot happen (the backfill never continues-as-new); anything else is not done.
      return { state: 'running', ...range };
  }
}
