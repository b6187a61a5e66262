import { randomBytes } from 'node:crypto';
import type { FaultRule } from './faults';

export type Plan = 'team' | 'growth' | 'professional' | 'enterprise' | 'enterprise_plus';
export const PLANS: readonly Plan[] = ['team', 'growth', 'professional', 'enterprise', 'enterprise_plus'];

/** Zendesk Suite account-wide limits, requests per minute (zendesk-api.md §6.1). */
export const PLAN_CORE_LIMITS: Record<Plan, number> = {
  team: 200,
  growth: 400,
  professional: 400,
  enterprise: 700,
  enterprise_plus: 2500,
};

/** Features Zendesk sells by plan, whose endpoints answer 403 below it. */
export type PlanFeature = 'ticket_forms' | 'audit_logs' | ConfigPlanFeature;
/** Plan-gated configuration endpoints; the plan each needs is a setting (quirks.featureMinimumPlan). */
export type ConfigPlanFeature = 'sla_policies' | 'group_sla_policies' | 'skills_based_routing' | 'custom_roles';

/**
 * Ticket forms need Suite Growth or above; audit logs need Enterprise (zendesk-api.md §5). The
 * configuration features need the plan quirks.featureMinimumPlan names (defaults there).
 */
export function planAllows(plan: Plan, feature: PlanFeature, quirks?: Pick<QuirkSettings, 'featureMinimumPlan'>): boolean {
  if (feature === 'ticket_forms') return plan !== 'team';
  if (feature === 'audit_logs') return plan === 'enterprise' || plan === 'enterprise_plus';
  // A partial setting (setQuirks replaces the whole record) falls back to the default per feature.
  const minimum = quirks?.featureMinimumPlan?.[feature] ?? DEFAULT_FEATURE_MINIMUM_PLAN[feature];
  return PLANS.indexOf(plan) >= PLANS.indexOf(minimum);
}

/**
 * Zendesk's API reference: SLA policies "Support Professional or Suite Growth plan or above"; group
 * SLAs and skills-based routing "Enterprise plan and above"; custom roles Enterprise. Which Suite tier
 * each really needs has changed over time: UNCONFIRMED, hence a setting.
 */
export const DEFAULT_FEATURE_MINIMUM_PLAN: Record<ConfigPlanFeature, Plan> = {
  sla_policies: 'growth',
  group_sla_policies: 'enterprise',
  skills_based_routing: 'enterprise',
  custom_roles: 'enterprise',
};

export interface DataOptions {
  /** Seed of every random choice. Same seed + referenceTime = same account. Default 1. */
  seed: number;
  /** Epoch seconds that generated timestamps are relative to. Default: now at start. */
  referenceTime: number;
  users: number;
  organizations: number;
  groups: number;
  tickets: number;
  /** Audits (ticket events) per ticket; the first one creates the ticket. */
  eventsPerTicket: number;
  /** Comments per ticket (at most one per event; the first is the description). */
  commentsPerTicket: number;
  /** Average attachments per comment (0.25 = one comment in four has one). */
  attachmentsPerComment: number;
  /**
   * Tickets bulk-updated in one second (same generated_timestamp, and one ticket event each at that
   * second). Default 1100 when tickets >= 2200, else 0. 0 turns it off.
   */
  sameSecondRun: number;
  /** How far back created_at values reach, in days. Default 730 (so lookback filtering matters). */
  historyDays: number;
  activities: number;
  auditLogs: number;
  /** Share of tickets with a satisfaction rating. */
  satisfactionRatingShare: number;
  /** Share of tickets skipped by some agent. */
  skipShare: number;
}

