/**
 * One workflow per Zendesk account and task queue (`zendesk-account-<host>@<queue>`): it names the one worker that makes
 * every request to that account, so all sources of the account share that worker's one rate budget
 * however many workers run. No lock of our own: Temporal's workflow-ID uniqueness makes this
 * workflow the account's single owner of the assignment, and a task queue unique to each worker
 * routes the account's activities to the chosen one (Temporal's worker-specific task queues).
 *
 *   - The worker whose `askAccountHost` finds the account without a live host becomes its host (it
 *     is alive: it runs the ask) and is answered with its own queue; runs without patch
 *     `account-host-candidate` ran `claimAccount` on the shared queue instead.
 *   - Source and backfill workflows ask for the host (`hostQueue` update, sent with update-with-start
 *     by the `askAccountHost` activity) and schedule the account's Zendesk activities on that queue
 *     with a schedule-to-start timeout. A host that died leaves them unstarted: the asker then names
 *     the dead queue as `stale` and this workflow claims the account again on a live worker.
 *
 * Holds no records and no secret: the account is its origin (`https://acme.zendesk.com`), the host a
 * task queue name. Continues-as-new after a few hundred answers, carrying the host.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { accountHostStatusQuery, hostQueueUpdate } from './accountHostMessages';
import type { AccountHostWorkflowInput, SyncActivities } from './types';

/**
 * Runs patched with this host the account on the asking worker's queue (`candidate`) instead of
 * running `claimAccount`: with many sources starting at once on a worker, every activity slot of the
 * shared queue could hold an `askAccountHost` waiting for this update, and the claim it waits for
 * then never got a slot (a deadlock the fleet benchmark hit with 105 sources on one worker).
 */
export const CANDIDATE_HOST_PATCH = 'account-host-candidate';

/** Answers per run before continuing as new (each answer is a few history events). */
export const ANSWERS_PER_RUN = 500;

const { claimAccount } = proxyActivities<Pick<SyncActivities, 'claimAccount'>>({
  startToCloseTimeout: '1 minute',
  // No worker polling the shared queue yet (a rolling restart): the claim waits for one.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
  summary: 'claim the account for a live worker',
});

export async function accountHostWorkflow(input: AccountHostWorkflowInput): Promise<void> {
  let host = input.host;
  let claims = input.claims ?? 0;
  let answered = 0;
  let claiming: Promise<string> | undefined;

  setHandler(accountHostStatusQuery, () => ({ account: input.account, host, claims }));
  setHandler(hostQueueUpdate, async ({ stale, candidate }) => {
    answered++;
    // One claim at a time: askers that saw the same dead host all get the one new host.
    while (claiming) await claiming.catch(() => undefined);
    if (host !== undefined && host !== stale) return host;
    if (candidate !== undefined && patched(CANDIDATE_HOST_PATCH)) {
      log.info('account hosted', { account: input.account, host: candidate, previous: host ?? null });
      host = candidate;
      claims++;
      return candidate;
    }
    claiming = claimAccount(input.account);
    try {
      const claimed = await claiming;
      log.info('account hosted', { account: input.account, host: claimed, previous: host ?? null });
      host = claimed;
      claims++;
      return claimed;
    } finally {
      claiming = undefined;
    }
  });

  await condition(() => answered >= ANSWERS_PER_RUN || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof accountHostWorkflow>({ account: input.account, host, claims });
}
