/**
 * A backfill: one stream, one past time range, as a child of the source workflow. It has its own
 * cursor (only in its heartbeats), so it never moves the regular cycle's cursors, and it reports back
 * to the source workflow by signal because the parent continues-as-new while it runs.
 */
import { getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { ACCOUNT_HOST_PATCH, AccountRoute } from './accountRoute';
import { syncActivities } from './activityOptions';
import { backfillFinishedSignal } from './messages';
import { describeFailure } from './present';
import type { BackfillWorkflowInput, StreamResult, SyncStreamInput } from './types';

export async function backfillWorkflow(input: BackfillWorkflowInput): Promise<StreamResult> {
  const { workflowId } = workflowInfo();
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const tellParent = async (message: { workflowId: string; result?: StreamResult; error?: string }) => {
    try {
      await parent.signal(backfillFinishedSignal, message);
    } catch {
      // The source workflow may have been stopped; the backfill's own result still stands.
    }
  };
  try {
    const streamInput: SyncStreamInput = {
      config: input.config,
      stream: input.stream,
      cursor: null,
      mode: 'backfill',
      range: { from: input.from, to: input.to },
      runTag: workflowId,
    };
    const summary = `backfill ${input.stream}`;
    // On the account's host, beside the regular cycles (workflows/accountRoute.ts).
    const result = patched(ACCOUNT_HOST_PATCH)
      ? await new AccountRoute(input.config).onHost((host) =>
          syncActivities(input.config, summary, input.stream, host).syncStream(streamInput),
        )
      : await syncActivities(input.config, summary, input.stream).syncStream(streamInput);
    await tellParent({ workflowId, result });
    return result;
  } catch (err) {
    await tellParent({ workflowId, error: describeFailure(err) });
    throw err;
  }
}
