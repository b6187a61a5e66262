import { Authenticator, type CredentialKind } from './auth';
import { Clock } from './clock';
import type { EmulatorContext } from './context';
import { generateAccount } from './data/generate';
import { FaultInjector, type FaultRule, type FiredFault } from './faults';
import { computeGroundTruth, type GroundTruth, type GroundTruthOptions } from './groundTruth';
import { Mutations } from './mutations';
import { OAuthServer } from './oauth';
import {
  PLANS,
  resolveOptions,
  validateListQuirks,
  type EmulatorOptions,
  type Plan,
  type QuirkSettings,
  type RateLimitSettings,
} from './options';
import { RateLimiter } from './rateLimit';
import { RequestLog } from './requestLog';
import { handleAdmin } from './routes/admin';
import { Serializer } from './serialize';
import { EmulatorHttpServer } from './server';
import type { Store } from './store';
import { Warmer } from './warm';

export type { EmulatorOptions, ListStyle, Plan, QuirkSettings, RateLimitSettings, WarmMode } from './options';
export type { FaultRule, FiredFault } from './faults';
export type { GroundTruth, GroundTruthOptions, WarehouseRow } from './groundTruth';
export type { RequestLogEntry } from './requestLog';
export type {
  CommentInput,
  SatisfactionRatingInput,
  SatisfactionRatingPatch,
  SkipInput,
  TicketFieldInput,
  TicketFormInput,
  TicketInput,
  TicketPatch,
} from './mutations';
export { RequestLog } from './requestLog';
export { Mutations } from './mutations';
export { HelpCenterMutations } from './data/helpCenter';
export { encodeExportCursor } from './routes/incremental';

export interface EmulatorCredentials {
  admin: { email: string; apiToken: string; userId: number };
  agent: { email: string; apiToken: string; userId: number };
  oauth: { clientId: string; clientSecret: string; redirectUris: string[] };
}

/** A running emulated Zendesk account. */
export interface Emulator {
  /** Where the emulator listens, e.g. http://127.0.0.1:41234. */
  readonly baseUrl: string;
  /** The base written into next-page links and record urls (default = baseUrl). */
  readonly canonicalBaseUrl: string;
  readonly credentials: EmulatorCredentials;
  readonly store: Store;
  readonly mutations: Mutations;
  readonly requestLog: RequestLog;
  /** The same-second bulk update that was generated (tickets = 0 when off). */
  readonly sameSecondRun: { timestamp: number; tickets: number };
  /** Emulated now, epoch seconds. */
  now(): number;
  /** Move emulated time forward; returns the new now. */
  advanceClock(seconds: number): number;
  groundTruth(options?: GroundTruthOptions): GroundTruth;
  setFaults(rules: FaultRule[]): void;
  addFault(rule: FaultRule): void;
  faultRules(): FaultRule[];
  firedFaults(): FiredFault[];
  clearFiredFaults(): void;
  /** Lets requests held by a 'hold' fault rule through (default: every hold rule's); later matches pass. */
  releaseHeld(ruleId?: string): void;
  /** Patch the limits; `false` switches them off. */
  setRateLimits(settings: Partial<RateLimitSettings> | false): void;
  rateLimits(): RateLimitSettings & { effectiveCorePerMinute: number };
  setPlan(plan: Plan): void;
  plan(): Plan;
  setQuirks(quirks: Partial<QuirkSettings>): void;
  quirks(): QuirkSettings;
  setCanonicalBaseUrl(url: string | null): void;
  /** false = the account does not exist: every API request gets the 404 "No help desk". */
  setAccountExists(exists: boolean): void;
  accountExists(): boolean;
  /** The subdomain the emulator answers for on `*.zendesk.com` hosts. */
  readonly subdomain: string;
  /**
   * Settles once the export records have been rendered into the cache (see `warm`); immediately
   * settled when warming is off or blocking.
   */
  warmedUp(): Promise<void>;
  /**
   * Test hook: the background warm-up stops after `steps` more rendering steps (one record each; the
   * first three build the time indexes) until `resumeWarmUp()`. Settles once it has stopped, so a test
   * can look at a warm-up in progress without racing it; rejects if the warm-up ends first.
   */
  holdWarmUp(steps: number): Promise<void>;
  resumeWarmUp(): void;
  /** Make a credential fail as if revoked (default all: admin, agent and every OAuth token). */
  revokeCredentials(which?: CredentialKind | 'all'): void;
  restoreCredentials(which?: CredentialKind | 'all'): void;
  /** An OAuth access + refresh token pair without the browser flow. */
  mintOAuthToken(scope?: string, expiresInSeconds?: number): { accessToken: string; refreshToken: string };
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const generated = generateAccount(resolved.data, { adminEmail: resolved.adminEmail, agentEmail: resolved.agentEmail });
  const { store } = generated;
  const clock = new Clock();
  let plan = resolved.plan;
  let quirks = resolved.quirks;
  let ownBaseUrl = '';
  let canonical = resolved.canonicalBaseUrl;
  let accountExists = resolved.accountExists;
  const baseUrl = () => canonical ?? ownBaseUrl;

