import { Random } from './random';

/**
 * Injected failures, decided deterministically from the seed: the n-th matching request of a rule
 * always gets the same decision for the same seed and rule list.
 */
export type FaultKind = 'status' | 'latency' | 'hold' | 'reset' | 'truncate';

export interface FaultRule {
  /** Name in the fired-faults record; default `rule<index>`. */
  id?: string;
  /**
   * Which requests: a glob on the path without `.json` (`*` = any characters, e.g.
   * `/api/v2/incremental/*`) or a RegExp tested against that path. Default: every API request.
   */
  endpoint?: string | RegExp;
  method?: string;
  kind: FaultKind;
  /** kind 'status': 429 (a storm with Zendesk's text/plain body), 500, 502, 503 or 504. */
  status?: number;
  /**
   * kind 'status': Retry-After seconds; null = header absent (the unusual 429 without one). Default:
   * 503 → 1; 429 → the seconds to the end of the current rate window (Zendesk sends one on a 429);
   * others → none.
   */
  retryAfterSeconds?: number | null;
  /**
   * Only requests served a page larger than this: 504-for-big-pages. The size is the one the endpoint
   * will use: per_page / page[size] clamped to the endpoint's maximum, or its default when absent
   * (1000 on incremental exports, 100 on lists).
   */
  perPageAbove?: number;
  /** kind 'latency': added delay before the response. */
  /*
   * kind 'hold': the request waits, unanswered, until `releaseHeld(id)`, until the rules are
   * replaced (`setFaults`) or until the emulator closes; then it is handled normally. A slow Zendesk
   * whose answer a test lets through once it has seen what it waits for, where a fixed latency could
   * be outlasted by a slow machine. Matches after the release are not held.
   */
  latencyMs?: number;
  /** kind 'reset' / 'truncate': share of the body bytes sent before the cut (default 0.5). */
  keepFraction?: number;
  /** kind 'truncate': a Content-Length matching the cut body (default) or chunked encoding. */
  framing?: 'content-length' | 'chunked';
  /** Fire with this probability (seeded). */
  probability?: number;
  /** Fire on every N-th matching request (N, 2N, ...). */
  everyNth?: number;
  /** Fire on the first N matching requests only. */
  firstN?: number;
  /** Stop after firing this many times. */
  maxCount?: number;
}

export interface FiredFault {
  ruleId: string;
  kind: FaultKind;
  status?: number;
  method: string;
  path: string;
  url: string;
  /** Which matching request of the rule it was (1-based). */
  match: number;
  at: number;
}

export interface FaultDecision {
  latencyMs: number;
  /** Settles when the 'hold' rules that matched let the request through. */
  hold?: Promise<void>;
  /** Answer with this status instead of handling the request. */
  /** `retryAfterSeconds: 'window_end'` = the seconds left in the current rate window. */
  status?: { status: number; retryAfterSeconds: number | null | 'window_end'; ruleId: string };
  /** Handle the request, then damage the body. */
  body?: { kind: 'reset' | 'truncate'; keepFraction: number; framing: 'content-length' | 'chunked'; ruleId: string };
}

interface RuleState {
  rule: FaultRule;
  id: string;
  matcher: (path: string) => boolean;
  random: Random;
  matches: number;
  fired: number;
  /** kind 'hold': requests waiting for the release, and whether it came. */
  waiting: Array<() => void>;
  released: boolean;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/\.json$/, '')
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class FaultInjector {
  private states: RuleState[] = [];
  private log: FiredFault[] = [];

  constructor(private readonly seed: number) {}

  setRules(rules: FaultRule[]): void {
    this.releaseHeld();
    this.states = [];
    rules.forEach((rule) => this.addRule(rule));
  }

  addRule(rule: FaultRule): void {
    if (rule.kind === 'status' && ![429, 500, 502, 503, 504].includes(rule.status ?? 0)) {
      throw new Error(`fault rule: status must be 429, 500, 502, 503 or 504 (got ${rule.status})`);
    }
    const index = this.states.length;
    const endpoint = rule.endpoint ?? '*';
    const regexp = typeof endpoint === 'string' ? globToRegExp(endpoint) : endpoint;
    this.states.push({
      rule,
      id: rule.id ?? `rule${index}`,
      matcher: (path) => regexp.test(path),
      random: new Random(`${this.seed}:fault:${index}:${rule.id ?? ''}`),
      matches: 0,
      fired: 0,
      waiting: [],
      released: false,
    });
  }

  /** Lets the requests held by the 'hold' rule `ruleId` (default: every hold rule) through; later matches pass. */
  releaseHeld(ruleId?: string): void {
    for (const state of this.states) {
      if (state.rule.kind !== 'hold' || (ruleId !== undefined && state.id !== ruleId)) continue;
      state.released = true;
      for (const release of state.waiting.splice(0)) release();
    }
  }

  rules(): FaultRule[] {
    return this.states.map((s) => s.rule);
  }

  fired(): FiredFault[] {
    return this.log.slice();
  }

  clearFired(): void {
    this.log = [];
  }

  decide(method: string, path: string, url: string, pageSize: number | null): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const state of this.states) {
      const { rule } = state;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!state.matcher(path)) continue;
      if (rule.perPageAbove !== undefined && (pageSize === null || pageSize <= rule.perPageAbove)) continue;
      // A request that another rule already answers does not count for this one.
      if (rule.kind !== 'latency' && rule.kind !== 'hold' && (decision.status || decision.body)) continue;
      if (rule.kind === 'hold' && state.released) continue;
      state.matches++;
      if (!this.shouldFire(state)) continue;
      state.fired++;
      this.log.push({ ruleId: state.id, kind: rule.kind, status: rule.status, method, path, url, match: state.matches, at: Date.now() });
      if (rule.kind === 'latency') decision.latencyMs += rule.latencyMs ?? 1000;
      else if (rule.kind === 'hold') {
        const held = new Promise<void>((release) => state.waiting.push(release));
        decision.hold = decision.hold ? Promise.all([decision.hold, held]).then(() => {}) : held;
      } else if (rule.kind === 'status') {
        const retryAfter =
          rule.retryAfterSeconds !== undefined
            ? rule.retryAfterSeconds
            : rule.status === 503
              ? 1
              : rule.status === 429
                ? 'window_end'
                : null;
        decision.status = { status: rule.status!, retryAfterSeconds: retryAfter, ruleId: state.id };
      } else {
        decision.body = {
          kind: rule.kind,
          keepFraction: rule.keepFraction ?? 0.5,
          framing: rule.framing ?? 'content-length',
          ruleId: state.id,
        };
      }
    }
    return decision;
  }

  private shouldFire(state: RuleState): boolean {
    const { rule, matches } = state;
    if (rule.maxCount !== undefined && state.fired >= rule.maxCount) return false;
    if (rule.firstN !== undefined && matches > rule.firstN) return false;
    if (rule.everyNth !== undefined && matches % rule.everyNth !== 0) return false;
    // Draw even when other conditions decide, so decisions depend only on the match number.
    if (rule.probability !== undefined && !(state.random.float() < rule.probability)) return false;
    return true;
  }
}