export interface RateLimitSettings {
  /** false = no limits at all (raw-speed benchmarks). */
  enabled: boolean;
  /** Account-wide limit per window; default from the plan. */
  corePerMinute: number | null;
  /** Incremental-export bucket (every /api/v2/incremental/* path). Default 10. */
  exportPerMinute: number;
  /**
   * users/cursor in a bucket of its own (`zendesk-ratelimit-incremental-exports-cursor`, docs: 20/min).
   * null (default) = users/cursor shares the 10/min incremental bucket, the stricter reading.
   */
  usersCursorPerMinute: number | null;
  /**
   * tickets/cursor in a bucket of its own, reported under the same cursor-bucket header. Which bucket
   * tickets/cursor really spends is UNCONFIRMED (ZP saw 100 req/min pass in 2023). null (default) =
   * it shares the 10/min incremental bucket.
   */
  ticketsCursorPerMinute: number | null;
  /** Length of one emulated rate-limit "minute" in real milliseconds. Default 60000. */
  minuteMs: number;
}

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Default lifetime of access tokens in (emulated) seconds. Default 172800 (2 days). */
  accessTokenLifetimeSeconds: number;
  /** Default lifetime of refresh tokens in seconds. Default 2592000 (30 days). */
  refreshTokenLifetimeSeconds: number;
  /** 'approve' (default) redirects with a code; 'deny' redirects with error=access_denied. */
  authorize: 'approve' | 'deny';
  /** Lifetime of authorization codes, seconds. Default 120 (Zendesk's). */
  codeLifetimeSeconds: number;
  /**
   * A requested `expires_in` outside Zendesk's documented range (more than 300 s, less than
   * 172,800 s, below the refresh token's lifetime): 'reject' (default) answers 400 invalid_request,
   * 'clamp' issues a token with the nearest allowed lifetime. Which one Zendesk does is UNCONFIRMED;
   * the docs only say "must be". Tokens minted through the admin API are exempt (tests need short ones).
   */
  expiresInOutOfRange: 'reject' | 'clamp';
}