  const serializer = new Serializer(store, baseUrl);
  const ctx: EmulatorContext = {
    store,
    serializer,
    clock,
    quirks: () => quirks,
    baseUrl,
    seed: resolved.data.seed,
    counts: { approximateAbove: resolved.approximateCountsAbove, snapshots: new Map() },
  };
  const oauth = new OAuthServer(resolved.oauth, clock, () => store.adminUserId);
  const auth = new Authenticator(
    { email: resolved.adminEmail, apiToken: resolved.adminApiToken, userId: () => store.adminUserId },
    { email: resolved.agentEmail, apiToken: resolved.agentApiToken, userId: () => store.agentUserId },
    oauth,
  );
  const rateLimiter = new RateLimiter(resolved.rateLimits, plan, resolved.rateLimitClock);
  const faults = new FaultInjector(resolved.data.seed);
  faults.setRules(resolved.faults);
  const requestLog = new RequestLog();
  const mutations = new Mutations(store, clock, generated.pools, resolved.data.seed);

  let emulator: Emulator;
  const server = new EmulatorHttpServer({
    ctx,
    clock,
    auth,
    oauth,
    rateLimiter,
    faults,
    requestLog,
    plan: () => plan,
    account: () => ({ subdomain: resolved.subdomain, canonicalBaseUrl: canonical, exists: accountExists }),
    admin: (method, path, query, body) => handleAdmin(emulator, method, path, query, body),
  });
  const port = await server.listen(resolved.port);
  ownBaseUrl = `http://127.0.0.1:${port}`;
  let warmer = new Warmer(store, serializer);
  if (resolved.warm === 'blocking') warmer.runBlocking();
  else if (resolved.warm === 'background') warmer.startInBackground();
  else warmer.stop();

  emulator = {
    baseUrl: ownBaseUrl,
    get canonicalBaseUrl() {
      return baseUrl();
    },
    credentials: {
      admin: { email: resolved.adminEmail, apiToken: resolved.adminApiToken, userId: store.adminUserId },
      agent: { email: resolved.agentEmail, apiToken: resolved.agentApiToken, userId: store.agentUserId },
      oauth: {
        clientId: oauth.settings.clientId,
        clientSecret: oauth.settings.clientSecret,
        redirectUris: oauth.settings.redirectUris.slice(),
      },
    },
    store,
    mutations,
    requestLog,
    sameSecondRun: generated.sameSecond,
    now: () => clock.now(),
    advanceClock: (seconds) => clock.advance(seconds),
    groundTruth: (opts) => computeGroundTruth({ store, baseUrl: baseUrl(), now: clock.now(), plan, quirks }, opts),
    setFaults: (rules) => faults.setRules(rules),
    addFault: (rule) => faults.addRule(rule),
    faultRules: () => faults.rules(),
    firedFaults: () => faults.fired(),
    clearFiredFaults: () => faults.clearFired(),
    releaseHeld: (ruleId) => faults.releaseHeld(ruleId),
    setRateLimits: (settings) => rateLimiter.update(settings === false ? { enabled: false } : settings),
    rateLimits: () => rateLimiter.current,
    setPlan: (next) => {
      if (!PLANS.includes(next)) throw new Error(`unknown plan "${next}"; one of ${PLANS.join(', ')}`);
      plan = next;
      rateLimiter.setPlan(next);
    },
    plan: () => plan,
    setQuirks: (patch) => {
      const next = { ...quirks, ...patch };
      validateListQuirks(next);
      quirks = next;
    },
    quirks: () => quirks,
    setCanonicalBaseUrl: (url) => {
      canonical = url ? url.replace(/\/+$/, '') : null;
      store.clearJsonCaches();
      // Every cached record named the old host: warm again (in the background) unless warming is off.
      if (resolved.warm !== 'off') {
        warmer.stop();
        warmer = new Warmer(store, serializer);
        warmer.startInBackground();
      }
    },
    setAccountExists: (exists) => {
      accountExists = exists;
    },
    accountExists: () => accountExists,
    subdomain: resolved.subdomain,
    warmedUp: () => warmer.done,
    holdWarmUp: (steps) => warmer.holdAfter(steps),
    resumeWarmUp: () => warmer.resume(),
    revokeCredentials: (which = 'all') => auth.revoke(which),
    restoreCredentials: (which = 'all') => auth.restore(which),
    mintOAuthToken: (scope, expiresIn) => oauth.mintAccessToken(scope, expiresIn),
    close: () => {
      warmer.stop();
      faults.releaseHeld();
      return server.close();
    },
  };
  return emulator;
}
