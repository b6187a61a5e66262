/**
 * Temporal overhead: a real source workflow on a Temporal dev server (harness/stack.ts: dev
 * server, emulator, an in-process worker) syncs a mid-sized account; then a sync-now makes the
 * workflow continue-as-new and run a second cycle where nothing changed (and a third sync-now ends
 * that run). From each of the two complete runs' histories:
 *  - history events per cycle (the whole run: cycle, wait, signal, continue-as-new) and per 1000 pages;
 *  - the share of the cycle's wall time spent outside fetching and writing.
 *
 * Wall time of a cycle: from the run's WorkflowExecutionStarted to the workflow task that completed
 * after the last activity finished (where the workflow starts waiting for the next cycle).
 *
 * Time inside fetching and writing: the union of the activities' own intervals. A syncStream
 * activity's interval is [completed − StreamResult.durationMs, completed] (its durationMs is measured
 * inside the activity, from its first request to its last commit; `completed` is the server's
 * ActivityTaskCompleted time, so the interval ends a result-upload later than the work did, a
 * fraction of a millisecond on loopback). checkSource has no duration of its own and counts from
 * its ActivityTaskStarted to its ActivityTaskCompleted. Streams run three at a time, so the sum of
 * durations exceeds the wall time; the union is the time at least one stream was working — the
 * critical path of a cycle whose lanes never idle while work is queued — and wall − union is what
 * orchestration added: workflow tasks, activity dispatch and polling, and the moments when a lane had
 * finished and its next stream was not yet running.
 */
import { tsToMs, defaultPayloadConverter } from '@temporalio/common';
import path from 'node:path';
import type { StreamResult } from '../workflows/types';
import { syncNowSignal } from '../workflows/messages';
import { sourceConfig, startStack, startTestSource, startWorker, waitForCycle, type RunningWorker, type Stack } from '../harness/stack';

export interface TemporalCycleFigures {
  cycle: number;
  kind: string;
  /** Every event of the run (the cycle, its wait and its continue-as-new). */
  historyEvents: number;
  /** Events by kind: workflowTask, activity, timer, signal, other. */
  eventsByKind: Record<string, number>;
  activities: number;
  pages: number;
  eventsPer1000Pages: number | null;
  wallMs: number;
  /** Union of activity intervals. */
  busyMs: number;
  /** Sum of activity durations (exceeds wall time with parallel streams). */
  sumActivityMs: number;
  overheadMs: number;
  overheadShare: number;
  /** Mean time from ActivityTaskScheduled to ActivityTaskStarted (dispatch to the worker). */
  meanScheduleToStartMs: number;
  /** Mean time from a WorkflowTaskScheduled to its WorkflowTaskCompleted (the workflow's own turns). */
  meanWorkflowTaskMs: number;
}

export interface TemporalOverheadFigures {
  tickets: number;
  cycles: TemporalCycleFigures[];
}

type HistoryEvent = Record<string, unknown> & { eventId?: unknown; eventTime?: unknown };

const attributesOf = (e: HistoryEvent): string =>
  Object.keys(e).find((k) => k.endsWith('EventAttributes') && e[k] !== null && e[k] !== undefined) ?? 'unknown';

function kindOf(attributes: string): string {
  if (attributes.startsWith('workflowTask')) return 'workflowTask';
  if (attributes.startsWith('activityTask')) return 'activity';
  if (attributes.startsWith('timer')) return 'timer';
  if (attributes.startsWith('workflowExecutionSignaled')) return 'signal';
  return 'other';
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function union(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      [start, end] = [s, e];
    } else end = Math.max(end, e);
  }
  if (end > start) total += end - start;
  return total;
}

