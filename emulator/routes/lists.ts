import type { ApiRequest, EmulatorContext } from '../context';
import { errors, jsonResponse, type ApiResponse } from '../http';
import type {
  Activity,
  AuditLog,
  Comment,
  Group,
  GroupMembership,
  KeyedField,
  Organization,
  OrganizationMembership,
  SatisfactionRating,
  Skip,
  Ticket,
  TicketField,
  TicketForm,
  TicketMetric,
  User,
} from '../model';
import type { Store, Table } from '../store';
import { DAY } from '../time';
import {
  comparatorOf,
  cursorListPage,
  offsetListPage,
  listAnswerFor,
  unpaginatedList,
  type ListOrder,
  type ListPageInput,
} from './pagination';

/**
 * The core list endpoints (zendesk-api.md §5), each described as data: which table, which orders,
 * which filters, and how a record is serialised. One engine serves cursor, offset and unpaginated
 * requests for all of them.
 */
export interface ListDef<T extends { id: number }> {
  key: string;
  table: (store: Store) => Table<T>;
  /** Orders by name (the `sort` value; a leading `-` = descending). */
  orders: Record<string, ListOrder<T>>;
  defaultOrder: string;
  /** Without paging parameters: every record in one response, in this order (ticket fields, forms). */
  unpaginatedOrder?: string;
  filter?: (ctx: EmulatorContext, req: ApiRequest, record: T) => boolean;
  serialize: (ctx: EmulatorContext, record: T) => string;
  sideloads?: (ctx: EmulatorContext, page: T[]) => string;
  adminOnly?: boolean;
  feature?: 'ticket_forms' | 'audit_logs';
  /** Record-url path segment (for the show endpoint and `url` fields). */
  urlPath: string;
  singular: string;
}

const iso = (s: string) => Date.parse(s) / 1000;
const byId = <T extends { id: number }>(): ListOrder<T> => ({ spec: 'id', desc: false, key: (r) => [r.id, r.id] });
const byIdDesc = <T extends { id: number }>(): ListOrder<T> => ({ spec: '-id', desc: true, key: (r) => [r.id, r.id] });
const byTime = <T extends { id: number }>(field: keyof T & string, desc: boolean): ListOrder<T> => ({
  spec: `${desc ? '-' : ''}${field},id`,
  desc,
  key: (r) => [iso(r[field] as unknown as string), r.id],
});
const byPosition = <T extends { id: number; position: number }>(): ListOrder<T> => ({
  spec: 'position,id',
  desc: false,
  key: (r) => [r.position, r.id],
});
const timeOrders = <T extends { id: number }>(...fields: Array<keyof T & string>): Record<string, ListOrder<T>> => {
  const out: Record<string, ListOrder<T>> = { id: byId<T>(), '-id': byIdDesc<T>() };
  for (const f of fields) {
    out[f] = byTime<T>(f, false);
    out[`-${f}`] = byTime<T>(f, true);
  }
  return out;
};

const plain =
  <T extends { id: number }>(table: (s: Store) => Table<T>, urlPath: string | null) =>
  (ctx: EmulatorContext, record: T) =>
    ctx.serializer.plain(table(ctx.store), record, urlPath);

function usersSideload(ctx: EmulatorContext, page: Activity[]): string {
  const actorIds = [...new Set(page.map((a) => a.actor_id))];
  const userIds = [...new Set(page.map((a) => a.user_id))];
  const list = (ids: number[]) =>
    ids
      .map((id) => ctx.serializer.userById(id))
      .filter((j) => j !== 'null')
      .join(',');
  return `,"actors":[${list(actorIds)}],"users":[${list(userIds)}]`;
}

export const groupsList: ListDef<Group> = {
  key: 'groups',
  table: (s) => s.groups,
  orders: {
    ...timeOrders<Group>('created_at', 'updated_at'),
    name: { spec: 'name,id', desc: false, key: (g) => [g.name, g.id] },
  },
  defaultOrder: 'name',
  filter: (_ctx, req, g) => !(req.query.get('exclude_deleted') === 'true' && g.deleted),
  serialize: plain((s) => s.groups, 'groups'),
  urlPath: 'groups',
  singular: 'group',
};

export const ticketFieldsList: ListDef<TicketField> = {
  key: 'ticket_fields',
  table: (s) => s.ticketFields,
  orders: { id: byId(), '-id': byIdDesc(), position: byPosition() },
  defaultOrder: 'id',
  unpaginatedOrder: 'position',
  serialize: plain((s) => s.ticketFields, 'ticket_fields'),
  urlPath: 'ticket_fields',
  singular: 'ticket_field',
};

