/**
 * List endpoints of the change-stream collections: `/api/v2/deleted_tickets`,
 * `/api/v2/deleted_users` and `/api/v2/ticket_audits` (cursor or offset pagination, at most 100 per page, oldest first), views
 * of the tickets and users the account soft-deleted (see ../changeStreams.ts).
 */
import type { Ticket, TicketEvent, User } from '../model';
import { auditOf, deletedTicketOf, deletedUserOf, isDeletedUser, isListedDeletedTicket } from '../changeStreams';
import type { ListDef } from './lists';
import { suspendedTicketsOf, type SuspendedTicket } from '../suspendedTickets';

const byId = <T extends { id: number }>() => ({ spec: 'id', desc: false, key: (r: T): [number, number] => [r.id, r.id] });
const byIdDesc = <T extends { id: number }>() => ({ spec: '-id', desc: true, key: (r: T): [number, number] => [r.id, r.id] });

const deletedTicketsList: ListDef<Ticket> = {
  key: 'deleted_tickets',
  table: (store) => store.tickets,
  // Zendesk orders them by creation, oldest first: ticket ids are allocated in creation order.
  orders: { id: byId<Ticket>(), '-id': byIdDesc<Ticket>() },
  defaultOrder: 'id',
  filter: (_ctx, _req, ticket) => isListedDeletedTicket(ticket),
  serialize: (ctx, ticket) => JSON.stringify(deletedTicketOf(ctx.store, ticket)),
  urlPath: 'deleted_tickets',
  singular: 'deleted_ticket',
};

const deletedUsersList: ListDef<User> = {
  key: 'deleted_users',
  table: (store) => store.users,
  orders: { id: byId<User>(), '-id': byIdDesc<User>() },
  defaultOrder: 'id',
  filter: (_ctx, _req, user) => isDeletedUser(user),
  serialize: (ctx, user) => JSON.stringify(deletedUserOf(user, ctx.baseUrl())),
  urlPath: 'deleted_users',
  singular: 'deleted_user',
};

/**
 * `/api/v2/ticket_audits`: every ticket's audits, oldest first by (created_at, id), admins only. Zendesk
 * documents cursor pagination only; the emulator also answers offset requests, as its other lists do.
 */
const ticketAuditsList: ListDef<TicketEvent> = {
  key: 'audits',
  table: (store) => store.ticketEvents,
  orders: {
    created_at: { spec: 'created_at,id', desc: false, key: (e: TicketEvent): [number, number] => [e.timestamp, e.id] },
    '-created_at': { spec: '-created_at,id', desc: true, key: (e: TicketEvent): [number, number] => [e.timestamp, e.id] },
  },
  defaultOrder: 'created_at',
  serialize: (ctx, event) => JSON.stringify(auditOf(ctx.store, (c) => ctx.serializer.comment(c), event)),
  adminOnly: true,
  urlPath: 'ticket_audits',
  singular: 'audit',
};

export const CHANGE_STREAM_LISTS: Record<string, ListDef<{ id: number }>> = {
  deleted_tickets: deletedTicketsList as unknown as ListDef<{ id: number }>,
  deleted_users: deletedUsersList as unknown as ListDef<{ id: number }>,
  ticket_audits: ticketAuditsList as unknown as ListDef<{ id: number }>,
};

/**
 * `/api/v2/suspended_tickets`: held-back messages, newest first by default (Zendesk's default order
 * is by id; `sort_by` also takes created_at), cursor or offset pagination, 100 per page.
 */
const suspendedTicketsList: ListDef<SuspendedTicket> = {
  key: 'suspended_tickets',
  table: (store) => suspendedTicketsOf(store),
  orders: { id: byId<SuspendedTicket>(), '-id': byIdDesc<SuspendedTicket>() },
  defaultOrder: 'id',
  // Not cached: the table lives beside the store, whose cache reset on a base-URL change misses it.
  serialize: (ctx, s) => JSON.stringify({ url: `${ctx.baseUrl()}/api/v2/suspended_tickets/${s.id}.json`, ...s }),
  urlPath: 'suspended_tickets',
  singular: 'suspended_ticket',
};
CHANGE_STREAM_LISTS.suspended_tickets = suspendedTicketsList as unknown as ListDef<{ id: number }>;
