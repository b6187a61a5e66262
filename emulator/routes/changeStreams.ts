/**
 * List endpoints of the change-stream collections: `/api/v2/deleted_tickets` and
 * `/api/v2/deleted_users` (cursor or offset pagination, at most 100 per page, oldest first), views
 * of the tickets and users the account soft-deleted (see ../changeStreams.ts).
 */
import type { Ticket, User } from '../model';
import { deletedTicketOf, deletedUserOf, isDeletedUser, isListedDeletedTicket } from '../changeStreams';
import type { ListDef } from './lists';

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

export const CHANGE_STREAM_LISTS: Record<string, ListDef<{ id: number }>> = {
  deleted_tickets: deletedTicketsList as unknown as ListDef<{ id: number }>,
  deleted_users: deletedUsersList as unknown as ListDef<{ id: number }>,
};
