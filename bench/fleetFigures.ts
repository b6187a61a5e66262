/**
 * The arithmetic of the fleet benchmark (bench/fleet.ts), kept pure so it is tested on its own:
 * requests per rate-limit window of one account, history events per day, and which worker process a
 * Temporal worker identity names.
 */

/** What the emulator's request log holds about one request, as far as the limits go. */
export interface WindowedRequest {
  /** Rate-limit window index (the emulator's fixed "minutes", aligned to its start). */
  window: number;
  /** `GET /api/v2/incremental/tickets/cursor`-style key. */
  endpoint: string;
  status: number;
}

export interface AccountLoad {
  /** Requests answered (429s not counted). */
  requests: number;
  /** 429 answers: the account refused a request because a limit was spent. */
  rateLimited: number;
  /** Answered requests in the busiest window, every request counting against the account ("core") limit. */
  busiestCoreWindow: number;
  /** Answered incremental-export requests in the busiest window (the export bucket). */
  busiestExportWindow: number;
  /** Windows from the first request to the last, both included (0 without requests). */
  windowsSpanned: number;
  /** Answered requests per window over that span. */
  meanPerWindow: number;
}

export const isExportRequest = (r: Pick<WindowedRequest, 'endpoint'>): boolean => r.endpoint.startsWith('GET /api/v2/incremental/');

function busiest(requests: WindowedRequest[]): number {
  const perWindow = new Map<number, number>();
  for (const r of requests) perWindow.set(r.window, (perWindow.get(r.window) ?? 0) + 1);
  return Math.max(0, ...perWindow.values());
}

/** One account's load per window, from its request log. */
export function accountLoad(log: WindowedRequest[]): AccountLoad {
  const answered = log.filter((r) => r.status !== 429);
  const windows = log.map((r) => r.window);
  const windowsSpanned = windows.length ? Math.max(...windows) - Math.min(...windows) + 1 : 0;
  return {
    requests: answered.length,
    rateLimited: log.length - answered.length,
    busiestCoreWindow: busiest(answered),
    busiestExportWindow: busiest(answered.filter(isExportRequest)),
    windowsSpanned,
    meanPerWindow: windowsSpanned ? answered.length / windowsSpanned : 0,
  };
}

/**
 * History events a source adds per day: the events of one complete run (one cycle, its wait and the
 * continue-as-new that ends it) times the cycles a day holds at the configured interval.
 */
export function historyEventsPerDay(eventsPerCycle: number, intervalSeconds: number): number {
  return (eventsPerCycle * 86_400) / intervalSeconds;
}

/**
 * The worker process a Temporal worker identity names: the SDK's default identity is
 * `<pid>@<hostname>`.
 */
export function workerPidOfIdentity(identity: string | null | undefined, pids: readonly number[]): number | undefined {
  const pid = Number(/^(\d+)@/.exec(identity ?? '')?.[1]);
  return pids.includes(pid) ? pid : undefined;
}

/** The p-quantile (0..1) by nearest rank; undefined for no values. */
export function quantile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
