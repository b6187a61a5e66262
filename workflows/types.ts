/**
 * Types shared by the workflows, the activities and the client. Plain data only: everything here
 * crosses Temporal's history, so it holds settings, cursors and counts, never records or secrets.
 */

import type { SourceConfig } from '../config/sourceConfig';

/**
 * The settings types are what the settings schema produces (config/sourceConfig.ts, the one home of
 * their rules and documentation); they cross history with the rest of these types.
 */
export type { RateSettings, SourceConfig, TimingSettings } from '../config/sourceConfig';

/**
 * A stream's resume point. `seq` grows by one per committed page so the newest of several copies
 * (heartbeat, workflow state, the destination's state table) can be picked without reading `value`,
 * which is opaque (an engine's cursor).
 */
export interface StreamCursor {
  seq: number;
  value: unknown;
}

export interface StreamResult {
  stream: string;
  /** One line for people, e.g. "tickets: 12 pages, 12,000 rows, 13 requests" (shown as the activity result in the Web UI). */
  summary: string;
  /** The cursor to start the next cycle from (null for lists read in full every run). */
  cursor: StreamCursor | null;
  pages: number;
  rows: number;
  rowsByTable: Record<string, number>;
  requests: number;
  /** Set when Zendesk refused the stream (plan or role) and it was skipped. */
  skipped?: string;
  warnings: string[];
  durationMs: number;
  /**
   * Epoch seconds up to which the warehouse now holds this stream's changes: the time of the last
   * export request minus Zendesk's one-minute exclusion, or the start of a full read. Lag = now − this.
   * Absent for backfills and skipped streams.
   */
  syncedThrough?: number;
  /**
   * Lists read in full, after a complete read: rows deleted per table because Zendesk no longer
   * lists them. Absent when the run deleted nothing by design (exports, backfills, audit logs, a read
   * that did not complete).
   */
  deletedByTable?: Record<string, number>;
}

export interface SyncStreamInput {
  config: SourceConfig;
  stream: string;
  cursor: StreamCursor | null;
  mode: 'incremental' | 'backfill';
  /** Backfills only: epoch seconds. */
  range?: { from: number; to: number };
  /** Identifies the cycle or backfill in warehouse query tags and logs. */
  runTag: string;
}

export interface CheckSourceResult {
  userId: number;
  role: string;
  warnings: string[];
}

/**
 * - `credentials_invalid`: Zendesk refused the credential (or it cannot be found); retried at the next
 *   interval or on sync-now.
 * - `settings_invalid`: the settings cannot work (e.g. `intervalSeconds: 0` from a raw `temporal
 *   workflow start`); nothing runs until a sync-now after the fix (see `settingsError`).
 * - `unreachable`: Zendesk or the warehouse failed transiently; the cycle is retried after a short
 *   backoff (min(interval, 5 min)) instead of a whole interval.
 * - `stopped`: the workflow was cancelled (`client.ts stop`, `temporal workflow cancel`).
 */
export type SourceState =
  'starting' | 'checking' | 'syncing' | 'idle' | 'paused' | 'credentials_invalid' | 'settings_invalid' | 'unreachable' | 'stopped';

export interface CollectionStatus {
  enabled: boolean;
  lastSuccessAt?: string;
  /** ISO instant up to which this collection's changes are in the warehouse (lag = now − this). */
  syncedThrough?: string;
  /**
   * The resume point of the collection's stream after its last successful run (null for lists read
   * in full every cycle; absent before the first success). Shared by the tables of one stream.
   */
  cursor?: StreamCursor | null;
  /** Zendesk requests of the stream's last successful run, retries included (shared by its tables). */
  lastRequests?: number;
  lastRows?: number;
  lastError?: string;
  skipped?: string;
}

export interface StreamStatus {
  cursor: StreamCursor | null;
  lastSuccessAt?: string;
  /** Epoch seconds; see StreamResult.syncedThrough. */
  syncedThrough?: number;
  lastRows?: number;
  rowsByTable?: Record<string, number>;
  lastPages?: number;
  lastRequests?: number;
  lastError?: string;
  skipped?: string;
  warnings?: string[];
}

export interface BackfillRequest {
  collections: string[];
  /** ISO date or timestamp; inclusive. */
  from: string;
  /** ISO date or timestamp; default now. */
  to?: string;
}

export interface BackfillStatus {
  workflowId: string;
  stream: string;
  from: string;
  to: string;
  state: 'running' | 'completed' | 'failed';
  rows?: number;
  error?: string;
}

