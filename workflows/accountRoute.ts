/**
 * Where a source's Zendesk activities run: on the task queue of the worker hosting the account
 * (workflows/accountHost.ts), so every request to one account comes from one worker and its one rate
 * budget. When that worker dies, the route learns it from one of two failures and moves the account:
 *
 *   - a heartbeat timeout of an activity that was running there (runs with patch
 *     HOST_MOVES_ON_HEARTBEAT_TIMEOUT_PATCH: Temporal does not retry it on the dead queue);
 *   - a schedule-to-start timeout (one heartbeat timeout) of an activity the dead queue never started.
 *
 * Either way the route asks the account's host workflow for a new host, naming the dead queue, and
 * runs the activity again there: one heartbeat timeout after the death, not two. A list resumes from
 * its last committed page (activities/listPosition.ts). A host that is alive but let an activity go
 * silent loses the account the same way, which is harmless: the next host is a live worker.
 */
import { ActivityFailure, TimeoutFailure, log, patched } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import { TIMING_DEFAULTS } from '../config/settingBounds';
import { accountHostActivities, type HostQueue } from './activityOptions';
import type { SourceConfig } from './types';

/**
 * Gates account hosting: runs recorded before it (and workers without it) keep running every
 * activity on the shared queue.
 */
export const ACCOUNT_HOST_PATCH = 'v5-account-host';

/**
 * Gates moving the account on a heartbeat timeout (activities on a host queue are then not retried
 * by Temporal after one); runs recorded before it keep Temporal's retry and the schedule-to-start path.
 */
export const HOST_MOVES_ON_HEARTBEAT_TIMEOUT_PATCH = 'v6-host-moves-on-heartbeat-timeout';

export class AccountRoute {
  private host: Promise<string> | undefined;

  constructor(private readonly config: SourceConfig) {}

  /** Runs `activity` on the account's host, moving to a new host as often as one is found dead. */
  async onHost<T>(activity: (host: HostQueue) => Promise<T>): Promise<T> {
    const heartbeatTimeoutEndsActivity = patched(HOST_MOVES_ON_HEARTBEAT_TIMEOUT_PATCH);
    // Heartbeat timeouts are bounded like the retries they replace: an activity that goes silent on
    // every host in turn fails after maxAttempts moves instead of moving forever.
    let silentHosts = 0;
    const maxSilentHosts = this.config.timing?.maxAttempts ?? TIMING_DEFAULTS.maxAttempts;
    for (;;) {
      const taskQueue = await this.currentHost();
      try {
        return await activity({ taskQueue, ...(heartbeatTimeoutEndsActivity && { heartbeatTimeoutEndsActivity }) });
      } catch (err) {
        const silent = heartbeatTimeoutEndsActivity && isTimeout(err, TimeoutType.HEARTBEAT);
        if (!silent && !isTimeout(err, TimeoutType.SCHEDULE_TO_START)) throw err;
        if (silent && ++silentHosts >= maxSilentHosts) throw err;
        log.warn(
          silent
            ? 'the account host stopped heartbeating; moving the account to a live worker'
            : 'the account host started nothing in time; moving the account to a live worker',
          { source: this.config.name, collection: null, host: taskQueue },
        );
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
    return accountHostActivities(this.config).askAccountHost({ subdomain: this.config.subdomain, baseUrl: this.config.baseUrl }, stale);
  }
}

function isTimeout(err: unknown, type: TimeoutType): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === type;
}
