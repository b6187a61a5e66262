import { Random } from './random';

/**
 * Hands out ids shaped like a modern Zendesk account's: 13–14 digits, increasing, with gaps (real ids
 * are allocated from one shard-wide sequence, so consecutive records of one type are never adjacent).
 * One allocator serves every object type, as on a real account. Tickets do not use it: their "nice id"
 * is small and sequential.
 */
export class IdAllocator {
  private last: number;

  constructor(
    private readonly random: Random,
    start = 9_990_000_000_000,
  ) {
    this.last = start;
  }

  next(): number {
    // Gaps of 1e6..2e7 cross from 13 to 14 digits after ~1,000 ids, so even small accounts see both.
    this.last += this.random.int(1_000_000, 20_000_000);
    return this.last;
  }

  /** Continue above ids already in use (after mutations created more objects). */
  get current(): number {
    return this.last;
  }
}
