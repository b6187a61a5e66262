import type { Serializer } from './serialize';
import type { Store, Table } from './store';

/**
 * Renders the export records' JSON ahead of the first request, so that even the first walk of an
 * export is served from cached bytes (issue 2, "Fast": a 1000-ticket page must be served well under
 * the time a client needs to parse it). Rendering a 10k-ticket account takes seconds, so by default
 * it runs after the emulator listens, in short slices that give way to requests between them.
 *
 * Order: the exports are walked in their export order, 1000 records (one default page) of each in
 * turn, so the first pages of every export are warm first — those are what a sync asks for first.
 * Each record is rendered from the table's current version (looked up by id at that moment), so a
 * change made while warming is never overwritten by a stale rendering.
 */
const SLICE_MS = 8;
const ROUND = 1000;

interface ExportWarm {
  ids: number[];
  render: (id: number) => void;
}

function exportWarm<T extends { id: number }>(table: Table<T>, render: (record: T) => void): ExportWarm {
  return {
    ids: table.byExportTime().records.map((r) => r.id),
    render: (id) => {
      const current = table.get(id);
      if (current) render(current);
    },
  };
}

function* warmSteps(store: Store, serializer: Serializer): Generator<void> {
  const exports: ExportWarm[] = [];
  // The time indexes are built lazily here too, one per step, so even that work is sliced.
  exports.push(
    exportWarm(store.tickets, (t) => {
      serializer.ticketBytes(t);
      serializer.metricSetBytes(t.id);
    }),
  );
  yield;
  exports.push(exportWarm(store.ticketEvents, (e) => serializer.ticketEventBytes(e, true)));
  yield;
  exports.push(exportWarm(store.users, (u) => serializer.userBytes(u)));
  exports.push(exportWarm(store.organizations, (o) => serializer.plainBytes(store.organizations, o, 'organizations')));
  yield;
  const longest = Math.max(...exports.map((e) => e.ids.length));
  for (let offset = 0; offset < longest; offset += ROUND) {
    for (const e of exports) {
      const end = Math.min(e.ids.length, offset + ROUND);
      for (let i = offset; i < end; i++) {
        e.render(e.ids[i]!);
        yield;
      }
    }
  }
}

export class Warmer {
  private stopped = false;
  private finished = false;
  /** Settles when every record has been rendered once, or when warming was stopped. */
  readonly done: Promise<void>;
  private finish: () => void = () => {};
  private steps: Generator<void> | undefined;
  /** A requested hold: the warm-up stops after `remaining` more steps until resumed (tests). */
  private hold: { remaining: number; reached: () => void; missed: (error: Error) => void } | undefined;
  private held = false;

  constructor(
    private readonly store: Store,
    private readonly serializer: Serializer,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = () => {
        this.finished = true;
        this.hold?.missed(new Error('the warm-up finished before the hold was reached'));
        this.hold = undefined;
        resolve();
      };
    });
  }

  /** Render everything now, holding the event loop (start-up waits for it). */
  runBlocking(): void {
    for (const _ of warmSteps(this.store, this.serializer)) {
      if (this.stopped) break;
    }
    this.finish();
  }

  /** Render in slices of a few milliseconds, yielding to pending I/O (requests) between slices. */
  startInBackground(): void {
    this.steps = warmSteps(this.store, this.serializer);
    setImmediate(() => this.slice());
  }

  private slice(): void {
    const until = performance.now() + SLICE_MS;
    while (!this.stopped) {
      if (this.hold && this.hold.remaining-- <= 0) {
        this.held = true;
        this.hold.reached();
        this.hold = undefined;
        return; // resumeWarmUp() schedules the next slice
      }
      if (this.steps!.next().done) {
        this.finish();
        return;
      }
      if (performance.now() >= until) {
        setImmediate(() => this.slice());
        return;
      }
    }
    this.finish();
  }

  /**
   * Test hook, so a test can look at a warm-up in progress without racing it: the background
   * warm-up stops after `steps` more steps (one step renders one record; the first three build the
   * time indexes) and stays stopped until `resume()`. Settles once it has stopped; rejects when the
   * warm-up is over (or not running in the background) before that.
   */
  holdAfter(steps: number): Promise<void> {
    if (this.finished || !this.steps || this.stopped) return Promise.reject(new Error('no background warm-up is running'));
    if (this.held || this.hold) return Promise.reject(new Error('the warm-up is already held'));
    return new Promise((reached, missed) => (this.hold = { remaining: steps, reached, missed }));
  }

  resume(): void {
    if (!this.held) return;
    this.held = false;
    setImmediate(() => this.slice());
  }

  stop(): void {
    this.stopped = true;
    this.finish();
  }
}
