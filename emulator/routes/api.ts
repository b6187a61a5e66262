import type { ApiRequest, EmulatorContext } from '../context';
import { errors, jsonResponse, type ApiResponse } from '../http';
import type { GroupMembership, OrganizationMembership, Skip } from '../model';
import { accountSettings, searchUsers, talkPhoneNumbers } from './connectorChecks';
import type { PlanFeature } from '../options';
import { matchConfigurationRoute } from './configuration';
import { CHANGE_STREAM_LISTS } from './changeStreams';
import { countResource, isCountedResource } from './counts';
import { cursorExport, timeExport } from './incremental';
import { matchHelpCenterRoute } from './helpCenter';
import {
  LISTS,
  groupMembershipsList,
  organizationMembershipsList,
  serveList,
  showRecord,
  skipsList,
  ticketComments,
  ticketMetricOfTicket,
} from './lists';

/** The read API under /api/v2: which handler answers a path and what the caller must be allowed. */
export interface ApiRoute {
  handler: (ctx: EmulatorContext, req: ApiRequest) => ApiResponse;
  /** Admins only (incremental exports, satisfaction ratings, audit logs). */
  adminOnly: boolean;
  feature?: PlanFeature;
}

const TIME_EXPORTS = new Set(['tickets', 'users', 'organizations', 'ticket_events', 'ticket_metric_events']);

export function anonymousUser(): ApiResponse {
  return jsonResponse(200, {
    user: {
      id: null,
      url: null,
      name: 'Anonymous user',
      email: 'invalid@example.com',
      created_at: null,
      updated_at: null,
      time_zone: 'Eastern Time (US & Canada)',
      iana_time_zone: 'America/New_York',
      phone: null,
      shared_phone_number: null,
      photo: null,
      locale_id: 1,
      locale: 'en-US',
      organization_id: null,
      role: 'end-user',
      verified: false,
    },
  });
}

export function matchApiRoute(path: string): ApiRoute | null {
  const segments = path.split('/').slice(3); // drop '', 'api', 'v2'
  const [first, second, third, fourth] = segments;
  const route = (handler: ApiRoute['handler'], adminOnly = false, feature?: ApiRoute['feature']): ApiRoute => ({
    handler,
    adminOnly,
    feature,
  });
  const isId = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);

  if (first === 'users' && second === 'me' && segments.length === 2) {
    return route((ctx, req) => jsonResponse(200, `{"user":${ctx.serializer.userById(req.principal.userId)}}`));
  }
  // What other connectors call to check a connection (connectorChecks.ts).
  if (first === 'search' && segments.length === 1) return route(searchUsers);
  if (first === 'account' && second === 'settings' && segments.length === 2) return route((_ctx, req) => accountSettings(req));
  if (first === 'channels' && second === 'voice' && third === 'phone_numbers' && segments.length === 3) return route(talkPhoneNumbers);
  const helpCenter = matchHelpCenterRoute(segments, path);
  if (helpCenter !== undefined) return helpCenter;
  if (first === 'incremental') {
    if (third === 'cursor' && segments.length === 3 && (second === 'tickets' || second === 'users')) {
      const name = second;
      return route((ctx, req) => cursorExport(ctx, req, name), true);
    }
    if (segments.length === 2 && second && TIME_EXPORTS.has(second)) {
      const name = second as Parameters<typeof timeExport>[2];
      return route((ctx, req) => timeExport(ctx, req, name), true);
    }
    return null;
  }
  if (!first) return null;
  const configuration = matchConfigurationRoute(segments);
  if (configuration) return configuration;
  if (first === 'tickets' && isId(second) && segments.length === 3) {
    const ticketId = Number(second);
    if (third === 'comments') return route((ctx, req) => ticketComments(ctx, req, ticketId));
    if (third === 'metrics') return route((ctx) => ticketMetricOfTicket(ctx, ticketId));
    if (third === 'skips') return route((ctx, req) => serveList<Skip>(ctx, req, skipsList, path, (s) => s.ticket_id === ticketId));
  }
  if (isId(second) && segments.length === 3) {
    const ownerId = Number(second);
    if (first === 'users' && third === 'skips')
      return route((ctx, req) => serveList<Skip>(ctx, req, skipsList, path, (s) => s.user_id === ownerId));
    if (first === 'users' && third === 'group_memberships') {
      return route((ctx, req) => serveList<GroupMembership>(ctx, req, groupMembershipsList, path, (m) => m.user_id === ownerId));
    }
    if (first === 'groups' && third === 'memberships') {
      return route((ctx, req) => serveList<GroupMembership>(ctx, req, groupMembershipsList, path, (m) => m.group_id === ownerId));
    }
    if ((first === 'users' || first === 'organizations') && third === 'organization_memberships') {
      const field = first === 'users' ? 'user_id' : 'organization_id';
      return route((ctx, req) =>
        serveList<OrganizationMembership>(ctx, req, organizationMembershipsList, path, (m) => m[field] === ownerId),
      );
    }
    return null;
  }
  if (segments.length === 2 && second === 'count' && isCountedResource(first)) {
    const resource = first;
    return route((ctx) => countResource(ctx, resource));
  }
  const def = LISTS[first] ?? CHANGE_STREAM_LISTS[first];
  if (!def) return null;
  if (segments.length === 1) return route((ctx, req) => serveList(ctx, req, def, path), def.adminOnly ?? false, def.feature);
  if (segments.length === 2 && isId(second)) {
    const id = Number(second);
    return route((ctx) => showRecord(ctx, def, id), def.adminOnly ?? false, def.feature);
  }
  if (fourth !== undefined) return null;
  return null;
}

export { errors };
