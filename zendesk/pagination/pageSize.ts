/**
 * The page size to ask for. A 504 usually means the page took too long to build, so the size
 * halves (down to a floor) and grows back after a run of successful pages.
 */
import type { RetryReason } from '../http';

const SUCCESSES_BEFORE_GROWING = 3;

export class AdaptivePageSize {
  private size: number;
  /** The size asked for: growing back never goes past it. */
  private readonly target: number;
  private successes = 0;

  constructor(
    readonly max: number,
    readonly min: number,
    initial: number = max,
  ) {
    this.size = Math.max(1, Math.min(max, Math.floor(initial)));
    this.target = this.size;
  }

  get current(): number {
    return this.size;
  }

  /** An `onRetry` hook for the HTTP layer. */
  readonly onRetry = (reason: RetryReason): void => {
    if (reason.status === 504) this.shrink();
  };

  shrink(): void {
    this.size = Math.max(Math.min(this.min, this.size), Math.floor(this.size / 2));
    this.successes = 0;
  }

  recordSuccess(): void {
    if (this.size >= this.target) return;
    this.successes += 1;
    if (this.successes >= SUCCESSES_BEFORE_GROWING) {
      this.size = Math.min(this.target, this.size * 2);
      this.successes = 0;
    }
  }
}
