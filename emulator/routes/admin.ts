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
    const ok = (value: unknown) => jsonResponse(200, value as object);
    const m = emulator.mutations;
    const id = second !== undefined && /^\d+$/.test(second) ? Number(second) : undefined;

    if (first === 'help_center') {
      const answer = handleHelpCenterAdmin(new HelpCenterMutations(emulator.store, () => emulator.now()), method, segments.slice(1), body);
      if (answer) return answer;
    }
    if (first === 'configuration') return ok(configurationAdmin(emulator.store.configuration, method, second, third, body, emulator.now()));
    switch (`${method} ${first ?? ''}`) {
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
        break;
      case 'GET requests':
        if (second === 'summary') {
          const byEndpoint = emulator.requestLog.countByEndpoint();
          const maxPerWindow: Record<string, number> = {};
          for (const endpoint of Object.keys(byEndpoint)) maxPerWindow[endpoint] = emulator.requestLog.maxPerWindow(endpoint);
          return ok({
            total: emulator.requestLog.size,
            countByEndpoint: byEndpoint,
            countByStatus: emulator.requestLog.countByStatus(),
            maxPerWindow,
            maxPerWindowExports: emulator.requestLog.maxPerWindow(/^GET \/api\/v2\/incremental\//),
            duplicates: emulator.requestLog.duplicates(),
          });
        }
        return ok({ entries: emulator.requestLog.entries(query.get('endpoint') ?? undefined) });
      case 'DELETE requests':
        emulator.requestLog.reset();
        return ok({ reset: true });
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
      case 'POST credentials':
        if (second === 'revoke') emulator.revokeCredentials((body.which as CredentialKind | 'all' | undefined) ?? 'all');
        else if (second === 'restore') emulator.restoreCredentials((body.which as CredentialKind | 'all' | undefined) ?? 'all');
        else break;
        return ok({ done: second });
      case 'POST oauth':
        if (second === 'token') {
          return ok(emulator.mintOAuthToken(body.scope as string | undefined, body.expiresIn as number | undefined));
        }
        break;
      case 'GET ground-truth': {
        const truth = emulator.groundTruth({
          ticketsSince: numberParam(query, 'ticketsSince'),
          ticketEventsSince: numberParam(query, 'ticketEventsSince'),
          now: numberParam(query, 'now'),
          collections: second ? [second] : undefined,
        });
        return ok(second ? { rows: truth[second] ?? [] } : truth);
      }
      // --- mutations ----------------------------------------------------------------------------
      case 'POST tickets':
        if (id === undefined) return ok({ ticket: m.createTicket(body) });
        if (third === 'comments') return ok({ comment: m.addComment(id, body as never) });
        if (third === 'touch') return ok({ ticket: m.touchTicket(id) });
        break;
      case 'PUT tickets':
      case 'PATCH tickets':
        if (id !== undefined) return ok({ ticket: m.updateTicket(id, body, (body.updater_id as number | undefined) ?? undefined) });
        break;
      case 'DELETE tickets':
        if (id !== undefined) return ok({ ticket: m.deleteTicket(id, { scrub: query.get('scrub') === 'true' }) });
        break;
      case 'POST users':
        return ok({ user: m.createUser(body) });
      case 'PUT users':
      case 'PATCH users':
        if (id !== undefined) return ok({ user: m.updateUser(id, body) });
        break;
      case 'DELETE users':
        if (id !== undefined) return ok({ user: m.deleteUser(id) });
        break;
      case 'POST organizations':
        return ok({ organization: m.createOrganization(body) });
      case 'PUT organizations':
      case 'PATCH organizations':
        if (id !== undefined) return ok({ organization: m.updateOrganization(id, body) });
        break;
      case 'DELETE organizations':
        if (id !== undefined) return ok({ organization: m.deleteOrganization(id) });
        break;
      case 'POST groups':
        return ok({ group: m.createGroup(body) });
      case 'PUT groups':
      case 'PATCH groups':
        if (id !== undefined) return ok({ group: m.updateGroup(id, body) });
        break;
      case 'DELETE groups':
        if (id !== undefined) return ok({ group: m.deleteGroup(id) });
        break;
      case 'POST group_memberships':
        return ok({ group_membership: m.createGroupMembership(body as never) });
      case 'DELETE group_memberships':
        if (id !== undefined) {
          m.deleteGroupMembership(id);
          return ok({ deleted: id });
        }
        break;
      case 'POST ticket_fields':
        if (id === undefined) return ok({ ticket_field: m.createTicketField(body as never) });
        break;
      case 'DELETE ticket_fields':
        if (id !== undefined) {
          m.deleteTicketField(id);
          return ok({ deleted: id });
        }
        break;
      case 'DELETE satisfaction_ratings':
        if (id !== undefined) {
          m.deleteSatisfactionRating(id);
          return ok({ deleted: id });
        }
        break;
      case 'DELETE skips':
      case 'DELETE ticket_skips':
        if (id !== undefined) {
          m.deleteSkip(id);
          return ok({ deleted: id });
        }
        break;
      case 'DELETE activities':
        if (id !== undefined) {
          m.deleteActivity(id);
          return ok({ deleted: id });
        }
        break;
      case 'DELETE ticket_forms':
        if (id !== undefined) {
          m.deleteTicketForm(id);
          return ok({ deleted: id });
        }
        break;
      case 'POST satisfaction_ratings':
        if (id === undefined) return ok({ satisfaction_rating: m.createSatisfactionRating(body as never) });
        break;
      case 'PUT satisfaction_ratings':
      case 'PATCH satisfaction_ratings':
        if (id !== undefined) return ok({ satisfaction_rating: m.updateSatisfactionRating(id, body) });
        break;
      case 'POST skips':
      case 'POST ticket_skips':
        if (id === undefined) return ok({ skip: m.createSkip(body as never) });
        break;
      case 'POST ticket_forms':
        if (id === undefined) return ok({ ticket_form: m.createTicketForm(body) });
        break;
      case 'PUT ticket_forms':
      case 'PATCH ticket_forms':
        if (id !== undefined) return ok({ ticket_form: m.updateTicketForm(id, body) });
        break;
      case 'PUT account':
        if (typeof body.exists !== 'boolean') throw new Error('body must be {"exists": true|false}');
        emulator.setAccountExists(body.exists);
        return ok({ exists: emulator.accountExists(), subdomain: emulator.subdomain });
      case 'POST organization_memberships':
        return ok({ organization_membership: m.createOrganizationMembership(body as never) });
      case 'DELETE organization_memberships':
        if (id !== undefined) {
          m.deleteOrganizationMembership(id);
          return ok({ deleted: id });
        }
        break;
    }
    return jsonResponse(404, { error: 'UnknownAdminRoute', description: `${method} ${path}` });
  } catch (error) {
    const status =
      error instanceof NotFoundError || error instanceof HelpCenterNotFound || error instanceof ConfigNotFoundError ? 404 : 400;
    return jsonResponse(status, { error: status === 404 ? 'RecordNotFound' : 'BadRequest', description: (error as Error).message });
  }
}
