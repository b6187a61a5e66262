/**
 * The fetch-and-upsert activity: streams one Zendesk stream's pages straight into the warehouse.
 *
 * After each committed page it records the cursor (in the destination's state table and in the
 * heartbeat), so a retry on any worker resumes after the last committed page. Records never leave
 * this activity: it returns cursors and counts only.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { collectionsOfStream, streamByName } from '../catalog/collections';
import type { Destination } from '../destinations/types';
import type { CollectionSpec, StreamSpec } from '../catalog/types';
import { mapPage } from '../sync/mapper';
import { TablePlanner } from './tablePlans';
import { isoSeconds } from '../sync/coercion';
import { isCollectionEnabled } from '../workflows/collectionSelection';
import type { StreamCursor, StreamResult, SyncStreamInput } from '../workflows/types';
import type { AccountSession } from './resources';
import type { PageResult, ReadWindow } from '../zendesk';
import { streamWindow } from './streamWindow';
import { keepsListPosition, listResumePoint, recordListPosition } from './listPosition';
import {
  listReadStateKey,
  parseListReadState,
  planListRead,
  stateAfterRead,
  usesListReadPlan,
  isNotDue,
  type ListReadPlan,
  type ListReadState,
} from './listReads';

/** What a heartbeat carries: enough to resume and to show progress (no records). */
export interface SyncHeartbeat {
  stream: string;
  cursor: StreamCursor | null;
  pages: number;
  rows: number;
  /**
   * Rows per table and Zendesk requests so far, all attempts of this activity included, so a retry's
   * result counts what earlier attempts committed (absent in heartbeats of older workers).
   */
  rowsByTable?: Record<string, number>;
  requests?: number;
  /**
   * Lists read in full: the read whose seen keys the committed pages recorded (see
   * `Destination.beginFullRead`), so a retry resuming mid-list continues the same read. Absent in
   * heartbeats of older workers and of other streams.
   */
  fullReadId?: string;
  /**
   * Lists with a time filter: whether this read is a full one or from which time, and when it began
   * (see activities/listReads.ts), so a retry continues the same read. Absent in other streams.
   */
  listRead?: ListReadPlan;
}

export interface SyncStreamDeps {
  destination: Destination;
  session: AccountSession;
  heartbeat: (details: SyncHeartbeat) => void;
  /** Details of the last heartbeat of the previous attempt, if this is a retry. */
  previousHeartbeat?: SyncHeartbeat;
  /**
   * Names this activity across its attempts (workflow run and activity id), so a retry recognises
   * the counts it wrote to the state table. Without it, counts come from the heartbeat only.
   */
  progressOwner?: string;
  signal: AbortSignal;
  log: (message: string, meta?: Record<string, unknown>) => void;
  nowMs?: () => number;
  /**
   * Between pages the last heartbeat is repeated this often, so an activity that is alive but
   * waiting (for the account's rate budget, a Retry-After, a slow page) is not timed out and
   * retried in a loop. Hangs are bounded by the HTTP timeouts, not by the heartbeat.
   */
  keepAliveMs?: number;
}

/**
 * How often a running activity heartbeats at most between page commits, and (see
 * runtime/worker.ts) the longest the worker holds a heartbeat back before sending it. A pause or
 * stop reaches an activity only in the answer to a heartbeat, so together they bound how late it
 * learns of one: about twice this, plus a round trip to Temporal (`CANCELLATION_NOTICE_BOUND_SECONDS`).
 */
export const HEARTBEAT_CADENCE_MS = 2000;
/** The stated bound: a pause or stop stops a running stream within this long, at a page boundary. */
export const CANCELLATION_NOTICE_BOUND_SECONDS = 5;

export function cursorStateKey(stream: string): string {
  return `cursor:${stream}`;
}

/** Counts of one activity (all its attempts) so far. */
export interface StreamProgress {
  pages: number;
  rows: number;
  rowsByTable: Record<string, number>;
  requests: number;
}

/**
 * What the state table holds for an incremental stream: the cursor and, in the same write, the counts
 * of the activity that committed it (`owner` names that activity; absent in states written by older
 * workers). After a crash the heartbeat the server kept can be pages behind the state table (heartbeats
 * are throttled, and the worker may die between the two writes), so counts are taken from whichever
 * copy supplies the cursor the retry resumes from.
 */