function analyse(cycle: number, kind: string, events: HistoryEvent[]): TemporalCycleFigures {
  const byId = new Map<number, HistoryEvent>();
  const timeOf = (e: HistoryEvent) => tsToMs(e.eventTime as never);
  const idOf = (e: HistoryEvent) => Number(e.eventId);
  for (const e of events) byId.set(idOf(e), e);
  const eventsByKind: Record<string, number> = {};
  const intervals: Array<[number, number]> = [];
  let sumActivityMs = 0;
  let pages = 0;
  let activities = 0;
  let lastActivityCompletedId = -1;
  const scheduleToStart: number[] = [];
  const workflowTurns: number[] = [];
  let wftScheduledAt: number | undefined;
  for (const e of events) {
    const attributes = attributesOf(e);
    eventsByKind[kindOf(attributes)] = (eventsByKind[kindOf(attributes)] ?? 0) + 1;
    if (attributes === 'workflowTaskScheduledEventAttributes') wftScheduledAt = timeOf(e);
    if (attributes === 'workflowTaskCompletedEventAttributes' && wftScheduledAt !== undefined) {
      workflowTurns.push(timeOf(e) - wftScheduledAt);
      wftScheduledAt = undefined;
    }
    if (attributes === 'activityTaskStartedEventAttributes') {
      const started = e[attributes] as { scheduledEventId: unknown };
      scheduleToStart.push(timeOf(e) - timeOf(byId.get(Number(started.scheduledEventId))!));
    }
    if (attributes !== 'activityTaskCompletedEventAttributes') continue;
    activities++;
    lastActivityCompletedId = idOf(e);
    const done = e[attributes] as { scheduledEventId: unknown; startedEventId: unknown; result?: { payloads?: unknown[] } };
    const scheduled = byId.get(Number(done.scheduledEventId))!;
    const type = (scheduled.activityTaskScheduledEventAttributes as { activityType: { name: string } }).activityType.name;
    const end = timeOf(e);
    if (type === 'syncStream') {
      const result = defaultPayloadConverter.fromPayload<StreamResult>(done.result!.payloads![0] as never);
      intervals.push([end - result.durationMs, end]);
      sumActivityMs += result.durationMs;
      pages += result.pages;
    } else {
      const start = timeOf(byId.get(Number(done.startedEventId))!);
      intervals.push([start, end]);
      sumActivityMs += end - start;
    }
  }
  const startedAt = timeOf(events[0]!);
  const cycleEnd = events.find((e) => idOf(e) > lastActivityCompletedId && attributesOf(e) === 'workflowTaskCompletedEventAttributes');
  const wallMs = (cycleEnd ? timeOf(cycleEnd) : timeOf(events.at(-1)!)) - startedAt;
  const busyMs = union(intervals);
  return {
    cycle,
    kind,
    historyEvents: events.length,
    eventsByKind,
    activities,
    pages,
    eventsPer1000Pages: pages > 0 ? (events.length * 1000) / pages : null,
    wallMs: Math.round(wallMs),
    busyMs: Math.round(busyMs),
    sumActivityMs: Math.round(sumActivityMs),
    overheadMs: Math.round(wallMs - busyMs),
    overheadShare: (wallMs - busyMs) / wallMs,
    meanScheduleToStartMs: Math.round(mean(scheduleToStart)),
    meanWorkflowTaskMs: Math.round(mean(workflowTurns)),
  };
}

export async function benchTemporalOverhead(opts: { tickets: number; log?: (line: string) => void }): Promise<TemporalOverheadFigures> {
  const log = opts.log ?? (() => {});
  const { tickets } = opts;
  let stack: Stack | undefined;
  let worker: RunningWorker | undefined;
  try {
    stack = await startStack({
      emulator: {
        seed: 6,
        tickets,
        users: Math.max(50, tickets / 10),
        organizations: Math.max(10, tickets / 100),
        groups: 10,
        activities: 200,
        auditLogs: 300,
        sameSecondRun: tickets >= 2200 ? 1100 : 0,
      },
    });
    worker = await startWorker(stack);
    const name = `bench_temporal_${process.pid}`;
    const config = sourceConfig(stack, { name, destination: `sqlite://${path.join(stack.tmp, 'warehouse')}` });
    log(`  ${tickets} tickets: cycle 1 (initial load) through Temporal...`);
    const handle = await startTestSource(stack, config);
    const runIds = [(await handle.describe()).runId];
    await waitForCycle(stack, name, 1, 15 * 60_000);
    // A sync-now ends the run with continue-as-new; the next run syncs what changed (nothing). A
    // second sync-now ends that run too, so both analysed runs are complete histories.
    for (const cycle of [2, 3]) {
      stack.emulator.advanceClock(120);
      if (cycle === 2) log(`  ${tickets} tickets: cycle 2 (nothing changed)...`);
      await handle.signal(syncNowSignal);
      await waitForCycle(stack, name, cycle, 5 * 60_000);
      runIds.push((await stack.client.workflow.getHandle(handle.workflowId).describe()).runId);
    }
    const history = async (runId: string) =>
      ((await stack!.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? []) as HistoryEvent[];
    const cycles = [analyse(1, 'initial load', await history(runIds[0]!)), analyse(2, 'nothing changed', await history(runIds[1]!))];
    await stack.client.workflow
      .getHandle(handle.workflowId)
      .terminate('benchmark finished')
      .catch(() => {});
    return { tickets, cycles };
  } finally {
    await worker?.stop();
    await stack?.close();
  }
}

export function temporalRows(figures: TemporalOverheadFigures): string[][] {
  return figures.cycles.map((c) => [
    `${c.cycle} (${c.kind})`,
    String(c.historyEvents),
    Object.entries(c.eventsByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', '),
    String(c.pages),
    c.eventsPer1000Pages === null ? '-' : c.eventsPer1000Pages.toFixed(0),
    `${(c.wallMs / 1000).toFixed(1)} s`,
    `${(c.busyMs / 1000).toFixed(1)} s`,
    `${(c.overheadMs / 1000).toFixed(2)} s`,
    `${(c.overheadShare * 100).toFixed(1)} %`,
    `${c.meanScheduleToStartMs} ms`,
    `${c.meanWorkflowTaskMs} ms`,
  ]);
}
