/**
 * `npm run test:chaos -- [--seed N] [--runs N]`: seeded runs of changes and sync cycles with faults
 * injected between and during them, each run ending with a differential check: for every collection,
 * warehouse rows == the emulator's ground truth (none missing, extra or stale).
 *
 * Faults per run: worker SIGKILL while an export page is on the wire, Temporal dev server restart
 * mid-cycle, Postgres restart mid-cycle, a 429 storm, 500/502/503, resets mid-body, truncated JSON,
 * 504 on large pages, OAuth token rotation, credentials revoked until a request meets them, and a
 * backfill of the history older than the 30-day lookback running through them. Records of every
 * collection are created, changed and deleted between cycles. A fault is counted only when
 * something observed it hit the run. Needs ZS_PG_URL and scripts/postgres.sh (the Postgres it
 * restarts; --no-restart-postgres leaves a shared one alone).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { collections } from '../catalog/collections';
import { resolveCredential, saveCredential } from '../credentials/store';
import { startDevServer } from '../runtime/devServer';
import { querySourceStatus, sourceHandle } from '../cli/sources';
import { formatTable } from '../cli/table';
import { backfillUpdate, syncNowSignal } from '../workflows/messages';
import { workflowIdForSource } from '../workflows/ids';
import type { Emulator } from '../emulator';
import type { Table } from '../emulator/store';
import type { Organization, Ticket, User } from '../emulator/model';
import { readTable } from '../harness/warehouseReader';
import { CONDITION_WAIT_MS } from '../harness/conditionWait';
import {
  assertWarehouseMatches,
  expectedRows,
  sourceConfig,
  spawnWorkerProcess,
  startStack,
  startTestSource,
  waitForCycle,
  type Stack,
} from '../harness/stack';

const projectRoot = path.resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunReport {
  seed: number;
  /** Faults something observed hitting the run (never merely attempted), by kind. */
  faults: Record<string, number>;
  /** Emulator changes made during the run, by collection: "created/updated/deleted". */
  changes: Record<string, string>;
  cycles: number;
  rowsCompared: number;
  mismatches: number;
  fetchedTwice: number;
  error?: string;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = CONDITION_WAIT_MS, pollMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`chaos: timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** A worker process; with ZS_CHAOS_LOG=<file> its JSON log lines (INFO and up) are appended there. */
function spawnChaosWorker(stack: Stack): ChildProcess {
  const file = process.env.ZS_CHAOS_LOG;
  const child = spawnWorkerProcess(stack, { logLevel: file ? 'INFO' : 'WARN' });
  if (file) {
    child.stdout!.removeAllListeners('data');
    child.stdout!.pipe(createWriteStream(file, { flags: 'a' }));
  }
  return child;
}

/** A sync activity in flight: which run it belongs to (the source's cycle or a backfill child). */
export interface PendingSync {
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
}

/** Every activity pending right now in the source's current run and in its running backfills. */
export async function pendingActivities(stack: Stack, name: string): Promise<PendingSync[]> {
  const status = await querySourceStatus(stack.client, name).catch(() => undefined);
  const workflowIds = [
    workflowIdForSource(name),
    ...Object.values(status?.backfills ?? {})
      .filter((b) => b.state === 'running')
      .map((b) => b.workflowId),
  ];
  const out: PendingSync[] = [];
  for (const workflowId of workflowIds) {
    const description = await stack.client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING') continue;
    for (const pending of description.raw.pendingActivities ?? []) {
      out.push({ workflowId, runId: description.runId, activityId: pending.activityId!, attempt: pending.attempt ?? 1 });
    }
  }
  return out;
}

/**
 * Whether an activity that was in flight at a worker kill was then retried because its worker went
 * silent: once it is no longer pending, its run's history holds the attempt that finished it, and the
 * failure before that attempt (a heartbeat timeout). Resolves when the activity has settled.
 */
export async function retriedAfterKill(stack: Stack, activity: PendingSync): Promise<boolean> {
  const run = stack.client.workflow.getHandle(activity.workflowId, activity.runId);
  let verdict: boolean | undefined;
  await waitUntil(
    `activity ${activity.activityId} of ${activity.workflowId} to settle`,
    async () => {
      const d = await run.describe();
      if ((d.raw.pendingActivities ?? []).some((p) => p.activityId === activity.activityId)) return false;
      verdict = killedAndContinued((await run.fetchHistory()).events ?? [], activity);
      // Timed out but not started again yet: the workflow is moving it to the account's new host.
      return verdict !== undefined;
    },
    900_000,
    1000,
  ).catch(() => {}); // never started again (the stream failed or the cycle was stopped): not observed
  return verdict ?? false;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * From a run's history: true when the activity was retried after its heartbeat timed out, or timed
 * out (heartbeat or schedule-to-start on a dead host's queue) and then started again as a new
 * execution (on the account's new host); false when it ended without a timeout; undefined while it
 * timed out and has not started again yet.
 */
function killedAndContinued(all: HistoryEvent[], activity: PendingSync): boolean | undefined {
  const scheduled = new Set(
    all.filter((e) => e.activityTaskScheduledEventAttributes?.activityId === activity.activityId).map((e) => String(e.eventId)),
  );
  // The same execution retried after its heartbeat timed out (a worker polling the shared queue).
  const retried = all.some((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return (
      !!started &&
      scheduled.has(String(started.scheduledEventId)) &&
      (started.attempt ?? 1) > activity.attempt &&
      !!started.lastFailure?.timeoutFailureInfo
    );
  });
  if (retried) return true;
  // Or, for an account hosted on the killed worker's own queue: the execution timed out there, and
  // the stream started again as a new execution on the account's new host.
  const timedOutAt = all.find((e) => {
    const timedOut = e.activityTaskTimedOutEventAttributes;
    return !!timedOut && scheduled.has(String(timedOut.scheduledEventId));
  })?.eventId;
  if (timedOutAt === undefined) return false;
  const movedOn = all.some((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return !!started && scheduled.has(String(started.scheduledEventId)) && Number(e.eventId) > Number(timedOutAt);
  });
  return movedOn ? true : undefined;
}

/** Deterministic picks for a seed. */
function seededPicker(seed: number) {
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return <T>(items: T[]): T | undefined => (items.length ? items[Math.floor(next() * items.length)] : undefined);
}

/** One round of changes: the emulator, the round's seeded picks, and the tally it adds to. */
interface ChangeRound {
  emulator: Emulator;
  seed: number;
  round: number;
  pick: <T>(items: T[]) => T | undefined;
  tally: Map<string, [number, number, number]>;
}

/** Counts a change: 0 created, 1 updated, 2 deleted. */
function note(change: ChangeRound, collection: string, kind: 0 | 1 | 2): void {
  const counts = change.tally.get(collection) ?? [0, 0, 0];
  counts[kind]++;
  change.tally.set(collection, counts);
}

const rows = <T extends { id: number }>(table: Table<T>): T[] => [...table.rows.values()].sort((a, b) => a.id - b.id);

/**
 * One round of changes to every collection: records created, updated and deleted in each (for lists
 * read in full, a deletion is only visible as the record's absence, which is what the differential
 * check tests). Counts them per collection in `tally`. The parts run in a fixed order: the picks are
 * one seeded sequence.
 */
function changeEveryCollection(emulator: Emulator, seed: number, round: number, tally: Map<string, [number, number, number]>): void {
  const change: ChangeRound = { emulator, seed, round, pick: seededPicker(seed * 1000 + round), tally };
  const { open, doomed } = changeTickets(change);
  const { user, org } = changeUsersAndOrganizations(change);
  const agent = changeGroups(change);
  emulator.mutations.createOrganizationMembership({ user_id: user.id, organization_id: org.id });
  note(change, 'organization_memberships', 0);
  const goneOrgMembership = change.pick(rows(emulator.store.organizationMemberships).filter((om) => om.organization_id !== org.id));
  if (goneOrgMembership) {
    emulator.mutations.deleteOrganizationMembership(goneOrgMembership.id);
    note(change, 'organization_memberships', 2);
  }
  changeRatings(change);
  changeSkips(
    change,
    open.filter((t) => t.id !== doomed?.id),
    agent,
  );
  changeTicketFields(change);
  changeTicketForms(change);
  const goneActivity = change.pick(rows(emulator.store.activities));
  if (goneActivity) {
    emulator.mutations.deleteActivity(goneActivity.id);
    note(change, 'activities', 2);
  }
}

/** Tickets (and with them ticket_metrics, ticket_events, ticket_comments, attachments, activities). */
function changeTickets(change: ChangeRound): { open: Ticket[]; doomed: Ticket | undefined } {
  const { emulator, seed, round, pick } = change;
  const m = emulator.mutations;
  for (let i = 0; i < 4; i++) {
    m.createTicket({ subject: `chaos ${seed}/${round}/${i}`, comment: { body: `body ${i}` } });
    note(change, 'tickets', 0);
  }
  const open = rows(emulator.store.tickets).filter((t) => t.status !== 'deleted' && t.status !== 'closed');
  for (let i = 0; i < 4; i++) {
    const t = pick(open);
    if (!t) break;
    m.updateTicket(t.id, { status: 'solved', comment: { body: `solved in round ${round}` } });
    note(change, 'tickets', 1);
  }
  const doomed = pick(open);
  if (doomed) {
    m.deleteTicket(doomed.id);
    note(change, 'tickets', 2);
  }
  return { open, doomed };
}

/** Users and organizations (incremental exports; deletions are soft and exported). Returns the new ones. */
function changeUsersAndOrganizations(change: ChangeRound): { user: User; org: Organization } {
  const { emulator, seed, round, pick } = change;
  const m = emulator.mutations;
  const store = emulator.store;
  const user = m.createUser({ name: `Chaos user ${seed}/${round}` });
  note(change, 'users', 0);
  const activeUsers = rows(store.users).filter((u) => u.active && u.id !== store.adminUserId);
  const changedUser = pick(activeUsers);
  if (changedUser) {
    m.updateUser(changedUser.id, { name: `${changedUser.name} (r${round})`, user_fields: { nickname: `nick ${round}` } });
    note(change, 'users', 1);
  }
  const goneUser = pick(activeUsers.filter((u) => u.role === 'end-user' && u.id !== changedUser?.id));
  if (goneUser) {
    m.deleteUser(goneUser.id);
    note(change, 'users', 2);
  }
  const org = m.createOrganization({ name: `Chaos org ${seed}/${round}` });
  note(change, 'organizations', 0);
  const liveOrgs = rows(store.organizations).filter((o) => o.deleted_at === null && o.id !== org.id);
  const changedOrg = pick(liveOrgs);
  if (changedOrg) {
    m.updateOrganization(changedOrg.id, { notes: `round ${round}`, organization_fields: { seats: 10 + round } });
    note(change, 'organizations', 1);
  }
  const goneOrg = pick(liveOrgs.filter((o) => o.id !== changedOrg?.id));
  if (goneOrg) {
    m.deleteOrganization(goneOrg.id);
    note(change, 'organizations', 2);
  }
  return { user, org };
}

/** Groups and group memberships (lists read in full). Returns the agent added to the new group. */
function changeGroups(change: ChangeRound): User {
  const { emulator, seed, round, pick } = change;
  const m = emulator.mutations;
  const store = emulator.store;
  const group = m.createGroup({ name: `Chaos group ${seed}/${round}` });
  note(change, 'groups', 0);
  const liveGroups = rows(store.groups).filter((g) => !g.deleted && g.id !== group.id);
  const changedGroup = pick(liveGroups);
  if (changedGroup) {
    m.updateGroup(changedGroup.id, { description: `round ${round}` });
    note(change, 'groups', 1);
  }
  const agents = rows(store.users).filter((u) => u.active && u.role !== 'end-user');
  const agent = pick(agents)!;
  m.createGroupMembership({ user_id: agent.id, group_id: group.id });
  note(change, 'group_memberships', 0);
  const goneGroupMembership = pick(rows(store.groupMemberships).filter((gm) => gm.group_id !== group.id));
  if (goneGroupMembership) {
    m.deleteGroupMembership(goneGroupMembership.id);
    note(change, 'group_memberships', 2);
  }
  const goneGroup = pick(liveGroups.filter((g) => g.id !== changedGroup?.id));
  if (goneGroup) {
    m.deleteGroup(goneGroup.id); // its memberships go too
    note(change, 'groups', 2);
  }
  return agent;
}

function changeRatings(change: ChangeRound): void {
  const { emulator, round, pick } = change;
  const m = emulator.mutations;
  const rated = pick(rows(emulator.store.tickets).filter((t) => t.status === 'solved'));
  if (rated) {
    m.createSatisfactionRating({ ticket_id: rated.id, score: 'good', comment: `round ${round}` });
    note(change, 'satisfaction_ratings', 0);
  }
  const ratings = rows(emulator.store.satisfactionRatings);
  const changedRating = pick(ratings);
  if (changedRating) {
    m.updateSatisfactionRating(changedRating.id, { comment: `changed in round ${round}` });
    note(change, 'satisfaction_ratings', 1);
  }
  const goneRating = pick(ratings.filter((r) => r.id !== changedRating?.id));
  if (goneRating) {
    m.deleteSatisfactionRating(goneRating.id);
    note(change, 'satisfaction_ratings', 2);
  }
}

function changeSkips(change: ChangeRound, skippable: Ticket[], agent: User): void {
  const { emulator, round, pick } = change;
  const skipped = pick(skippable);
  if (skipped) {
    emulator.mutations.createSkip({ ticket_id: skipped.id, user_id: agent.id, reason: `round ${round}` });
    note(change, 'ticket_skips', 0);
  }
  const goneSkip = pick(rows(emulator.store.skips));
  if (goneSkip) {
    emulator.mutations.deleteSkip(goneSkip.id);
    note(change, 'ticket_skips', 2);
  }
}

/** A new custom field (a new column once tickets carry it) and a deleted one. */
function changeTicketFields(change: ChangeRound): void {
  const { emulator, seed, round, pick } = change;
  const m = emulator.mutations;
  const field = m.createTicketField({ title: `Chaos field ${seed} ${round}`, type: 'text' });
  note(change, 'ticket_fields', 0);
  for (const t of rows(emulator.store.tickets)
    .filter((t) => t.status !== 'deleted')
    .slice(-3)) {
    m.updateTicket(t.id, { custom_fields: [{ id: field.id, value: `value ${round}` }] });
    note(change, 'tickets', 1);
  }
  const goneField = pick(rows(emulator.store.ticketFields).filter((f) => f.removable && f.id !== field.id));
  if (goneField) {
    m.deleteTicketField(goneField.id);
    note(change, 'ticket_fields', 2);
  }
}

function changeTicketForms(change: ChangeRound): void {
  const { emulator, seed, round, pick } = change;
  const m = emulator.mutations;
  const form = m.createTicketForm({ name: `Chaos form ${seed}/${round}` });
  note(change, 'ticket_forms', 0);
  const otherForms = rows(emulator.store.ticketForms).filter((f) => f.id !== form.id);
  const changedForm = pick(otherForms);
  if (changedForm) {
    m.updateTicketForm(changedForm.id, { display_name: `Form (round ${round})` });
    note(change, 'ticket_forms', 1);
  }
  const goneForm = pick(otherForms.filter((f) => f.id !== changedForm?.id && !f.default));
  if (goneForm) {
    m.deleteTicketForm(goneForm.id);
    note(change, 'ticket_forms', 2);
  }
}

export interface ChaosOptions {
  /** Restart the Postgres server mid-cycle (the destination must be that server). */
  restartPostgres: boolean;
  tickets: number;
  /** Rounds of changes to every collection (default 2). */
  changeRounds?: number;
}

/** The run's regular lookback: shorter than the account's history, so only the backfill loads the older rows. */
export const CHAOS_LOOKBACK_DAYS = 30;
const HISTORY_DAYS = 900;

export interface RunCheck {
  rowsCompared: number;
  mismatches: number;
  /** Rows in the warehouse that only a backfill can have loaded (older than the regular lookback). */
  backfilledRows: number;
  error?: string;
}

/**
 * The end-of-run check, from outside the product: the warehouse against the emulator's ground truth
 * for the source's settings and the backfills requested, and how many rows older than the lookback
 * (there only through a backfill) the warehouse holds. A backfill that loaded nothing fails it.
 */
export async function checkRun(
  stack: Stack,
  name: string,
  destination: string,
  backfills: Array<{ collections: string[]; from: string }>,
): Promise<RunCheck> {
  const tables = collections.map((c) => c.name);
  const truth = await expectedRows(stack, name, tables, { backfills });
  const withoutBackfill = await expectedRows(stack, name, ['tickets', 'ticket_events']);
  const check: RunCheck = { rowsCompared: 0, mismatches: 0, backfilledRows: 0 };
  const onlyBackfilled = new Map<string, Set<string>>();
  for (const table of ['tickets', 'ticket_events']) {
    const regular = new Set(withoutBackfill[table]!.map((r) => String(r.id)));
    onlyBackfilled.set(table, new Set(truth[table]!.map((r) => String(r.id)).filter((id) => !regular.has(id))));
  }
  try {
    if (backfills.length && [...onlyBackfilled.values()].every((ids) => ids.size === 0)) {
      throw new Error('the account has no history older than the lookback: this run cannot tell whether the backfill worked');
    }
    for (const [table, ids] of onlyBackfilled) {
      if (ids.size === 0) continue;
      const spec = collections.find((c) => c.name === table)!;
      const landed = await readTable(destination, name, table, { [spec.primaryKey]: 'bigint' }).catch(() => []);
      check.backfilledRows += landed.filter((r) => ids.has(String(r[spec.primaryKey]))).length;
    }
    check.rowsCompared = (await assertWarehouseMatches(destination, name, truth)).rowsCompared;
  } catch (err) {
    check.mismatches = Number(/(\d+) mismatches/.exec((err as Error).message)?.[1] ?? 1);
    check.error = (err as Error).message.slice(0, 2000);
  }
  return check;
}

/** One chaos run's shared state: the stack, the source under test, and what was observed so far. */
interface ChaosState {
  seed: number;
  stack: Stack;
  /** The warehouse (a Postgres or SQLite URL). */
  destination: string;
  options: ChaosOptions;
  /** The source's name: a fresh schema and cursor state per run. */
  name: string;
  worker?: ChildProcess;
  /** The OAuth token pair the run started with (a different one at the end means it rotated). */
  minted: { accessToken: string; refreshToken: string };
  credentialRef: string;
  backfills: Array<{ collections: string[]; from: string }>;
  report: RunReport;
  changeTally: Map<string, [number, number, number]>;
  /** Per worker kill: resolves true when an activity in flight then was retried after its heartbeat timed out. */
  killChecks: Array<Promise<boolean>>;
  /** When a sync-now was last signalled (ms). */
  lastAsked: number;
}

/** Counts a fault something observed hitting the run. */
function countFault(state: ChaosState, kind: string, n = 1): void {
  if (n > 0) state.report.faults[kind] = (state.report.faults[kind] ?? 0) + n;
}

/** A sync-now at most every 2 s while waiting for traffic (not one per poll into the history). */
async function askForCycle(state: ChaosState): Promise<void> {
  if (Date.now() - state.lastAsked < 2000) return;
  state.lastAsked = Date.now();
  await sourceHandle(state.stack.client, state.name).signal(syncNowSignal);
}

export async function chaosRun(
  seed: number,
  destination: string,
  options: ChaosOptions = { restartPostgres: true, tickets: 1600 },
): Promise<RunReport> {
  const stack = await startChaosStack(seed, options);
  const state: ChaosState = {
    seed,
    stack,
    destination,
    options,
    name: `chaos_${seed}_${Date.now().toString(36)}`,
    minted: { accessToken: '', refreshToken: '' },
    credentialRef: '',
    backfills: [],
    report: { seed, faults: {}, changes: {}, cycles: 0, rowsCompared: 0, mismatches: 0, fetchedTwice: 0 },
    changeTally: new Map(),
    killChecks: [],
    lastAsked: 0,
  };
  const { report } = state;
  try {
    await startChaosSource(state);
    await requestBackfill(state);
    await killWorkerMidPage(state);
    await restartTemporalMidCycle(state);
    if (options.restartPostgres) await restartPostgresMidCycle(state);
    await stormOf429s(state);
    await awaitBackfills(state);
    await changeWithRevokedCredentials(state);
    await fireEveryFaultRule(state);
    await finalCycle(state);
    await countObservedFaults(state);
    const check = await checkRun(stack, state.name, destination, state.backfills);
    countFault(state, 'backfilled rows older than the lookback', check.backfilledRows);
    report.rowsCompared = check.rowsCompared;
    report.mismatches = check.mismatches;
    report.error = check.error;
  } catch (err) {
    report.error = (err as Error).message;
    report.mismatches = Math.max(report.mismatches, 1);
  } finally {
    report.changes = Object.fromEntries(
      [...state.changeTally].sort().map(([c, [created, updated, deleted]]) => [c, `${created}/${updated}/${deleted}`]),
    );
    if (state.worker && state.worker.exitCode === null) {
      state.worker.kill('SIGTERM');
      await once(state.worker, 'exit');
    }
    await stack.close();
  }
  return report;
}

/** The stack for a run: the emulated account with the faults that fire every Nth request. */
function startChaosStack(seed: number, options: ChaosOptions): Promise<Stack> {
  return startStack({
    emulator: {
      seed,
      tickets: options.tickets,
      sameSecondRun: 0,
      historyDays: HISTORY_DAYS,
      oauth: { accessTokenLifetimeSeconds: 400 },
      faults: [
        { id: 'slow-exports', endpoint: '/api/v2/incremental/*', kind: 'latency', latencyMs: 400 },
        // Every Nth matching request (N differs per seed), so each kind fires in every run. API paths
        // only: a refresh response lost in transit cannot be recovered from (Zendesk deletes the old
        // token pair the moment it issues the new one), so /oauth/tokens is left alone.
        { id: '500', endpoint: '/api/v2/*', kind: 'status', status: 500, everyNth: 9 + (seed % 5), maxCount: 4 },
        { id: '502', endpoint: '/api/v2/*', kind: 'status', status: 502, everyNth: 13 + (seed % 3), maxCount: 3 },
        { id: '503', endpoint: '/api/v2/*', kind: 'status', status: 503, retryAfterSeconds: 1, everyNth: 17 + (seed % 4), maxCount: 3 },
        { id: '504-large-pages', endpoint: '/api/v2/*', kind: 'status', status: 504, perPageAbove: 500, everyNth: 2, maxCount: 3 },
        { id: 'reset', endpoint: '/api/v2/*', kind: 'reset', everyNth: 19 + (seed % 6), maxCount: 3 },
        { id: 'truncate', endpoint: '/api/v2/*', kind: 'truncate', everyNth: 23 + (seed % 7), maxCount: 3 },
      ],
    },
  });
}

/** The source under test, on OAuth credentials that rotate during the run, with every collection on. */
async function startChaosSource(state: ChaosState): Promise<void> {
  const { stack } = state;
  state.minted = stack.emulator.mintOAuthToken('read', 400);
  state.credentialRef = `file:${path.join(stack.tmp, 'credentials', 'oauth.json')}`;
  const { clientId, clientSecret } = stack.emulator.credentials.oauth;
  // Inside the client's refresh margin: the token rotates during the run.
  await saveCredential(state.credentialRef, {
    type: 'oauth',
    accessToken: state.minted.accessToken,
    refreshToken: state.minted.refreshToken,
    expiresAt: new Date(Date.now() + 200_000).toISOString(),
    clientId,
    clientSecret,
  });
  state.worker = spawnChaosWorker(stack);
  const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
  const config = sourceConfig(stack, {
    name: state.name,
    destination: state.destination,
    credentialRef: state.credentialRef,
    collections: allOn,
    lookbackDays: CHAOS_LOOKBACK_DAYS,
    intervalSeconds: 3,
    // Every cycle reconciles the time-filtered lists (ratings, activities, audit logs): the rounds
    // delete and change old records, and the differential check after any complete cycle expects
    // deletions settled. Filtered reads between reconciliations: test/activities/incrementalLists.
    reconcileEveryHours: 0,
  });
  config.timing = { heartbeatTimeoutSeconds: 8, retryInitialSeconds: 1, retryMaximumSeconds: 4, maxAttempts: 30 };
  await startTestSource(stack, config);
}

/** 1. A backfill of everything older than the lookback, running through the faults that follow. */
async function requestBackfill(state: ChaosState): Promise<void> {
  const { stack } = state;
  state.backfills = [
    {
      collections: ['tickets', 'ticket_events'],
      from: new Date((stack.emulator.now() - (HISTORY_DAYS + 100) * 86_400) * 1000).toISOString(),
    },
  ];
  await sourceHandle(stack.client, state.name).executeUpdate(backfillUpdate, { args: [state.backfills[0]!] });
}

/**
 * 2. Kill the worker while an export page is on the wire: the next export request is held, and the
 * kill lands while it is. Counted only if an activity in flight was then retried after its heartbeat
 * timed out (it really died mid-page).
 */
async function killWorkerMidPage(state: ChaosState): Promise<void> {
  const { stack, name } = state;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const holdId = `hold-page-${attempt}`;
    stack.emulator.addFault({ id: holdId, endpoint: '/api/v2/incremental/*', kind: 'latency', latencyMs: 30_000, firstN: 1 });
    await waitUntil(
      'an export request to hold',
      async () => {
        if (stack.emulator.firedFaults().some((f) => f.ruleId === holdId)) return true;
        await askForCycle(state);
        return false;
      },
      300_000,
      100,
    );
    const inFlight = await pendingActivities(stack, name);
    state.worker!.kill('SIGKILL');
    await once(state.worker!, 'exit');
    state.worker = spawnChaosWorker(stack);
    if (inFlight.length) {
      state.killChecks.push(Promise.all(inFlight.map((a) => retriedAfterKill(stack, a))).then((r) => r.some(Boolean)));
      break;
    }
  }
}

/** 3. Restart the Temporal dev server mid-cycle (its state persists in the db file): counted if activities were in flight when it went down. */
async function restartTemporalMidCycle(state: ChaosState): Promise<void> {
  const { stack, name } = state;
  await waitUntil('activities in flight', async () => (await pendingActivities(stack, name)).length > 0, 120_000).catch(() => {});
  const inFlightAtRestart = (await pendingActivities(stack, name)).length;
  const port = Number(stack.server.address.split(':')[1]);
  await stack.server.stop();
  stack.server = await startDevServer({ port, uiPort: null, dbFilename: path.join(stack.tmp, 'temporal.sqlite') });
  if (inFlightAtRestart > 0) countFault(state, 'Temporal server restart mid-cycle');
}

/** 4. Restart Postgres mid-cycle, counted likewise. */
async function restartPostgresMidCycle(state: ChaosState): Promise<void> {
  const { stack, name } = state;
  await waitUntil('activities in flight', async () => (await pendingActivities(stack, name)).length > 0, 120_000).catch(() => {});
  const inFlight = (await pendingActivities(stack, name)).length;
  execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'stop'], { stdio: 'ignore' });
  await sleep(1000);
  execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'start'], { stdio: 'ignore' });
  if (inFlight > 0) countFault(state, 'Postgres restart mid-cycle');
}

/**
 * 5. A 429 storm: every request refused for a while (Retry-After 1 s), and the account's limit
 * dropping far below what the client was told (it must slow down from the headers).
 */
async function stormOf429s(state: ChaosState): Promise<void> {
  const { emulator } = state.stack;
  emulator.addFault({ id: '429-storm', endpoint: '/api/v2/*', kind: 'status', status: 429, retryAfterSeconds: 1, firstN: 12 });
  emulator.setRateLimits({ enabled: true, corePerMinute: 2, exportPerMinute: 1, minuteMs: 1500 });
  await sleep(4000);
  // Back to a generous account limit (not "off"): the client learns the limit from the headers.
  emulator.setRateLimits({ enabled: true, corePerMinute: 100_000, exportPerMinute: 100_000, minuteMs: 60_000 });
}

/** 6. The backfill must complete (a failed one leaves the old history missing). */
async function awaitBackfills(state: ChaosState): Promise<void> {
  const { stack, name } = state;
  await waitUntil(
    'the backfills to finish',
    async () => {
      const s = await querySourceStatus(stack.client, name);
      return Object.values(s.backfills).length > 0 && Object.values(s.backfills).every((b) => b.state !== 'running');
      // Generous, for loaded machines: after the storm a stream can wait a window (60 s) or two for
      // a slot taken under the dip's limit, before a response reports the limit back up.
    },
    720_000,
  ).catch(async (err) => {
    throw new Error(
      `${(err as Error).message}: ${JSON.stringify((await querySourceStatus(stack.client, name).catch(() => undefined))?.backfills)}; streams ${JSON.stringify((await querySourceStatus(stack.client, name).catch(() => undefined))?.streams)}`.slice(
        0,
        3000,
      ),
    );
  });
  const unfinished = Object.values((await querySourceStatus(stack.client, name)).backfills).filter((b) => b.state !== 'completed');
  if (unfinished.length) throw new Error(`backfills did not complete: ${JSON.stringify(unfinished).slice(0, 1500)}`);
}

/** 7. Changes to every collection, then credentials revoked until a request meets them, then the remaining rounds of changes. */
async function changeWithRevokedCredentials(state: ChaosState): Promise<void> {
  const { emulator } = state.stack;
  const rounds = state.options.changeRounds ?? 2;
  changeEveryCollection(emulator, state.seed, 1, state.changeTally);
  emulator.advanceClock(90);
  const revokedFrom = emulator.requestLog.entries().at(-1)?.seq ?? 0;
  const rejected = () => emulator.requestLog.entries((e) => e.seq > revokedFrom && e.status === 401).length;
  emulator.revokeCredentials('all');
  await waitUntil(
    'a request to meet the revoked credentials',
    async () => {
      if (rejected() > 0) return true;
      await askForCycle(state);
      return false;
    },
    300_000,
    200,
  ).finally(() => emulator.restoreCredentials('all'));
  countFault(state, 'requests refused with revoked credentials', rejected());
  for (let round = 2; round <= rounds; round++) {
    changeEveryCollection(emulator, state.seed, round, state.changeTally);
    emulator.advanceClock(90);
  }
}

/**
 * How many requests a run makes depends on timing (a slow machine spends the storm idle), so keep
 * making changes and asking for cycles until every fault rule has fired at least once.
 */
async function fireEveryFaultRule(state: ChaosState): Promise<void> {
  const { stack, name, seed } = state;
  const ruleIds = ['500', '502', '503', '504-large-pages', 'reset', 'truncate', '429-storm'];
  let nudge = 0;
  await waitUntil(
    'every fault rule to fire',
    async () => {
      const fired = new Set(stack.emulator.firedFaults().map((f) => f.ruleId));
      if (ruleIds.every((id) => fired.has(id))) return true;
      if (nudge++ % 12 === 0) {
        stack.emulator.mutations.createTicket({ subject: `chaos ${seed} nudge ${nudge}`, comment: { body: 'more traffic' } });
        await sourceHandle(stack.client, name).signal(syncNowSignal);
      }
      return false;
    },
    300_000,
  ).catch((err) => {
    const fired = new Set(stack.emulator.firedFaults().map((f) => f.ruleId));
    throw new Error(`${(err as Error).message}: never fired ${ruleIds.filter((id) => !fired.has(id)).join(', ')}`);
  });
}

/** Quiet the faults, let everything settle, and run one more complete cycle: every stream must succeed in it. */
async function finalCycle(state: ChaosState): Promise<void> {
  const { stack, name } = state;
  stack.emulator.setFaults([]);
  stack.emulator.advanceClock(120);
  const before = (await querySourceStatus(stack.client, name)).cycle;
  await sourceHandle(stack.client, name).signal(syncNowSignal);
  const final = await waitForCycle(stack, name, before + 1);
  state.report.cycles = final.cycle;
  const failed = Object.entries(final.streams).filter(([, s]) => s.lastError);
  if (failed.length) throw new Error(`streams failed in the final cycle: ${failed.map(([n, s]) => `${n}: ${s.lastError}`).join('; ')}`);
}

/** Count what really happened, not what was attempted. */
async function countObservedFaults(state: ChaosState): Promise<void> {
  const { emulator } = state.stack;
  if ((await Promise.all(state.killChecks)).some(Boolean)) countFault(state, 'worker SIGKILL mid-page');
  for (const f of emulator.firedFaults())
    if (f.ruleId !== 'slow-exports' && !f.ruleId.startsWith('hold-page'))
      countFault(state, f.kind === 'status' ? String(f.status) : f.kind);
  countFault(state, '429 responses', emulator.requestLog.countByStatus()[429] ?? 0);
  const credential = await resolveCredential(state.credentialRef);
  if (credential.type === 'oauth' && credential.accessToken !== state.minted.accessToken) countFault(state, 'oauth rotation');
  state.report.fetchedTwice = emulator.requestLog.duplicates().reduce((n, d) => n + d.count - 1, 0);
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--seed <n>', 'first seed', Number, 1)
    .option('--runs <n>', 'runs (seed, seed+1, ...)', Number, 1)
    .option('--tickets <n>', 'tickets in the emulated account', Number, 1600)
    .option('--rounds <n>', 'rounds of changes to every collection', Number, 2)
    .option('--no-restart-postgres', 'leave the Postgres server alone (one shared with other work)')
    .parse(process.argv)
    .opts<{ seed: number; runs: number; tickets: number; rounds: number; restartPostgres: boolean }>();
  const pgUrl =
    process.env.ZS_PG_URL ??
    execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'start'])
      .toString()
      .trim()
      .split('\n')
      .pop()!;
  const reports: RunReport[] = [];
  for (let i = 0; i < o.runs; i++) {
    const report = await chaosRun(o.seed + i, pgUrl, { restartPostgres: o.restartPostgres, tickets: o.tickets, changeRounds: o.rounds });
    reports.push(report);
    console.log(
      `run seed=${report.seed}: ${report.mismatches === 0 ? 'ok' : 'MISMATCH'} (${report.rowsCompared} rows compared)${report.error ? `\n  ${report.error}` : ''}`,
    );
  }
  // Only what something observed: a fault that hit nothing is not in this table.
  const kinds = [...new Set(reports.flatMap((r) => Object.keys(r.faults)))].sort();
  console.log(
    `\n${formatTable(
      ['fault', 'observed'],
      kinds.map((k) => [k, String(reports.reduce((n, r) => n + (r.faults[k] ?? 0), 0))]),
    )}\n`,
  );
  const changed = [...new Set(reports.flatMap((r) => Object.keys(r.changes)))].sort();
  const sum = (c: string, i: number) => String(reports.reduce((n, r) => n + Number((r.changes[c] ?? '0/0/0').split('/')[i]), 0));
  console.log(
    `${formatTable(
      ['collection', 'created', 'updated', 'deleted'],
      changed.map((c) => [c, sum(c, 0), sum(c, 1), sum(c, 2)]),
    )}\n`,
  );
  // "Repeated requests": identical requests answered 200 more than once — retries after faults, the
  // page in flight at a kill, and lists that every cycle reads in full.
  console.log(
    formatTable(
      ['seed', 'cycles', 'rows compared', 'mismatches', 'repeated requests'],
      reports.map((r) => [String(r.seed), String(r.cycles), String(r.rowsCompared), String(r.mismatches), String(r.fetchedTwice)]),
    ),
  );
  const bad = reports.filter((r) => r.mismatches > 0).length;
  console.log(`\n${reports.length - bad} passed, ${bad} failed`);
  process.exit(bad ? 1 : 0);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