export interface StoredCursor extends StreamCursor {
  progress?: StreamProgress & { owner: string };
}

export function parseStoredCursor(text: string | null): StoredCursor | null {
  return text ? (JSON.parse(text) as StoredCursor) : null;
}

export function initialStartKey(stream: string): string {
  return `initial_start_time:${stream}`;
}

/**
 * Epoch seconds up to which the warehouse holds the stream's changes after a run that read to the end:
 * an export is complete up to its last request minus the minute Zendesk leaves out of exports; a list
 * read in full is complete as of when the read began.
 */
export function syncedThrough(
  style: string,
  mode: SyncStreamInput['mode'],
  startedMs: number,
  reachedEndAtMs: number | undefined,
): number | undefined {
  if (mode !== 'incremental' || reachedEndAtMs === undefined) return undefined;
  const exported = style === 'cursor_export' || style === 'time_export';
  return Math.floor((exported ? reachedEndAtMs - 60_000 : startedMs) / 1000);
}

/**
 * Whether a run of this stream removes the rows its read did not list: lists read in full do (Zendesk
 * deleted those records), unless the catalog keeps them (audit logs, which only age out).
 */
export function removesUnlisted(stream: StreamSpec, mode: SyncStreamInput['mode']): boolean {
  return stream.fullRefresh && mode === 'incremental' && stream.keepUnlisted !== true;
}

/** The newest of several copies of a cursor, by sequence number. */
export function newestCursor(...cursors: Array<StreamCursor | null | undefined>): StreamCursor | null {
  let best: StreamCursor | null = null;
  for (const c of cursors) if (c && (!best || c.seq > best.seq)) best = c;
  return best;
}

/**
 * Ends the page iterator (releasing its connection), as `for await` does on `break`. With a fetch
 * still in flight (the loop failed while prefetching), the iterator is closed once that fetch
 * settles, without waiting for it here: the error is reported at once.
 */
async function closeIterator(iterator: AsyncIterator<PageResult>, pending: Promise<unknown> | null): Promise<void> {
  if (!iterator.return) return;
  if (pending) {
    void pending.then(
      () => iterator.return!().catch(() => {}),
      () => {},
    );
    return;
  }
  await iterator.return().catch(() => {});
}

export async function runSyncStream(input: SyncStreamInput, deps: SyncStreamDeps): Promise<StreamResult> {
  if (keepsListPosition(streamByName(input.stream), input.mode)) {
    // A list resumes from its last committed page, also when started again on another worker.
    const resumeAt = await listResumePoint(deps.destination, input.config.name, input.stream, deps.progressOwner, deps.previousHeartbeat);
    deps = { ...deps, previousHeartbeat: resumeAt };
  }
  // Until the first page commits, the keep-alive repeats the previous attempt's heartbeat (a list
  // resumes mid-way from it), or, on a first attempt, one that resumes exactly like no heartbeat.
  let lastBeat: SyncHeartbeat = deps.previousHeartbeat ?? { stream: input.stream, cursor: null, pages: 0, rows: 0 };
  const keepAlive = deps.keepAliveMs ? setInterval(() => deps.heartbeat(lastBeat), deps.keepAliveMs) : undefined;
  keepAlive?.unref();
  try {
    return await syncPages(input, {
      ...deps,
      heartbeat: (details) => {
        lastBeat = details;
        deps.heartbeat(details);
      },
    });
  } finally {
    clearInterval(keepAlive);
  }
}

/** One stream run: what it reads, from where, and what it has committed so far (all attempts included). */
interface StreamRun {
  input: SyncStreamInput;
  deps: SyncStreamDeps;
  source: string;
  stream: StreamSpec;
  tables: CollectionSpec[];
  planner: TablePlanner;
  now: () => number;
  startedMs: number;
  incremental: boolean;
  /** The last committed page's position (null before the first). */
  cursor: StreamCursor | null;
  counts: { pages: number; rows: number; rowsByTable: Record<string, number> };
  requestsSoFar: () => number;
  window: ReadWindow;
  includes: string[];
  listState: ListReadState | null;
  listRead?: ListReadPlan;
  /** False when a retry continues a full read an older worker began (its start is unknown). */
  listReadStartKnown: boolean;
  fullReadId?: string;
  rejected: Record<string, number>;
  coercedToNull: Record<string, number>;
  /** Warnings the pages carried (e.g. a list not in the order asked for). */
  readWarnings: string[];
}