/** Behaviours the spec marks UNCONFIRMED (§11), chosen here and switchable. */
export interface QuirkSettings {
  /** Description of the 422 for a too-recent start_time. */
  tooRecentStartTimeMessage: string;
  /** Carry `include` and `exclude_deleted` into next_page / after_url. Default false (only per_page). */
  carryIncludeInNextLinks: boolean;
  /** `page[size]` above 100: 'clamp' (default) to 100, or 'error' (400, object-shaped). */
  cursorPageSizeAboveMax: 'clamp' | 'error';
  /** Deleted users appear in user exports (active:false). Default true. */
  deletedUsersInExport: boolean;
  /**
   * The users exports honour `include=identities` (a top-level `identities` array of the page's users'
   * identities). Zendesk lists identities among the users sideloads; that the incremental export
   * serves it is confirmed only by Airbyte reading it. Default true; false ignores the include.
   */
  identitiesOnUserExport: boolean;
  /** Deleted organizations appear in the organization export with deleted_at. Default true. */
  deletedOrganizationsInExport: boolean;
  /** Time-based ticket_metric_events pages carry end_of_stream. Default true. */
  metricEventsEndOfStream: boolean;
  /**
   * `include=metric_sets` on ticket exports: 'top_level' (default) sends a `metric_sets` array next
   * to the tickets (the documented sideload form); 'embedded' puts each ticket's metric set in the
   * ticket as `metric_set` (what tap-zendesk reads).
   */
  metricSetsShape: 'top_level' | 'embedded';
  /**
   * Order of records sharing one second on a time-based export page: 'id' (default) or 'shuffled',
   * a stable pseudo-random order derived from the seed and the record id (the spec observed 28, 29,
   * 37, 38, 30, …). Cursor exports always order by (timestamp, id), as observed.
   */
  sameSecondOrder: 'id' | 'shuffled';
  /**
   * A cursor list page with no records: 'null' (default) sends null cursors and links, 'omit'
   * leaves `after_cursor`/`before_cursor` and `links.prev`/`links.next` out.
   */
  emptyCursorPage: 'null' | 'omit';
  /** Status of the InvalidValue error for a missing start_time: 422 (default) or 400. */
  missingStartTimeStatus: 400 | 422;
  /**
   * How an export's `start_time` is read. 'leading_integer' (default): the integer it starts with,
   * the rest ignored, as Ruby's `to_i` reads it — Zendesk serves tap-zendesk in production, which
   * sends `946684800.0` to the ticket export and an ISO time (`2026-12-04T15:30:00Z`, read as 2026)
   * to the organization export in its connection check. 'integer_only': anything but an integer is
   * a 422 InvalidValue. A value that does not start with a digit is refused either way.
   */
  startTimeValues: 'leading_integer' | 'integer_only';
  /**
   * The ticket-metric-events export with a start_time inside the last minute (or in the future):
   * 'empty_page' (default) answers 200 with no events, 'error' the 422 "Too recent start_time" of
   * the other exports. tap-zendesk checks the stream with start_time = now, and its connection check
   * passes against Zendesk.
   */
  metricEventsTooRecentStartTime: 'empty_page' | 'error';
  /**
   * The timestamp satisfaction_ratings' `start_time`/`end_time` filter on: 'created_at' (default) or
   * 'updated_at'. With created_at, a rating changed after it was created is not found by a
   * start_time later than its creation.
   */
  satisfactionRatingsTimeFilter: 'created_at' | 'updated_at';
  /**
   * Whether the activities list applies `since` (format undocumented: ISO-8601 and epoch seconds are
   * both read). 'honoured' (default); 'ignored' answers every activity of the last 30 days, as an
   * endpoint that did not know the parameter would.
   */
  activitiesSince: 'honoured' | 'ignored';
  /**
   * Whether lists apply `sort_order=asc|desc` (documented for skips, among others). 'honoured'
   * (default); 'ignored' answers in the list's default order, as an endpoint that did not know the
   * parameter (or the paging family it came with) would.
   */
  listSortOrder: 'honoured' | 'ignored';
  /**
   * Which envelope list endpoints answer in, whatever paging parameters a request carries. Which
   * endpoints honour which family is UNCONFIRMED and has varied. 'as_asked' (default): cursor with
   * `page[...]`, offset with `page`/`per_page`, unpaginated otherwise where Zendesk does that;
   * 'offset': `page[size]`/`page[after]` are ignored and every answer is offset-style
   * (`next_page`/`previous_page`/`count`); 'cursor': `page`/`per_page` are ignored and every answer
   * is cursor-style (`meta`/`links`). A record keyed by the list's records key (`groups`,
   * `ticket_fields`, `comments`, ...) sets it per endpoint; lists it does not name answer as asked.
   */
  listStyle: ListStyle | Record<string, ListStyle>;
  /**
   * Largest page a list endpoint (and cursor-mode ticket_metric_events) serves, in both families,
   * and the page size when a request names none. Zendesk's is 100 (the default); a lower value makes a small account's lists span several
   * pages, so paging paths are really walked in tests.
   */
  listMaxPageSize: number;
  /**
   * Help Center (Guide) activated on the account. false: every /api/v2/help_center and
   * /api/v2/community path answers as `helpCenterOffAnswer` says.
   */
  helpCenterEnabled: boolean;
  /**
   * What an account without Help Center answers its paths: 404 RecordNotFound (default) or 403
   * Forbidden. Which one Zendesk sends is UNCONFIRMED; the sync skips the streams on either.
   */
  helpCenterOffAnswer: 403 | 404;
  /** The lowest plan that serves each plan-gated configuration endpoint (see DEFAULT_FEATURE_MINIMUM_PLAN). */
  featureMinimumPlan: Record<ConfigPlanFeature, Plan>;
  /**
   * Configuration lists Zendesk documents without pagination (custom roles, custom statuses, locales,
   * SLA and group SLA policies, schedules, holidays, routing attributes and values): 'ignore' (default)
   * answers every record at once whatever paging parameters are sent; 'honour' pages them like other
   * lists. UNCONFIRMED: the reference documents no paging parameters for them. quirks.listStyle, when it
   * forces a style on such a list, wins over both.
   */
  unpaginatedConfigLists: 'ignore' | 'honour';
}

export type ListStyle = 'as_asked' | 'offset' | 'cursor';
export const LIST_STYLES: readonly ListStyle[] = ['as_asked', 'offset', 'cursor'];

