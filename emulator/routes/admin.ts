import type { CredentialKind } from '../auth';
import { ConfigNotFoundError, configurationAdmin } from '../data/configuration';
import type { FaultRule } from '../faults';
import { jsonResponse, type ApiResponse } from '../http';
import type { Emulator } from '../index';
import { NotFoundError } from '../mutations';
import { HelpCenterMutations, HelpCenterNotFound } from '../data/helpCenter';
import { handleHelpCenterAdmin } from './helpCenter';
import type { Plan } from '../options';

/**
 * The admin API under /__admin (no auth; the emulator binds to 127.0.0.1 only): change data between
 * syncs, move the clock, steer faults, limits, plan and credentials, read the request log and the
 * ground truth. Every route mirrors a method of the programmatic Emulator API.
 */
type Body = Record<string, unknown>;

function parse(body: string): Body {
  if (!body.trim()) return {};
  const parsed = JSON.parse(body) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body must be a JSON object');
  return parsed as Body;
}

/** Fault rules over JSON: `endpoint` is a glob; `endpointRegExp` a RegExp source. */
function faultRule(raw: Body): FaultRule {
  const { endpointRegExp, ...rest } = raw;
  const rule = rest as unknown as FaultRule;
  if (typeof endpointRegExp === 'string') rule.endpoint = new RegExp(endpointRegExp);
  return rule;
}

const numberParam = (query: URLSearchParams, name: string) => (query.has(name) ? Number(query.get(name)) : undefined);
const ok = (value: unknown) => jsonResponse(200, value as object);

/** One admin request, taken apart: `/__admin/{first}/{second}/{third}`; `id` is `second` when it is a number. */
interface AdminRequest {
  emulator: Emulator;
  method: string;
  query: URLSearchParams;
  body: Body;
  /** `${method} ${first}`: what the route families switch on. */
  route: string;
  first: string | undefined;
  second: string | undefined;
  third: string | undefined;
  id: number | undefined;
}

/** A family of routes: its answer, or undefined when the request is not one of its routes. */
type RouteFamily = (request: AdminRequest) => ApiResponse | undefined;

const ROUTE_FAMILIES: RouteFamily[] = [
  stateRoutes,
  requestLogRoutes,
  faultRoutes,
  settingsRoutes,
  groundTruthRoute,
  ticketRoutes,
  peopleRoutes,
  accountRecordRoutes,
];

export async function handleAdmin(
  emulator: Emulator,
  method: string,
  path: string,
  query: URLSearchParams,
  rawBody: string,
): Promise<ApiResponse> {
  try {
    const body = parse(rawBody);
    const segments = path.split('/').slice(2); // drop '', '__admin'
    const [first, second, third] = segments;
    if (first === 'help_center') {
      const answer = handleHelpCenterAdmin(new HelpCenterMutations(emulator.store, () => emulator.now()), method, segments.slice(1), body);
      if (answer) return answer;
    }
    if (first === 'configuration') return ok(configurationAdmin(emulator.store.configuration, method, second, third, body, emulator.now()));
    const id = second !== undefined && /^\d+$/.test(second) ? Number(second) : undefined;
    const request: AdminRequest = { emulator, method, query, body, route: `${method} ${first ?? ''}`, first, second, third, id };
    for (const family of ROUTE_FAMILIES) {
      const answer = family(request);
      if (answer) return answer;
    }
    return jsonResponse(404, { error: 'UnknownAdminRoute', description: `${method} ${path}` });
  } catch (error) {
    const status =
      error instanceof NotFoundError || error instanceof HelpCenterNotFound || error instanceof ConfigNotFoundError ? 404 : 400;
    return jsonResponse(status, { error: status === 404 ? 'RecordNotFound' : 'BadRequest', description: (error as Error).message });
  }
}

/** The emulator's state, and its clock. */
function stateRoutes({ emulator, route, second, body }: AdminRequest): ApiResponse | undefined {
  switch (route) {
    case 'GET state':
    case 'GET ':
      return ok({
        baseUrl: emulator.baseUrl,
        canonicalBaseUrl: emulator.canonicalBaseUrl,
        now: emulator.now(),
        plan: emulator.plan(),
        rateLimits: emulator.rateLimits(),
        quirks: emulator.quirks(),
        subdomain: emulator.subdomain,
        accountExists: emulator.accountExists(),
        counts: emulator.store.counts(),
        sameSecondRun: emulator.sameSecondRun,
        credentials: emulator.credentials,
      });
    case 'POST clock':
      if (second === 'advance') return ok({ now: emulator.advanceClock(Number(body.seconds ?? 60)) });
      return undefined;
  }
  return undefined;
}