async function syncPages(input: SyncStreamInput, deps: SyncStreamDeps): Promise<StreamResult> {
  const run = await startRun(input, deps);
  if (isNotDue(run.stream, run.listRead)) {
    // Read only on reconciliations (the source's `reconciliationOnly`), and none is due: no request.
    deps.log('stream not due: read only on reconciliations', { stream: run.stream.name });
    return finishedResult(run, undefined, undefined);
  }
  let reachedEndAt: number | undefined;
  try {
    reachedEndAt = await commitPages(run);
  } catch (err) {
    const skipped = deps.session.forbiddenReason(err);
    if (skipped && run.stream.skipWhenForbidden) {
      deps.log('stream skipped: Zendesk refused it', { stream: run.stream.name, reason: skipped });
      return skippedResult(run, skipped);
    }
    throw err;
  }
  const deletedByTable = await sweepUnlisted(run, reachedEndAt);
  await recordListRead(run, reachedEndAt, deletedByTable);
  return finishedResult(run, reachedEndAt, deletedByTable);
}

/** Prepares the tables and decides where the run starts, what it reads and whether it tracks deletions. */
async function startRun(input: SyncStreamInput, deps: SyncStreamDeps): Promise<StreamRun> {
  const startedMs = Date.now();
  const now = deps.nowMs ?? Date.now;
  const source = input.config.name;
  const stream = streamByName(input.stream);
  const tables = collectionsOfStream(stream.name).filter((c) => isCollectionEnabled(input.config, c.name));
  const requestsAtStart = deps.session.requestCount();

  await deps.destination.ensureSchema(source);
  const planner = new TablePlanner(source, deps.destination, deps.session, deps.signal);
  await planner.prepare(tables);

  const incremental = input.mode === 'incremental' && !stream.fullRefresh;
  const { cursor, progress } = await startingPoint(input, deps, stream, incremental);
  const { listState, listRead, listReadStartKnown } = await listReadOfRun(input, deps, stream, now);
  const window = {
    ...streamWindow(input, stream, cursor, now),
    ...(listRead && !listRead.full ? { changedSince: listRead.since } : {}),
  };
  if (incremental && !cursor && window.startTime !== undefined) {
    // Where the history in the warehouse begins: shown in status, and older data needs a backfill.
    await deps.destination.writeState(source, initialStartKey(stream.name), String(window.startTime));
  }
  const fullReadId = await trackDeletions(input, deps, stream, tables, cursor, listRead);
  const enabledTables = new Set(tables.map((t) => t.name));
  const includes = (stream.includes ?? []).filter((i) => i.forTables.some((t) => enabledTables.has(t))).map((i) => i.value);
  const requestsBefore = progress.requests;
  deps.log('stream sync starting', {
    stream: stream.name,
    mode: input.mode,
    resumeFromSeq: cursor?.seq ?? null,
    ...(listRead ? { listRead: listRead.full ? 'full' : `changed since ${new Date(listRead.since! * 1000).toISOString()}` } : {}),
  });
  return {
    input,
    deps,
    source,
    stream,
    tables,
    planner,
    now,
    startedMs,
    incremental,
    cursor,
    counts: { pages: progress.pages, rows: progress.rows, rowsByTable: progress.rowsByTable },
    requestsSoFar: () => requestsBefore + deps.session.requestCount() - requestsAtStart,
    window,
    includes,
    listState,
    listRead,
    listReadStartKnown,
    fullReadId,
    rejected: {},
    coercedToNull: {},
    readWarnings: [],
  };
}

/**
 * Where to start, and the counts of earlier attempts. Incremental exports keep a durable cursor; lists
 * are read in full each run and only resume mid-list within one activity (from the heartbeat, or from
 * the position an earlier execution on another worker committed: listPosition.ts, applied in
 * runSyncStream). A retry continues the counts of the attempts before it: their pages are committed and
 * are not read again, so the result (and the status's rows per collection) must include them. They come
 * from the same copy as the cursor, or a crash would resume after pages it does not count.
 */
