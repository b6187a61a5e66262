/**
 * Emulator time = real time + an offset. Tests move the offset forward because Zendesk hides changes
 * made in the last minute from exports: a fresh mutation becomes visible only after advanceClock(60).
 */
export class Clock {
  private offsetMs = 0;

  /** Epoch seconds, emulated. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  advance(seconds: number): number {
    this.offsetMs += seconds * 1000;
    return this.now();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
