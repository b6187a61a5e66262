import type { BudgetClock } from '../../zendesk';

/**
 * A clock a test moves by hand, with timers that fire only when it is moved past them: what a rate
 * budget does in a window then depends on the test's steps, not on how fast a busy machine runs.
 */
export class ManualClock implements BudgetClock {
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  constructor(private ms = 1_700_000_000_000) {}

  now(): number {
    return this.ms;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.ms + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves the clock forward, firing due timers in time order (each at its own time). */
  advance(ms: number): void {
    const target = this.ms + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.ms = Math.max(this.ms, next[1].at);
      next[1].callback();
    }
    this.ms = target;
  }
}
