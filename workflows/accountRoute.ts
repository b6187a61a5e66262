/**
 * Where a source's Zendesk activities run: on the task queue of the worker hosting the account
 * (workflows/accountHost.ts), so every request to one account comes from one worker and its one rate
 * budget. When that worker is gone its queue starts nothing: the activity fails with a
 * schedule-to-start timeout (one heartbeat timeout, also after a retry that followed a heartbeat
 * timeout), the route asks the account's host workflow for a new host, naming the dead queue, and
 * runs the activity again there. A list resumes from its last committed page (activities/listPosition.ts).
 */
import { ActivityFailure, TimeoutFailure, log } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import { accountHostActivities, type HostQueue } from './activityOptions';
import type { SourceConfig } from './types';

/**
 * Gates account hosting: runs recorded before it (and workers without it) keep running every
 * activity on the shared queue.
 */
export const ACCOUNT_HOST_PATCH = 'v5-account-host';

export class AccountRoute {
  private host: Promise<string> | undefined;

  constructor(private readonly config: SourceConfig) {}

  /** Runs `activity` on the account's host, moving to a new host as often as one is found dead. */
  async onHost<T>(activity: (host: HostQueue) => Promise<T>): Promise<T> {
    for (;;) {
      const taskQueue = await this.currentHost();
      try {
        return await activity({ taskQueue });
      } catch (err) {
        if (!isScheduleToStartTimeout(err)) throw err;
        log.warn('the account host started nothing in time; moving the account to a live worker', {
          source: this.config.name,
          collection: null,
          host: taskQueue,
        });
        this.replace(taskQueue);
      }
    }
  }

  private currentHost(): Promise<string> {
    return this.host ?? this.remember(this.ask(null));
  }

  /** Several lanes that saw the same dead host ask once. */
  private replace(stale: string): void {
    const current = this.host;
    void this.remember(
      (async () => {
        const known = await current?.catch(() => undefined);
        return known !== undefined && known !== stale ? known : this.ask(stale);
      })(),
    );
  }

  /** The host to use from now on; a failed ask is forgotten, so the next activity asks again. */
  private remember(host: Promise<string>): Promise<string> {
    this.host = host;
    host.catch(() => {
      if (this.host === host) this.host = undefined;
    });
    return host;
  }

  private ask(stale: string | null): Promise<string> {
    return accountHostActivities().askAccountHost({ subdomain: this.config.subdomain, baseUrl: this.config.baseUrl }, stale);
  }
}

function isScheduleToStartTimeout(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}