export const userFieldsList: ListDef<KeyedField> = {
  key: 'user_fields',
  table: (s) => s.userFields,
  orders: { id: byId(), position: byPosition() },
  defaultOrder: 'position',
  unpaginatedOrder: 'position',
  serialize: plain((s) => s.userFields, 'user_fields'),
  urlPath: 'user_fields',
  singular: 'user_field',
};

export const organizationFieldsList: ListDef<KeyedField> = {
  key: 'organization_fields',
  table: (s) => s.organizationFields,
  orders: { id: byId(), position: byPosition() },
  defaultOrder: 'position',
  unpaginatedOrder: 'position',
  serialize: plain((s) => s.organizationFields, 'organization_fields'),
  urlPath: 'organization_fields',
  singular: 'organization_field',
};

export const ticketFormsList: ListDef<TicketForm> = {
  key: 'ticket_forms',
  table: (s) => s.ticketForms,
  orders: { id: byId(), position: byPosition() },
  defaultOrder: 'position',
  unpaginatedOrder: 'position',
  filter: (_ctx, req, f) =>
    !(req.query.get('active') === 'true' && !f.active) && !(req.query.get('end_user_visible') === 'true' && !f.end_user_visible),
  serialize: plain((s) => s.ticketForms, 'ticket_forms'),
  feature: 'ticket_forms',
  urlPath: 'ticket_forms',
  singular: 'ticket_form',
};

export const activitiesList: ListDef<Activity> = {
  key: 'activities',
  table: (s) => s.activities,
  orders: timeOrders<Activity>('created_at'),
  defaultOrder: '-created_at',
  // Zendesk keeps 30 days of activity; `since` narrows further.
  filter: (ctx, req, a) => {
    const created = iso(a.created_at);
    if (created < ctx.clock.now() - 30 * DAY) return false;
    const since = ctx.quirks().activitiesSince === 'honoured' ? req.query.get('since') : null;
    return !since || !(created < (Number.isNaN(Date.parse(since)) ? Number(since) : Date.parse(since) / 1000));
  },
  serialize: (ctx, a) => ctx.serializer.activity(ctx.serializer.plain(ctx.store.activities, a, 'activities'), a.user_id, a.actor_id),
  sideloads: usersSideload,
  urlPath: 'activities',
  singular: 'activity',
};

const SCORE_GROUPS: Record<string, (r: SatisfactionRating) => boolean> = {
  received: (r) => r.score === 'good' || r.score === 'bad',
  received_with_comment: (r) => (r.score === 'good' || r.score === 'bad') && !!r.comment,
  received_without_comment: (r) => (r.score === 'good' || r.score === 'bad') && !r.comment,
  good_with_comment: (r) => r.score === 'good' && !!r.comment,
  good_without_comment: (r) => r.score === 'good' && !r.comment,
  bad_with_comment: (r) => r.score === 'bad' && !!r.comment,
  bad_without_comment: (r) => r.score === 'bad' && !r.comment,
};

export const satisfactionRatingsList: ListDef<SatisfactionRating> = {
  key: 'satisfaction_ratings',
  table: (s) => s.satisfactionRatings,
  orders: timeOrders<SatisfactionRating>('created_at', 'updated_at'),
  defaultOrder: 'id',
  // start_time/end_time filter on created_at or updated_at: which one Zendesk uses is UNCONFIRMED,
  // so quirks.satisfactionRatingsTimeFilter chooses.
  filter: (ctx, req, r) => {
    const score = req.query.get('score');
    if (score && !(SCORE_GROUPS[score] ? SCORE_GROUPS[score](r) : r.score === score)) return false;
    const at = iso(ctx.quirks().satisfactionRatingsTimeFilter === 'updated_at' ? r.updated_at : r.created_at);
    const start = req.query.get('start_time');
    const end = req.query.get('end_time');
    return !(start && at < Number(start)) && !(end && at > Number(end));
  },
  serialize: plain((s) => s.satisfactionRatings, 'satisfaction_ratings'),
  adminOnly: true,
  urlPath: 'satisfaction_ratings',
  singular: 'satisfaction_rating',
};

export const skipsList: ListDef<Skip> = {
  key: 'skips',
  table: (s) => s.skips,
  orders: timeOrders<Skip>('created_at'),
  defaultOrder: 'created_at',
  serialize: (ctx, s) => ctx.serializer.skip(ctx.serializer.plain(ctx.store.skips, s, null), s.ticket_id),
  urlPath: 'skips',
  singular: 'skip',
};

export const organizationMembershipsList: ListDef<OrganizationMembership> = {
  key: 'organization_memberships',
  table: (s) => s.organizationMemberships,
  orders: timeOrders<OrganizationMembership>('created_at', 'updated_at'),
  defaultOrder: 'id',
  serialize: plain((s) => s.organizationMemberships, 'organization_memberships'),
  urlPath: 'organization_memberships',
  singular: 'organization_membership',
};