export interface EmulatorOptions extends Partial<DataOptions> {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Base URL written into next-page links and record urls. Default: the emulator's own URL. */
  canonicalBaseUrl?: string;
  plan?: Plan;
  rateLimits?: Partial<RateLimitSettings> | false;
  /**
   * Milliseconds on a monotonic clock that the rate-limit windows are measured on. Default
   * `performance.now`. Tests pass a clock they move by hand, so a burst never straddles a window's
   * end however slowly the machine runs, and the next window starts when the test says.
   */
  rateLimitClock?: () => number;
  oauth?: Partial<OAuthSettings>;
  quirks?: Partial<QuirkSettings>;
  faults?: FaultRule[];
  /** Admin and agent credentials (API tokens). Defaults are fixed strings. */
  adminEmail?: string;
  adminApiToken?: string;
  agentEmail?: string;
  agentApiToken?: string;
  /**
   * Render the export records' JSON (tickets, metric sets, users, organizations, ticket events with
   * comments) ahead of the first request, so even the first walk of an export is served from cache:
   * 'background' (default) after listening, in small slices that yield to requests; 'blocking'
   * before listening (start-up waits for it); 'off'.
   */
  warm?: WarmMode;
  /** Deprecated alias: `prewarm: true` = `warm: 'blocking'`, `prewarm: false` = `warm: 'off'`. */
  prewarm?: boolean;
  /**
   * Account subdomain. A request whose Host is `<other>.zendesk.com` gets Zendesk's 404 "No help
   * desk at <other>.zendesk.com"; any other host (127.0.0.1, localhost, …) is served. Default 'emulator'.
   */
  subdomain?: string;
  /** false = the account does not exist: every request gets the 404 "No help desk". Default true. */
  accountExists?: boolean;
  /**
   * `/{tickets,users,organizations}/count` values above this are daily snapshots, as Zendesk
   * documents for counts above 100,000 (the default); tests lower it to see that behaviour.
   */
  approximateCountsAbove?: number;
}

export type WarmMode = 'off' | 'background' | 'blocking';

export interface ResolvedOptions {
  data: DataOptions;
  port: number;
  canonicalBaseUrl: string | null;
  plan: Plan;
  rateLimits: RateLimitSettings;
  rateLimitClock: () => number;
  oauth: OAuthSettings;
  quirks: QuirkSettings;
  faults: FaultRule[];
  adminEmail: string;
  adminApiToken: string;
  agentEmail: string;
  agentApiToken: string;
  subdomain: string;
  accountExists: boolean;
  warm: WarmMode;
  approximateCountsAbove: number;
}

/** Rejects list settings the routes could not honour (a typo would otherwise silently mean 'as_asked'). */
export function validateListQuirks(quirks: Pick<QuirkSettings, 'listStyle' | 'listMaxPageSize'>): void {
  const styles = typeof quirks.listStyle === 'string' ? [quirks.listStyle] : Object.values(quirks.listStyle ?? {});
  for (const style of styles) {
    if (!LIST_STYLES.includes(style)) throw new Error(`quirks.listStyle: "${String(style)}" is not one of ${LIST_STYLES.join(', ')}`);
  }
  const max = quirks.listMaxPageSize;
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw new Error(`quirks.listMaxPageSize must be a whole number from 1 to 100, got ${String(max)}`);
}

/**
 * The emulator's default credentials, made afresh for each emulator: nothing credential-like is
 * committed, and a token of one run is worthless in the next. Whoever needs them reads them from the
 * running emulator (`emulator.credentials`, or the lines `npm run emulator` prints); options override
 * each one.
 */
