import type { Principal } from './auth';
import type { Clock } from './clock';
import type { Plan, QuirkSettings } from './options';
import type { Serializer } from './serialize';
import type { Store } from './store';

/** What a route handler can see of the emulator. */
export interface EmulatorContext {
  store: Store;
  serializer: Serializer;
  clock: Clock;
  quirks: () => QuirkSettings;
  /** The canonical base URL that next-page links and record urls are built on. */
  baseUrl: () => string;
  /** The data seed, for orders that must look random yet repeat (quirks.sameSecondOrder). */
  seed: number;
  /** The `/{resource}/count` endpoints: the threshold above which counts are daily snapshots, and those snapshots. */
  counts: CountState;
}

export interface CountState {
  approximateAbove: number;
  snapshots: Map<string, { value: number; refreshedAt: number }>;
}

export interface ApiRequest {
  method: string;
  /** Path without `.json`. */
  path: string;
  query: URLSearchParams;
  principal: Principal;
  /** The account's plan when the request was served (what plan-dependent answers report). */
  plan?: Plan;
}

/** Records changed in the minute before a request are hidden from exports (zendesk-api.md §4.0). */
export const EXPORT_DELAY_SECONDS = 60;