export const groupMembershipsList: ListDef<GroupMembership> = {
  key: 'group_memberships',
  table: (s) => s.groupMemberships,
  orders: timeOrders<GroupMembership>('created_at', 'updated_at'),
  defaultOrder: 'id',
  serialize: plain((s) => s.groupMemberships, 'group_memberships'),
  urlPath: 'group_memberships',
  singular: 'group_membership',
};

function auditFilter(_ctx: EmulatorContext, req: ApiRequest, log: AuditLog): boolean {
  const q = req.query;
  const values = (name: string) => [...q.getAll(`filter[${name}]`), ...q.getAll(`filter[${name}][]`)];
  const sourceTypes = values('source_type');
  if (sourceTypes.length && !sourceTypes.includes(log.source_type)) return false;
  const sourceIds = values('source_id');
  if (sourceIds.length && !sourceIds.includes(String(log.source_id))) return false;
  const actorIds = values('actor_id');
  if (actorIds.length && !actorIds.includes(String(log.actor_id))) return false;
  const actions = values('action');
  if (actions.length && !actions.includes(log.action)) return false;
  const ips = values('ip_address');
  if (ips.length && !ips.includes(String(log.ip_address))) return false;
  const range = values('created_at');
  if (range.length === 2) {
    const created = iso(log.created_at);
    if (created < Date.parse(range[0]!) / 1000 || created > Date.parse(range[1]!) / 1000) return false;
  }
  return true;
}

export const auditLogsList: ListDef<AuditLog> = {
  key: 'audit_logs',
  table: (s) => s.auditLogs,
  orders: timeOrders<AuditLog>('created_at'),
  defaultOrder: '-created_at',
  filter: auditFilter,
  serialize: plain((s) => s.auditLogs, 'audit_logs'),
  adminOnly: true,
  feature: 'audit_logs',
  urlPath: 'audit_logs',
  singular: 'audit_log',
};

export const ticketMetricsList: ListDef<TicketMetric> = {
  key: 'ticket_metrics',
  table: (s) => s.ticketMetrics,
  orders: timeOrders<TicketMetric>('created_at'),
  // Newest tickets first; deleted tickets have no metrics on this endpoint.
  defaultOrder: '-created_at',
  filter: (ctx, _req, m) => ctx.store.tickets.get(m.ticket_id)?.status !== 'deleted',
  serialize: (ctx, m) => ctx.serializer.metricSet(m.ticket_id) ?? 'null',
  urlPath: 'ticket_metrics',
  singular: 'ticket_metric',
};

export const ticketsList: ListDef<Ticket> = {
  key: 'tickets',
  table: (s) => s.tickets,
  orders: { ...timeOrders<Ticket>('created_at', 'updated_at') },
  defaultOrder: 'id',
  filter: (_ctx, _req, t) => t.status !== 'deleted',
  serialize: (ctx, t) => ctx.serializer.ticket(t),
  urlPath: 'tickets',
  singular: 'ticket',
};

export const usersList: ListDef<User> = {
  key: 'users',
  table: (s) => s.users,
  orders: timeOrders<User>('created_at', 'updated_at'),
  defaultOrder: 'id',
  filter: (_ctx, _req, u) => u.active,
  serialize: (ctx, u) => ctx.serializer.user(u),
  urlPath: 'users',
  singular: 'user',
};

export const organizationsList: ListDef<Organization> = {
  key: 'organizations',
  table: (s) => s.organizations,
  orders: timeOrders<Organization>('created_at', 'updated_at'),
  defaultOrder: 'id',
  filter: (_ctx, _req, o) => o.deleted_at === null,
  serialize: plain((s) => s.organizations, 'organizations'),
  urlPath: 'organizations',
  singular: 'organization',
};

/** Which order a request asks for: `sort` (cursor mode) or `sort_by` + `sort_order` (offset mode). */
function orderName<T extends { id: number }>(def: ListDef<T>, query: URLSearchParams, fallback: string): string {
  const sort = query.get('sort');
  if (sort && def.orders[sort]) return sort;
  const sortBy = query.get('sort_by');
  const desc = query.get('sort_order') === 'desc';
  if (sortBy && def.orders[sortBy]) return desc && def.orders[`-${sortBy}`] ? `-${sortBy}` : sortBy;
  if (query.get('sort_order')) {
    const bare = fallback.replace(/^-/, '');
    const wanted = desc ? `-${bare}` : bare;
    if (def.orders[wanted]) return wanted;
  }
  return fallback;
}

