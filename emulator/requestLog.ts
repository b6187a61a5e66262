/**
 * Every API request the emulator answered, so tests can prove a client stayed under the limits and
 * did not fetch a page twice.
 */
export interface RequestLogEntry {
  seq: number;
  /** Real time, epoch ms. */
  at: number;
  /** Emulated clock, epoch seconds. */
  emulatedTime: number;
  /** Rate-limit window index (an emulated minute). */
  window: number;
  method: string;
  /** Path without `.json`. */
  path: string;
  /** Method + path with numeric segments replaced by `{id}`, e.g. `GET /api/v2/tickets/{id}/comments`. */
  endpoint: string;
  query: string;
  status: number;
  /** Who called: admin, agent, anonymous, or none (OAuth endpoints, failed auth). */
  principal: string;
  fault?: string;
  durationMs: number;
}

export type EndpointMatcher = string | RegExp | ((entry: RequestLogEntry) => boolean);

export function endpointKey(method: string, path: string): string {
  return `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

function matches(entry: RequestLogEntry, matcher: EndpointMatcher | undefined): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return matcher(entry);
  if (typeof matcher === 'string') return entry.endpoint === matcher || entry.path === matcher || entry.endpoint === `GET ${matcher}`;
  return matcher.test(entry.endpoint);
}

export class RequestLog {
  private list: RequestLogEntry[] = [];
  private seq = 0;

  add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = { seq: ++this.seq, ...entry };
    this.list.push(full);
    return full;
  }

  entries(matcher?: EndpointMatcher): RequestLogEntry[] {
    return this.list.filter((e) => matches(e, matcher));
  }

  /** Requests per endpoint key. */
  countByEndpoint(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.list) out[e.endpoint] = (out[e.endpoint] ?? 0) + 1;
    return out;
  }

  countByStatus(matcher?: EndpointMatcher): Record<number, number> {
    const out: Record<number, number> = {};
    for (const e of this.entries(matcher)) out[e.status] = (out[e.status] ?? 0) + 1;
    return out;
  }

  /** Requests per rate-limit window for the matching endpoints. */
  countByWindow(matcher?: EndpointMatcher, options: { excludeRateLimited?: boolean } = {}): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.entries(matcher)) {
      if (options.excludeRateLimited && e.status === 429) continue;
      out.set(e.window, (out.get(e.window) ?? 0) + 1);
    }
    return out;
  }

  /** The busiest window's request count for the matching endpoints (0 when none). */
  maxPerWindow(matcher?: EndpointMatcher, options: { excludeRateLimited?: boolean } = {}): number {
    let max = 0;
    for (const count of this.countByWindow(matcher, options).values()) max = Math.max(max, count);
    return max;
  }

  /** Requests with the same method, path and query seen more than once (re-fetches). */
  duplicates(matcher?: EndpointMatcher): Array<{ method: string; path: string; query: string; count: number }> {
    const counts = new Map<string, number>();
    for (const e of this.entries(matcher)) {
      if (e.status !== 200) continue;
      const key = `${e.method} ${e.path}?${e.query}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()]
      .filter(([, count]) => count > 1)
      .map(([key, count]) => {
        const [method, rest] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
        const q = rest.indexOf('?');
        return { method, path: rest.slice(0, q), query: rest.slice(q + 1), count };
      });
  }

  reset(): void {
    this.list = [];
  }

  get size(): number {
    return this.list.length;
  }
}
