/**
 * The worker side of account hosting (workflows/accountHost.ts): asking an account's host workflow
 * for its host (starting that workflow if it is not running), and claiming an account for this worker.
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { hostQueueUpdate } from '../workflows/accountHostMessages';
import { workflowIdForAccount } from '../workflows/ids';
import type { SourceConfig } from '../workflows/types';
import { WorkerResources } from './resources';
import { whileBeating } from './beating';
import { relearnRateBudget } from '../zendesk';

/**
 * Update-with-start: the account's host workflow is started on the shared task queue if no run of
 * it is open, and answers with the host's queue (claiming the account first when it has none, or
 * when `stale` is its host).
 */
export async function askAccountHostWith(
  client: Client,
  taskQueue: string,
  config: Pick<SourceConfig, 'subdomain' | 'baseUrl'>,
  stale: string | null,
  candidate?: string,
): Promise<string> {
  const account = WorkerResources.accountKey(config);
  const workflowId = workflowIdForAccount(account, taskQueue);
  return client.workflow.executeUpdateWithStart(hostQueueUpdate, {
    args: [{ stale, ...(candidate !== undefined && { candidate }) }],
    startWorkflowOperation: new WithStartWorkflowOperation('accountHostWorkflow', {
      workflowId,
      taskQueue,
      args: [{ account }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `host of ${account}`,
    }),
  });
}

export function accountHostActivities(hostQueue: string | undefined) {
  return {
    async askAccountHost(config: Pick<SourceConfig, 'subdomain' | 'baseUrl'>, stale: string | null): Promise<string> {
      const ctx = Context.current();
      return whileBeating(ctx, async () => {
        // This worker is alive (it runs this ask): it hosts the account if the account needs a host.
        const ownQueue = hostQueue ?? ctx.info.taskQueue;
        const host = await askAccountHostWith(ctx.client, ctx.info.taskQueue, config, stale, ownQueue);
        ctx.log.info('account host', { host, replaced: stale });
        // Taken over from a dead host: Zendesk's window still holds what that worker sent.
        if (stale !== null && host === ownQueue && host !== stale) relearnRateBudget(WorkerResources.accountKey(config));
        return host;
      });
    },
    /**
     * This worker's own queue. A worker started without one (an embedded test worker) hosts on the
     * queue it polls, which is how every worker served an account before hosting existed.
     */
    async claimAccount(account: string): Promise<string> {
      const ctx = Context.current();
      const host = hostQueue ?? ctx.info.taskQueue;
      ctx.log.info('account claimed', { account, host });
      return host;
    },
  };
}