async function startingPoint(
  input: SyncStreamInput,
  deps: SyncStreamDeps,
  stream: StreamSpec,
  incremental: boolean,
): Promise<{ cursor: StreamCursor | null; progress: StreamProgress }> {
  const beat = deps.previousHeartbeat;
  let progress: StreamProgress = {
    pages: beat?.pages ?? 0,
    rows: beat?.rows ?? 0,
    rowsByTable: { ...(beat?.rowsByTable ?? {}) },
    requests: beat?.requests ?? 0,
  };
  if (!incremental) return { cursor: beat?.cursor ?? null, progress };
  const stored = parseStoredCursor(await deps.destination.readState(input.config.name, cursorStateKey(stream.name)));
  const storedCursor = stored ? { seq: stored.seq, value: stored.value } : null;
  const cursor = newestCursor(beat?.cursor, input.cursor, storedCursor);
  const committedByThisActivity = !!stored?.progress && !!deps.progressOwner && stored.progress.owner === deps.progressOwner;
  if (stored && committedByThisActivity && cursor?.seq === stored.seq && stored.seq > (beat?.cursor?.seq ?? -1)) {
    const { owner: _owner, ...counts } = stored.progress!;
    progress = { ...counts, rowsByTable: { ...counts.rowsByTable } };
  }
  return { cursor, progress };
}

/**
 * Lists with a time filter: a full read (a reconciliation) or only what changed (see listReads.ts).
 * A retry continues the plan its heartbeat names; an older worker's heartbeat names none, and its read
 * began as a full one, so it stays one but is not recorded as complete (its start is unknown).
 */
async function listReadOfRun(
  input: SyncStreamInput,
  deps: SyncStreamDeps,
  stream: StreamSpec,
  now: () => number,
): Promise<{ listState: ListReadState | null; listRead?: ListReadPlan; listReadStartKnown: boolean }> {
  if (!usesListReadPlan(stream, input.mode, input.config)) return { listState: null, listReadStartKnown: true };
  const listState = parseListReadState(await deps.destination.readState(input.config.name, listReadStateKey(stream.name)));
  const beat = deps.previousHeartbeat;
  if (beat?.listRead) return { listState, listRead: beat.listRead, listReadStartKnown: true };
  if (beat?.cursor) return { listState, listRead: { full: true, startedAt: Math.floor(now() / 1000) }, listReadStartKnown: false };
  return {
    listState,
    listRead: planListRead(stream, listState, input.config.reconcileEveryHours, Math.floor(now() / 1000)),
    listReadStartKnown: true,
  };
}

/**
 * Deletions in lists read in full (Destination.beginFullRead): a read from the first page begins a new
 * set of seen keys; a retry resuming mid-list continues the read its heartbeat names. Without that name
 * (a heartbeat of an older worker) the keys of the pages before the retry are unknown, so this read
 * deletes nothing and the next cycle's read does. Returns the read's id, if it tracks deletions.
 */
async function trackDeletions(
  input: SyncStreamInput,
  deps: SyncStreamDeps,
  stream: StreamSpec,
  tables: CollectionSpec[],
  cursor: StreamCursor | null,
  listRead: ListReadPlan | undefined,
): Promise<string | undefined> {
  if (!removesUnlisted(stream, input.mode) || !(listRead?.full ?? true)) return undefined;
  if (!cursor) {
    const fullReadId = randomUUID();
    await deps.destination.beginFullRead(
      input.config.name,
      tables.map((t) => t.name),
      fullReadId,
    );
    return fullReadId;
  }
  if (deps.previousHeartbeat?.fullReadId) return deps.previousHeartbeat.fullReadId;
  deps.log('list read resumed without its read id: deletions are applied by the next cycle', { stream: stream.name });
  return undefined;
}

/**
 * Reads the stream's pages and commits each: rows, then the cursor, then the heartbeat. Returns the
 * time the last page (or a backfill's end) was committed, undefined if the pages ended without one
 * marked last; throws on a failure or a stop.
 *
 * Pages are fetched one ahead: while page N is mapped and committed, page N+1 is already on the wire.
 * The order per page is unchanged, and the cursor only ever names committed pages, so a crash still
 * resumes after the last committed page (the prefetched page is simply fetched again). No page is
 * fetched past the last one or past a backfill's end (the window's end marks that page done), so the
 * request count is the same as without prefetching.
 */