function withoutSortOrder(query: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(query);
  copy.delete('sort_order');
  return copy;
}

/** Serve a list; `scope` narrows it (e.g. one user's memberships), `records` replaces the table. */
export function serveList<T extends { id: number }>(
  ctx: EmulatorContext,
  req: ApiRequest,
  def: ListDef<T>,
  path: string,
  scope?: (record: T) => boolean,
): ApiResponse {
  const answer = listAnswerFor(ctx, req, def.key);
  const cursor = answer === 'cursor';
  // A forced style pages even a request without paging parameters (quirks.listStyle).
  const paged = answer !== 'asked_offset_or_whole' || req.query.has('page') || req.query.has('per_page');
  const query = ctx.quirks().listSortOrder === 'ignored' ? withoutSortOrder(req.query) : req.query;
  const name = !paged && def.unpaginatedOrder ? orderName(def, query, def.unpaginatedOrder) : orderName(def, query, def.defaultOrder);
  const order = def.orders[name]!;
  let records = def.table(ctx.store).ordered(name, order);
  if (def.filter || scope) {
    const filter = def.filter;
    records = records.filter((r) => (!filter || filter(ctx, req, r)) && (!scope || scope(r)));
  }
  const input: ListPageInput<T> = {
    key: def.key,
    records,
    order,
    serialize: (r) => def.serialize(ctx, r),
    path,
    sideloads: def.sideloads ? (page) => def.sideloads!(ctx, page) : undefined,
  };
  if (cursor) return cursorListPage(ctx, req, input);
  if (!paged && def.unpaginatedOrder) return unpaginatedList(input);
  return offsetListPage(ctx, req, input);
}

export function showRecord<T extends { id: number }>(ctx: EmulatorContext, def: ListDef<T>, id: number): ApiResponse {
  const record = def.table(ctx.store).get(id);
  // Deleted tickets are gone from the REST API (they live on only in the export).
  if (!record || (def.key === 'tickets' && (record as unknown as Ticket).status === 'deleted')) return errors.recordNotFound();
  return jsonResponse(200, `{"${def.singular}":${def.serialize(ctx, record)}}`);
}

/** GET /api/v2/tickets/{id}/comments: the ticket's comments, oldest first by default. */
export function ticketComments(ctx: EmulatorContext, req: ApiRequest, ticketId: number): ApiResponse {
  const ticket = ctx.store.tickets.get(ticketId);
  if (!ticket || ticket.status === 'deleted') return errors.recordNotFound();
  const ids = ctx.store.commentIdsByTicket.get(ticketId) ?? [];
  const comments = ids.map((id) => ctx.store.comments.get(id)).filter((c): c is Comment => !!c);
  const asc: ListOrder<Comment> = { spec: 'created_at,id', desc: false, key: (c) => [iso(c.created_at), c.id] };
  const desc: ListOrder<Comment> = { spec: '-created_at,id', desc: true, key: asc.key };
  const descending = req.query.get('sort') === '-created_at' || req.query.get('sort_order') === 'desc';
  const order = descending ? desc : asc;
  const input: ListPageInput<Comment> = {
    key: 'comments',
    records: comments.slice().sort(comparatorOf(order)),
    order,
    serialize: (c) => ctx.serializer.comment(c),
    path: `/api/v2/tickets/${ticketId}/comments`,
  };
  return listAnswerFor(ctx, req, 'comments') === 'cursor' ? cursorListPage(ctx, req, input) : offsetListPage(ctx, req, input);
}

/** GET /api/v2/tickets/{id}/metrics: an object, not an array; 404 for deleted tickets. */
export function ticketMetricOfTicket(ctx: EmulatorContext, ticketId: number): ApiResponse {
  const ticket = ctx.store.tickets.get(ticketId);
  const metric = ctx.serializer.metricSet(ticketId);
  if (!ticket || ticket.status === 'deleted' || !metric) return errors.recordNotFound();
  return jsonResponse(200, `{"ticket_metric":${metric}}`);
}

export const LISTS: Record<string, ListDef<{ id: number }>> = {
  groups: groupsList,
  ticket_fields: ticketFieldsList,
  user_fields: userFieldsList,
  organization_fields: organizationFieldsList,
  ticket_forms: ticketFormsList,
  activities: activitiesList,
  satisfaction_ratings: satisfactionRatingsList,
  skips: skipsList,
  organization_memberships: organizationMembershipsList,
  group_memberships: groupMembershipsList,
  audit_logs: auditLogsList,
  ticket_metrics: ticketMetricsList,
  tickets: ticketsList,
  users: usersList,
  organizations: organizationsList,
} as unknown as Record<string, ListDef<{ id: number }>>;