/** Everything the source workflow remembers across continue-as-new. */
export interface SourceMemory {
  cycle: number;
  paused: boolean;
  streams: Record<string, StreamStatus>;
  backfills: Record<string, BackfillStatus>;
  lastCycle?: CycleSummary;
  credentialError?: string;
  /** Why the settings cannot work; set while the state is `settings_invalid`. */
  settingsError?: string;
  /** The transient failure of the last check; set while the state is `unreachable`. */
  unreachableError?: string;
  /** Warnings of the last credential check (e.g. the API-token legacy warning). */
  warnings?: string[];
  totalRows: number;
  /**
   * When the last cycle started (its credential check included): the next one starts
   * `intervalSeconds` after it, so start times keep a steady rhythm whatever a cycle's length.
   */
  lastCycleStartedAt?: string;
}

export interface CycleSummary {
  startedAt: string;
  finishedAt: string;
  rows: number;
  failedStreams: string[];
  /**
   * Set when a pause or a stop cancelled the cycle before every stream finished: such a cycle is
   * not a success (ZendeskLastSuccess is not moved), whatever `failedStreams` says.
   */
  interruptedBy?: 'pause' | 'stop';
  /** Streams the interruption cancelled or kept from starting. */
  unfinishedStreams?: string[];
}

export interface SourceWorkflowInput {
  config: SourceConfig;
  memory?: SourceMemory;
}

export interface SourceStatus {
  source: string;
  state: SourceState;
  paused: boolean;
  cycle: number;
  /**
   * When the next cycle starts: `intervalSeconds` after the last cycle started (at once if that
   * cycle ran longer). During a cycle, the start planned after it.
   */
  nextRunAt?: string;
  /** When the cycle in progress started (absent between cycles). */
  cycleStartedAt?: string;
  /** When the last cycle started, the check included (the rhythm's anchor). */
  lastCycleStartedAt?: string;
  credentialError?: string;
  settingsError?: string;
  unreachableError?: string;
  /** Warnings of the last credential check, e.g. that API tokens are a legacy way to sign in. */
  warnings: string[];
  lastCycle?: SourceMemory['lastCycle'];
  collections: Record<string, CollectionStatus>;
  streams: Record<string, StreamStatus>;
  backfills: Record<string, BackfillStatus>;
}

/** The activities the workflows call (implemented in activities/, registered by the worker). */
export interface SyncActivities {
  checkSource(config: SourceConfig): Promise<CheckSourceResult>;
  syncStream(input: SyncStreamInput): Promise<StreamResult>;
  describeBackfill(workflowId: string): Promise<BackfillDescription>;
  /**
   * The task queue of the worker that hosts the source's Zendesk account (see workflows/accountHost.ts),
   * asked of the account's host workflow (started if needed); `stale` names a host queue that did not
   * start an activity in time, to be replaced.
   */
  askAccountHost(config: Pick<SourceConfig, 'subdomain' | 'baseUrl'>, stale: string | null): Promise<string>;
  /** Run by whichever live worker picks it up from the shared queue: that worker's own queue. */
  claimAccount(account: string): Promise<string>;
}

/** The account host workflow's input (carried across its continue-as-new). */
export interface AccountHostWorkflowInput {
  /** The account's origin and base path, e.g. `https://acme.zendesk.com` (never a credential). */
  account: string;
  /** The current host's task queue. */
  host?: string;
  /** How many times the account was claimed (moved to a worker) so far. */
  claims?: number;
}

export interface AccountHostRequest {
  stale: string | null;
  /**
   * The asking worker's own queue: that worker is alive (it is running the ask), so it can host the
   * account when it has no live host, without a claim activity (which needs a free activity slot
   * while every slot may hold an ask waiting for it). Absent from asks of older workers.
   */
  candidate?: string;
}

export type AccountHostStatus = Required<Pick<AccountHostWorkflowInput, 'account' | 'claims'>> & Pick<AccountHostWorkflowInput, 'host'>;

/**
 * What Temporal says about a backfill child (asked when starting it found one already there and the
 * source's memory had no answer: after a stop and start, or after its entry was pruned).
 * `from`/`to` are the child's own range (epoch seconds), which for a request without `to` was fixed
 * by the first request, not by this one.
 */
export interface BackfillDescription {
  state: 'running' | 'completed' | 'failed' | 'terminated' | 'timed_out' | 'canceled' | 'not_found';
  rows?: number;
  error?: string;
  from?: number;
  to?: number;
}

export interface BackfillWorkflowInput {
  config: SourceConfig;
  stream: string;
  from: number;
  to: number;
  parentWorkflowId: string;
}
