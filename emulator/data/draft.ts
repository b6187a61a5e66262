import { IdAllocator } from '../ids';
import type { Json, KeyedField } from '../model';
import type { DataOptions } from '../options';
import { Random } from '../random';
import { Store } from '../store';
import { DAY } from '../time';
import { randomFieldValue, unsetFieldValue } from './fields';
import { UNICODE_TEXTS, buildTextPools, type TextPools } from './textPools';

/**
 * What every part of the account generator shares: the seeded random streams and id allocators, the
 * store being filled and the account's time frame. The parts draw from the streams in a fixed order
 * (groups, organizations, users, memberships, forms, tickets, activities, audit logs): that order is
 * what makes the same seed give the same account, so a part must never draw ahead of its turn.
 */
export class AccountDraft {
  readonly random: Random;
  readonly ids: IdAllocator;
  /**
   * Voice comments draw from streams of their own: which comments are calls, and the calls' details,
   * never shift another generated value or id of the account.
   */
  readonly voiceRandom: Random;
  readonly callIds: IdAllocator;
  readonly pools: TextPools;
  readonly store: Store;
  readonly reference: number;
  /** Generated timestamps stop two minutes before the reference time, so an export started then sees every record. */
  readonly latest: number;
  readonly historyStart: number;
  readonly accountCreated: number;

  constructor(readonly options: DataOptions) {
    this.random = new Random(`${options.seed}:data`);
    this.ids = new IdAllocator(new Random(`${options.seed}:ids`));
    this.voiceRandom = new Random(`${options.seed}:voice`);
    this.callIds = new IdAllocator(new Random(`${options.seed}:voice-calls`), 5_000_000_000_000);
    this.pools = buildTextPools(options.seed);
    this.store = new Store(this.ids);
    this.reference = options.referenceTime;
    this.latest = this.reference - 120;
    this.historyStart = this.reference - options.historyDays * DAY;
    this.accountCreated = this.historyStart - 30 * DAY;
  }

  /** A time from `from` to `to` (`from` when the range is empty). */
  between(from: number, to: number): number {
    return to <= from ? from : this.random.int(from, to);
  }

  /** A free-text value: now and then a unicode one. */
  text(): string {
    return this.random.chance(0.04) ? this.random.pick(UNICODE_TEXTS) : this.random.pick(this.pools.sentences);
  }

  /** Values of keyed custom fields (user and organization fields), about half of them set. */
  keyedValues(defs: KeyedField[]): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const def of defs) {
      out[def.key] = this.random.chance(0.55)
        ? randomFieldValue(def.type, 'keyed', this.random, def.custom_field_options, () => this.text())
        : unsetFieldValue(def.type);
    }
    return out;
  }
}

/** A name or word as the ascii fragment emails and tags are made of. */
export function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}
