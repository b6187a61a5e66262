/**
 * What one run of the source workflow shares between its parts (messages, cycle, wait, status): the
 * settings and memory it carries across continue-as-new, the state it shows, and what its messages
 * asked for. One object, handed to each part, so no state hides in closures.
 */
import { patched, workflowInfo, type CancellationScope } from '@temporalio/workflow';
import { ACCOUNT_HOST_PATCH, AccountRoute } from '../accountRoute';
import { DEFAULT_INTERVAL_SECONDS } from '../rhythm';
import type { checkFailureState } from '../present';
import type { SourceConfig, SourceMemory, SourceState, SourceWorkflowInput } from '../types';

/**
 * Gates this version's behaviour, so runs recorded before it replay unchanged: settings validated in
 * the workflow; check failures told apart (credentials / settings / transient); a cycle cut short by
 * a pause or stop is not a success and a stopped source says `stopped`; backfills without `to` get an
 * ID without the request time; finished backfills are capped in memory; check warnings are kept.
 */
export const CYCLE_OUTCOMES_PATCH = 'v3-cycle-outcomes';
/**
 * Gates the steady rhythm: each cycle starts `intervalSeconds` after the previous one started (at
 * once if that one ran longer), not `intervalSeconds` after it ended.
 */
export const STEADY_RHYTHM_PATCH = 'v4-steady-rhythm';

/** How this run's credential check ended; decides the state and the wait after the cycle. */
export type CheckOutcome = 'passed' | ReturnType<typeof checkFailureState>;

export interface SourceRun {
  /** This run's settings (a set-rate update changes `rate`); carried to the next run. */
  readonly config: SourceConfig;
  /** Everything remembered across continue-as-new. */
  readonly memory: SourceMemory;
  readonly workflowId: string;
  readonly intervalMs: number;
  /** The patches read once at the start of every run, in this order (see the constants above). */
  readonly patches: { readonly cycleOutcomes: boolean; readonly steadyRhythm: boolean; readonly accountHost: boolean };
  /**
   * Where the Zendesk activities run (ACCOUNT_HOST_PATCH): on the worker hosting the account. Absent
   * in runs recorded before it, which run them on the shared queue.
   */
  readonly route?: AccountRoute;
  checkOutcome: CheckOutcome;
  state: SourceState;
  /** A sync-now (or a resume after a pause) asked for a cycle. */
  syncRequested: boolean;
  nextRunAt?: string;
  cycleStartedAt?: string;
  /** The running cycle's scope, which a pause cancels. */
  cycleScope?: CancellationScope;
  /** The state last written to the search attributes (written only when it changes). */
  publishedState?: SourceState;
}

export function openSourceRun(input: SourceWorkflowInput): SourceRun {
  const cycleOutcomes = patched(CYCLE_OUTCOMES_PATCH);
  const steadyRhythm = patched(STEADY_RHYTHM_PATCH);
  const accountHost = patched(ACCOUNT_HOST_PATCH);
  const config = { ...input.config };
  const memory: SourceMemory = input.memory ?? { cycle: 0, paused: false, streams: {}, backfills: {}, totalRows: 0 };
  return {
    config,
    memory,
    workflowId: workflowInfo().workflowId,
    intervalMs: (config.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000,
    patches: { cycleOutcomes, steadyRhythm, accountHost },
    route: accountHost ? new AccountRoute(config) : undefined,
    checkOutcome: 'passed',
    state: memory.paused ? 'paused' : 'starting',
    syncRequested: false,
  };
}