/** The request log: its entries, a summary, a reset. */
function requestLogRoutes({ emulator, route, second, query }: AdminRequest): ApiResponse | undefined {
  const log = emulator.requestLog;
  switch (route) {
    case 'GET requests':
      if (second === 'summary') {
        const byEndpoint = log.countByEndpoint();
        const maxPerWindow: Record<string, number> = {};
        for (const endpoint of Object.keys(byEndpoint)) maxPerWindow[endpoint] = log.maxPerWindow(endpoint);
        return ok({
          total: log.size,
          countByEndpoint: byEndpoint,
          countByStatus: log.countByStatus(),
          maxPerWindow,
          maxPerWindowExports: log.maxPerWindow(/^GET \/api\/v2\/incremental\//),
          duplicates: log.duplicates(),
        });
      }
      return ok({ entries: log.entries(query.get('endpoint') ?? undefined) });
    case 'DELETE requests':
      log.reset();
      return ok({ reset: true });
  }
  return undefined;
}

/** Fault rules: list, replace, add, release held requests, clear. */
function faultRoutes({ emulator, route, second, body }: AdminRequest): ApiResponse | undefined {
  switch (route) {
    case 'GET faults':
      return ok({
        rules: emulator.faultRules().map((r) => ({ ...r, endpoint: r.endpoint instanceof RegExp ? String(r.endpoint) : r.endpoint })),
        fired: emulator.firedFaults(),
      });
    case 'PUT faults':
      emulator.setFaults(((body.rules as Body[] | undefined) ?? []).map(faultRule));
      return ok({ rules: (body.rules as unknown[] | undefined)?.length ?? 0 });
    case 'POST faults':
      if (second === 'release') {
        // Lets requests held by a 'hold' rule through: `{ "id": "<rule id>" }`, or every hold rule's.
        emulator.releaseHeld(typeof body.id === 'string' ? body.id : undefined);
        return ok({ released: true });
      }
      emulator.addFault(faultRule(body));
      return ok({ added: true });
    case 'DELETE faults':
      if (second === 'fired') emulator.clearFiredFaults();
      else emulator.setFaults([]);
      return ok({ cleared: true });
  }
  return undefined;
}

/** Account settings: rate limits, plan, quirks, canonical base URL, existence, credentials, OAuth tokens. */
function settingsRoutes({ emulator, route, second, body }: AdminRequest): ApiResponse | undefined {
  switch (route) {
    case 'PUT rate-limits':
      emulator.setRateLimits(body.enabled === false && Object.keys(body).length === 1 ? false : body);
      return ok(emulator.rateLimits());
    case 'PUT plan':
      emulator.setPlan(body.plan as Plan);
      return ok({ plan: emulator.plan(), rateLimits: emulator.rateLimits() });
    case 'PUT quirks':
      emulator.setQuirks(body);
      return ok(emulator.quirks());
    case 'PUT canonical-base-url':
      emulator.setCanonicalBaseUrl((body.url as string | null | undefined) ?? null);
      return ok({ canonicalBaseUrl: emulator.canonicalBaseUrl });
    case 'PUT account':
      if (typeof body.exists !== 'boolean') throw new Error('body must be {"exists": true|false}');
      emulator.setAccountExists(body.exists);
      return ok({ exists: emulator.accountExists(), subdomain: emulator.subdomain });
    case 'POST credentials':
      if (second === 'revoke') emulator.revokeCredentials((body.which as CredentialKind | 'all' | undefined) ?? 'all');
      else if (second === 'restore') emulator.restoreCredentials((body.which as CredentialKind | 'all' | undefined) ?? 'all');
      else return undefined;
      return ok({ done: second });
    case 'POST oauth':
      if (second === 'token') return ok(emulator.mintOAuthToken(body.scope as string | undefined, body.expiresIn as number | undefined));
      return undefined;
  }
  return undefined;
}

/** The ground truth: every collection, or `/ground-truth/{collection}`'s rows. */
function groundTruthRoute({ emulator, route, second, query }: AdminRequest): ApiResponse | undefined {
  if (route !== 'GET ground-truth') return undefined;
  const truth = emulator.groundTruth({
    ticketsSince: numberParam(query, 'ticketsSince'),
    ticketEventsSince: numberParam(query, 'ticketEventsSince'),
    now: numberParam(query, 'now'),
    collections: second ? [second] : undefined,
  });
  return ok(second ? { rows: truth[second] ?? [] } : truth);
}

// --- mutations ------------------------------------------------------------------------------------

/** Tickets: create, comment, touch, update, delete (optionally scrubbed). */
function ticketRoutes({ emulator, route, id, third, body, query }: AdminRequest): ApiResponse | undefined {
  const m = emulator.mutations;
  switch (route) {
    case 'POST tickets':
      if (id === undefined) return ok({ ticket: m.createTicket(body) });
      if (third === 'comments') return ok({ comment: m.addComment(id, body as never) });
      if (third === 'touch') return ok({ ticket: m.touchTicket(id) });
      return undefined;
    case 'PUT tickets':
    case 'PATCH tickets':
      if (id !== undefined) return ok({ ticket: m.updateTicket(id, body, (body.updater_id as number | undefined) ?? undefined) });
      return undefined;
    case 'DELETE tickets':
      if (id !== undefined) return ok({ ticket: m.deleteTicket(id, { scrub: query.get('scrub') === 'true' }) });
      return undefined;
  }
  return undefined;
}

/** Users, organizations, groups and their memberships. */
function peopleRoutes({ emulator, route, id, body }: AdminRequest): ApiResponse | undefined {
  const m = emulator.mutations;
  switch (route) {
    case 'POST users':
      return ok({ user: m.createUser(body) });
    case 'PUT users':
    case 'PATCH users':
      return id === undefined ? undefined : ok({ user: m.updateUser(id, body) });
    case 'DELETE users':
      return id === undefined ? undefined : ok({ user: m.deleteUser(id) });
    case 'POST organizations':
      return ok({ organization: m.createOrganization(body) });
    case 'PUT organizations':
    case 'PATCH organizations':
      return id === undefined ? undefined : ok({ organization: m.updateOrganization(id, body) });
    case 'DELETE organizations':
      return id === undefined ? undefined : ok({ organization: m.deleteOrganization(id) });
    case 'POST groups':
      return ok({ group: m.createGroup(body) });
    case 'PUT groups':
    case 'PATCH groups':
      return id === undefined ? undefined : ok({ group: m.updateGroup(id, body) });
    case 'DELETE groups':
      return id === undefined ? undefined : ok({ group: m.deleteGroup(id) });
    case 'POST group_memberships':
      return ok({ group_membership: m.createGroupMembership(body as never) });
    case 'DELETE group_memberships':
      return id === undefined ? undefined : deleted(id, () => m.deleteGroupMembership(id));
    case 'POST organization_memberships':
      return ok({ organization_membership: m.createOrganizationMembership(body as never) });
    case 'DELETE organization_memberships':
      return id === undefined ? undefined : deleted(id, () => m.deleteOrganizationMembership(id));
  }
  return undefined;
}

/** Ticket fields and forms, satisfaction ratings, skips, activities. */
function accountRecordRoutes({ emulator, route, id, body }: AdminRequest): ApiResponse | undefined {
  const m = emulator.mutations;
  switch (route) {
    case 'POST ticket_fields':
      return id === undefined ? ok({ ticket_field: m.createTicketField(body as never) }) : undefined;
    case 'DELETE ticket_fields':
      return id === undefined ? undefined : deleted(id, () => m.deleteTicketField(id));
    case 'POST ticket_forms':
      return id === undefined ? ok({ ticket_form: m.createTicketForm(body) }) : undefined;
    case 'PUT ticket_forms':
    case 'PATCH ticket_forms':
      return id === undefined ? undefined : ok({ ticket_form: m.updateTicketForm(id, body) });
    case 'DELETE ticket_forms':
      return id === undefined ? undefined : deleted(id, () => m.deleteTicketForm(id));
    case 'POST satisfaction_ratings':
      return id === undefined ? ok({ satisfaction_rating: m.createSatisfactionRating(body as never) }) : undefined;
    case 'PUT satisfaction_ratings':
    case 'PATCH satisfaction_ratings':
      return id === undefined ? undefined : ok({ satisfaction_rating: m.updateSatisfactionRating(id, body) });
    case 'DELETE satisfaction_ratings':
      return id === undefined ? undefined : deleted(id, () => m.deleteSatisfactionRating(id));
    case 'POST skips':
    case 'POST ticket_skips':
      return id === undefined ? ok({ skip: m.createSkip(body as never) }) : undefined;
    case 'DELETE skips':
    case 'DELETE ticket_skips':
      return id === undefined ? undefined : deleted(id, () => m.deleteSkip(id));
    case 'DELETE activities':
      return id === undefined ? undefined : deleted(id, () => m.deleteActivity(id));
  }
  return undefined;
}

/** Deletes a record and answers `{ deleted: id }`. */
function deleted(id: number, remove: () => void): ApiResponse {
  remove();
  return ok({ deleted: id });
}