async function commitPages(run: StreamRun): Promise<number | undefined> {
  const { deps } = run;
  const pagesIterator = deps.session
    .paginate(run.stream, {
      ...run.window,
      includes: run.includes,
      signal: deps.signal,
    })
    [Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<PageResult>> | null = null;
  const fetchNext = (): Promise<IteratorResult<PageResult>> => {
    const next = pagesIterator.next();
    next.catch(() => {}); // observed below; never an unhandled rejection if the loop exits first
    return next;
  };
  try {
    pending = fetchNext();
    for (;;) {
      const step: IteratorResult<PageResult> = await pending!;
      pending = null;
      if (step.done) return undefined; // ended without a page marked done: not known to be complete
      // The page boundary: a page fetched (or prefetched) before a pause or stop reached this
      // activity is not committed after it. A commit already under way finishes (one transaction,
      // its cursor with it), so the warehouse and the cursor agree.
      if (deps.signal.aborted) throw deps.signal.reason ?? new Error('cancelled');
      const page = step.value;
      if (!page.done) pending = fetchNext();
      await commitPage(run, page);
      if (page.warning) run.readWarnings.push(page.warning);
      if (page.done) return run.now();
    }
  } finally {
    await closeIterator(pagesIterator, pending);
  }
}

/** Writes one page's rows, then its cursor (incremental streams), then heartbeats the new position. */
async function commitPage(run: StreamRun, page: PageResult): Promise<void> {
  const { deps, stream, source, counts } = run;
  const newColumns = await run.planner.admitPage(page.records);
  if (newColumns.length) deps.log('new custom-field columns', { stream: stream.name, columns: newColumns });
  const mapped = mapPage(run.planner.plans, page.records, page.page, isoSeconds(run.now()));
  const written = await deps.destination.upsert(
    source,
    mapped.batches,
    run.fullReadId === undefined ? undefined : { fullReadId: run.fullReadId },
  );
  run.cursor = { seq: (run.cursor?.seq ?? 0) + 1, value: page.resumeCursor };
  counts.pages += 1;
  for (const [table, n] of Object.entries(written.rowsByTable)) {
    counts.rowsByTable[table] = (counts.rowsByTable[table] ?? 0) + n;
    counts.rows += n;
  }
  if (run.incremental) {
    const stored: StoredCursor = deps.progressOwner
      ? {
          ...run.cursor,
          progress: { owner: deps.progressOwner, ...counts, rowsByTable: { ...counts.rowsByTable }, requests: run.requestsSoFar() },
        }
      : run.cursor;
    await deps.destination.writeState(source, cursorStateKey(stream.name), JSON.stringify(stored));
  }
  for (const [t, n] of Object.entries(mapped.rejected)) run.rejected[t] = (run.rejected[t] ?? 0) + n;
  for (const [t, n] of Object.entries(mapped.coercedToNull)) run.coercedToNull[t] = (run.coercedToNull[t] ?? 0) + n;
  const beat: SyncHeartbeat = {
    stream: stream.name,
    cursor: run.cursor,
    ...counts,
    rowsByTable: { ...counts.rowsByTable },
    requests: run.requestsSoFar(),
    ...(run.fullReadId === undefined ? {} : { fullReadId: run.fullReadId }),
    ...(run.listRead ? { listRead: run.listRead } : {}),
  };
  if (deps.progressOwner && keepsListPosition(stream, run.input.mode)) {
    await recordListPosition(deps.destination, source, deps.progressOwner, beat);
  }
  deps.heartbeat(beat);
}

/**
 * Only a read that reached the list's last page knows which records are gone. A failed or cut-short
 * read never gets here; a cancellation that arrives after the last page still deletes nothing (the
 * next cycle's read will), so a stopped or paused run never removes rows. Returns rows deleted per
 * table, for the tables whose read settled deletions (undefined when this run settled none).
 */
async function sweepUnlisted(run: StreamRun, reachedEndAt: number | undefined): Promise<Record<string, number> | undefined> {
  const { deps, stream } = run;
  if (run.fullReadId === undefined || reachedEndAt === undefined || deps.signal.aborted) return undefined;
  const deletedByTable: Record<string, number> = {};
  for (const plan of run.planner.plans) {
    const sweep = await deps.destination.finishFullRead(run.source, plan.table, run.fullReadId);
    if (sweep.swept) deletedByTable[plan.table.name] = sweep.deleted;
    else deps.log('list read superseded by a newer read: it deletes nothing', { stream: stream.name, table: plan.table.name });
  }
  const deleted = Object.entries(deletedByTable).filter(([, n]) => n > 0);
  if (deleted.length) deps.log('rows no longer listed by Zendesk deleted', { stream: stream.name, deleted: Object.fromEntries(deleted) });
  return deletedByTable;
}

/**
 * A time-filtered list that reached its last page records the read, so the next cycle reads from its
 * start (minus the overlap); a full read counts as a reconciliation only if it settled deletions (or
 * keeps unlisted rows anyway). Written after the sweep: a crash in between repeats the full read.
 */
async function recordListRead(
  run: StreamRun,
  reachedEndAt: number | undefined,
  deletedByTable: Record<string, number> | undefined,
): Promise<void> {
  const { deps, stream, listRead } = run;
  if (!listRead || reachedEndAt === undefined || deps.signal.aborted || !run.listReadStartKnown) return;
  const settled =
    !removesUnlisted(stream, run.input.mode) ||
    (run.fullReadId !== undefined && run.planner.plans.every((p) => deletedByTable?.[p.table.name] !== undefined));
  await deps.destination.writeState(
    run.source,
    listReadStateKey(stream.name),
    JSON.stringify(stateAfterRead(run.listState, listRead, listRead.full && settled)),
  );
}

function skippedResult(run: StreamRun, skipped: string): StreamResult {
  const { stream, counts } = run;
  return {
    stream: stream.name,
    summary: `${stream.name}: skipped — ${skipped}`,
    cursor: null,
    pages: counts.pages,
    rows: counts.rows,
    rowsByTable: counts.rowsByTable,
    requests: run.requestsSoFar(),
    skipped,
    warnings: [`${stream.name} skipped: ${skipped}`],
    durationMs: Date.now() - run.startedMs,
  };
}

function finishedResult(
  run: StreamRun,
  reachedEndAt: number | undefined,
  deletedByTable: Record<string, number> | undefined,
): StreamResult {
  const { stream, counts } = run;
  const warnings: string[] = [...run.readWarnings];
  for (const [t, n] of Object.entries(run.rejected)) warnings.push(`${t}: ${n} records without a primary key were not written`);
  for (const [t, n] of Object.entries(run.coercedToNull))
    warnings.push(`${t}: ${n} values did not fit their column type and were stored as NULL`);
  const requests = run.requestsSoFar();
  const result: StreamResult = {
    stream: stream.name,
    summary: `${stream.name}: ${counts.pages.toLocaleString('en-US')} pages, ${counts.rows.toLocaleString('en-US')} rows, ${requests} requests`,
    cursor: run.incremental ? run.cursor : null,
    pages: counts.pages,
    rows: counts.rows,
    rowsByTable: counts.rowsByTable,
    requests,
    warnings,
    durationMs: Date.now() - run.startedMs,
    syncedThrough: syncedThrough(stream.style, run.input.mode, run.startedMs, reachedEndAt),
    ...(deletedByTable ? { deletedByTable } : {}),
  };
  run.deps.log('stream sync finished', { stream: stream.name, pages: counts.pages, rows: counts.rows, requests });
  return result;
}

/** The heartbeat details of a previous attempt, if they are ours. */
export function previousHeartbeatOf(details: unknown): SyncHeartbeat | undefined {
  const d = details as SyncHeartbeat | undefined;
  return d && typeof d === 'object' && typeof d.stream === 'string' ? d : undefined;
}

/** Convenience for the activity wrapper. */
export function activityDeps(): Pick<
  SyncStreamDeps,
  'heartbeat' | 'previousHeartbeat' | 'progressOwner' | 'signal' | 'log' | 'keepAliveMs'
> {
  const ctx = Context.current();
  return {
    progressOwner: ctx.info.workflowExecution ? `${ctx.info.workflowExecution.runId}/${ctx.info.activityId}` : undefined,
    // Often enough to stay alive (a third of the timeout) and to hear of a pause soon (see HEARTBEAT_CADENCE_MS).
    keepAliveMs: Math.max(1000, Math.min(HEARTBEAT_CADENCE_MS, Math.floor((ctx.info.heartbeatTimeoutMs ?? 60_000) / 3))),
    heartbeat: (d) => ctx.heartbeat(d),
    previousHeartbeat: previousHeartbeatOf(ctx.info.heartbeatDetails),
    signal: ctx.cancellationSignal,
    log: (message, meta) => ctx.log.info(message, meta),
  };
}