function freshCredential(kind: string): string {
  return `emulator-${kind}-${randomBytes(16).toString('hex')}`;
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const tickets = options.tickets ?? 3000;
  const data: DataOptions = {
    seed: options.seed ?? 1,
    referenceTime: options.referenceTime ?? Math.floor(Date.now() / 1000),
    users: options.users ?? 300,
    organizations: options.organizations ?? 50,
    groups: options.groups ?? 10,
    tickets,
    eventsPerTicket: Math.max(1, options.eventsPerTicket ?? 3),
    commentsPerTicket: Math.max(1, options.commentsPerTicket ?? 2),
    attachmentsPerComment: options.attachmentsPerComment ?? 0.25,
    sameSecondRun: Math.min(options.sameSecondRun ?? (tickets >= 2200 ? 1100 : 0), tickets),
    historyDays: options.historyDays ?? 730,
    activities: options.activities ?? 200,
    auditLogs: options.auditLogs ?? 300,
    satisfactionRatingShare: options.satisfactionRatingShare ?? 0.4,
    skipShare: options.skipShare ?? 0.05,
  };
  if (data.users < 2) throw new Error('users must be at least 2 (the admin and the agent credential users)');
  const rl = options.rateLimits === false ? { enabled: false } : (options.rateLimits ?? {});
  const rateLimits: RateLimitSettings = {
    enabled: rl.enabled ?? true,
    corePerMinute: rl.corePerMinute ?? null,
    exportPerMinute: rl.exportPerMinute ?? 10,
    usersCursorPerMinute: rl.usersCursorPerMinute ?? null,
    ticketsCursorPerMinute: rl.ticketsCursorPerMinute ?? null,
    minuteMs: rl.minuteMs ?? 60_000,
  };
  const oauth: OAuthSettings = {
    clientId: 'zendesk_sync_emulator',
    clientSecret: freshCredential('client-secret'),
    redirectUris: ['http://127.0.0.1:8976/oauth/callback', 'http://localhost:8976/oauth/callback'],
    accessTokenLifetimeSeconds: 172_800,
    refreshTokenLifetimeSeconds: 2_592_000,
    authorize: 'approve',
    codeLifetimeSeconds: 120,
    expiresInOutOfRange: 'reject',
    ...options.oauth,
  };
  const quirks: QuirkSettings = {
    tooRecentStartTimeMessage: 'Too recent start_time. Use a start_time older than 5 minutes',
    carryIncludeInNextLinks: false,
    cursorPageSizeAboveMax: 'clamp',
    deletedUsersInExport: true,
    deletedOrganizationsInExport: true,
    identitiesOnUserExport: true,
    metricEventsEndOfStream: true,
    metricSetsShape: 'top_level',
    sameSecondOrder: 'id',
    emptyCursorPage: 'null',
    missingStartTimeStatus: 422,
    startTimeValues: 'leading_integer',
    metricEventsTooRecentStartTime: 'empty_page',
    satisfactionRatingsTimeFilter: 'created_at',
    activitiesSince: 'honoured',
    listSortOrder: 'honoured',
    listStyle: 'as_asked',
    listMaxPageSize: 100,
    helpCenterEnabled: true,
    helpCenterOffAnswer: 404,
    unpaginatedConfigLists: 'ignore',
    ...options.quirks,
    featureMinimumPlan: { ...DEFAULT_FEATURE_MINIMUM_PLAN, ...options.quirks?.featureMinimumPlan },
  };
  validateListQuirks(quirks);
  return {
    data,
    port: options.port ?? 0,
    canonicalBaseUrl: options.canonicalBaseUrl ? options.canonicalBaseUrl.replace(/\/+$/, '') : null,
    plan: options.plan ?? 'enterprise',
    rateLimits,
    rateLimitClock: options.rateLimitClock ?? (() => performance.now()),
    oauth,
    quirks,
    faults: options.faults ?? [],
    adminEmail: options.adminEmail ?? 'admin@emulator.example.com',
    adminApiToken: options.adminApiToken ?? freshCredential('admin-api-token'),
    agentEmail: options.agentEmail ?? 'agent@emulator.example.com',
    agentApiToken: options.agentApiToken ?? freshCredential('agent-api-token'),
    subdomain: (options.subdomain ?? 'emulator').toLowerCase(),
    accountExists: options.accountExists ?? true,
    warm: options.warm ?? (options.prewarm === undefined ? 'background' : options.prewarm ? 'blocking' : 'off'),
    approximateCountsAbove: options.approximateCountsAbove ?? 100_000,
  };
}
