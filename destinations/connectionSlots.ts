/**
 * The bound on one warehouse's connections in a worker: at most `max` warehouse calls at once, each
 * holding a slot from its first statement to its last. A call that finds every slot taken waits in
 * line, and gives up after `acquireTimeoutMs` with a retryable `WarehouseUnavailableError`, so a
 * warehouse that stopped answering fails its own streams (Temporal retries them) instead of queueing
 * them for ever. Each warehouse URL has slots of its own: nothing here is shared between URLs, so one
 * slow warehouse cannot take the slots another one needs.
 */

/** The failure type a stream sees when its warehouse did not answer in time (retried by Temporal). */
export const WAREHOUSE_UNAVAILABLE_TYPE = 'WarehouseUnavailableError';

/** The warehouse did not open or hand out a connection in time. Retryable: the next attempt may find it back. */
export class WarehouseUnavailableError extends Error {
  readonly type = WAREHOUSE_UNAVAILABLE_TYPE;
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = WAREHOUSE_UNAVAILABLE_TYPE;
  }
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

export class ConnectionSlots {
  private inUse = 0;
  private readonly waiting: Waiter[] = [];
  /** The most slots ever held at once (tests and metrics: the bound held). */
  private mostInUse = 0;

  /** `label` names the warehouse in errors: a redacted URL, never one with its password. */
  constructor(
    readonly max: number,
    private readonly acquireTimeoutMs: number,
    private readonly label: string,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`ConnectionSlots: max must be a positive integer (got ${max})`);
  }

  /** Runs `work` holding one slot; waits for a free slot first (at most the acquisition timeout). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  stats(): { inUse: number; waiting: number; mostInUse: number; max: number } {
    return { inUse: this.inUse, waiting: this.waiting.length, mostInUse: this.mostInUse, max: this.max };
  }

  private acquire(): Promise<void> {
    if (this.inUse < this.max && this.waiting.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          this.take();
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(
            new WarehouseUnavailableError(
              `No connection to ${this.label} within ${this.acquireTimeoutMs} ms: all ${this.max} in use ` +
                '(ZS_WAREHOUSE_MAX_CONNECTIONS) by calls that have not finished; the warehouse may be slow or down',
            ),
          );
        }, this.acquireTimeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  private take(): void {
    this.inUse++;
    this.mostInUse = Math.max(this.mostInUse, this.inUse);
  }

  private release(): void {
    this.inUse--;
    this.waiting.shift()?.grant();
  }
}
