/**
 * The change-stream views of the account (opt-in collections `user_identities`, `deleted_tickets`,
 * `deleted_users`), derived from the model rather than stored, so they always agree with it:
 *   - a user's identities: the email identity (while the user has an email) and the phone identity
 *     (while it has a phone), as `include=identities` sideloads them on the users export;
 *   - deleted tickets: tickets soft-deleted (status "deleted") and not scrubbed, with who deleted
 *     them, when, and the status before, read from the ticket's own events;
 *   - deleted users: users soft-deleted (active false).
 *   - ticket audits: the ticket events as the audits list shows them.
 * The ground truth (changeStreamsTruth.ts) and the routes read the same functions.
 */
import { VIA_KINDS, viaObject } from './data/builders';
import type { Comment, FieldChildEvent, Ticket, TicketEvent, User } from './model';
import type { Store } from './store';

export interface UserIdentity {
  id: number;
  url: string;
  user_id: number;
  type: 'email' | 'phone_number';
  value: string;
  verified: boolean;
  primary: boolean;
  deliverable_state: string | null;
  undeliverable_count: number;
  created_at: string;
  updated_at: string;
}

/**
 * Identity ids are derived from the user's (4 × user id + 1 or 2): unique, since user ids are at
 * least a million apart, stable across requests, and below 2^53 for 14-digit user ids.
 */
export function identitiesOf(user: User, baseUrl: string): UserIdentity[] {
  if (!user.active) return []; // Zendesk removes a deleted user's identities
  const out: UserIdentity[] = [];
  const make = (offset: number, type: UserIdentity['type'], value: string, primary: boolean, verified: boolean): UserIdentity => {
    const id = user.id * 4 + offset;
    return {
      id,
      url: `${baseUrl}/api/v2/users/${user.id}/identities/${id}.json`,
      user_id: user.id,
      type,
      value,
      verified,
      primary,
      deliverable_state: type === 'email' ? 'deliverable' : null,
      undeliverable_count: 0,
      created_at: user.created_at,
      updated_at: user.updated_at,
    };
  };
  if (user.email) out.push(make(1, 'email', user.email, true, user.verified));
  if (user.phone) out.push(make(2, 'phone_number', user.phone, !user.email, false));
  return out;
}

export interface DeletedTicket {
  id: number;
  subject: string;
  description: string;
  actor: { id: number; name: string };
  deleted_at: string;
  previous_state: string;
}

/** The event that set a ticket's status to "deleted", and that change. */
function deletionOf(store: Store, ticket: Ticket): { event: TicketEvent; change: FieldChildEvent } | null {
  const ids = store.eventIdsByTicket.get(ticket.id) ?? [];
  for (let i = ids.length - 1; i >= 0; i--) {
    const event = store.ticketEvents.get(ids[i]!);
    if (!event) continue;
    for (const child of event.child_events) {
      if (child.event_type === 'Change' && child.field_name === 'status' && child.value === 'deleted') return { event, change: child };
    }
  }
  return null;
}

/** Listed: soft-deleted and not yet scrubbed (Zendesk lists a deleted ticket until it is scrubbed). */
export function isListedDeletedTicket(ticket: Ticket): boolean {
  return ticket.status === 'deleted' && ticket.subject !== 'SCRUBBED';
}

export function deletedTicketOf(store: Store, ticket: Ticket): DeletedTicket {
  const deletion = deletionOf(store, ticket);
  // A deletion by Zendesk itself (updater -1) names no user; the account owner stands in.
  const actorId = deletion && deletion.event.updater_id > 0 ? deletion.event.updater_id : store.adminUserId;
  return {
    id: ticket.id,
    subject: ticket.subject,
    description: ticket.description,
    actor: { id: actorId, name: store.users.get(actorId)?.name ?? 'Unknown' },
    deleted_at: deletion?.event.created_at ?? ticket.updated_at,
    previous_state: deletion ? String(deletion.change.previous_value ?? 'open') : 'open',
  };
}

export function isDeletedUser(user: User): boolean {
  return !user.active;
}

/** A deleted user as `/api/v2/deleted_users` lists it: the user's own fields, active false. */
export function deletedUserOf(user: User, baseUrl: string): Record<string, unknown> {
  return {
    id: user.id,
    url: `${baseUrl}/api/v2/deleted_users/${user.id}.json`,
    name: user.name,
    email: user.email,
    created_at: user.created_at,
    updated_at: user.updated_at,
    time_zone: user.time_zone,
    iana_time_zone: user.iana_time_zone,
    phone: user.phone,
    shared_phone_number: user.shared_phone_number,
    photo: null,
    locale_id: user.locale_id,
    locale: user.locale,
    organization_id: user.organization_id,
    role: user.role,
    active: false,
  };
}

/**
 * A ticket event as `/api/v2/ticket_audits` returns it: the audit object (`via` an object, the
 * author the event's updater) with its events, comments in full and field changes naming their
 * field in `field_name` (unlike the export's children, which carry it as a key).
 */
export function auditOf(store: Store, renderComment: (comment: Comment) => string, event: TicketEvent): Record<string, unknown> {
  const channel = VIA_KINDS.find((k) => k.label === event.via)?.channel ?? 'web';
  const events = event.child_events.map((child) => {
    if (child.event_type === 'Comment') {
      const comment = store.comments.get(child.comment_id);
      return comment ? JSON.parse(renderComment(comment)) : { id: child.comment_id, type: 'Comment' };
    }
    const out: Record<string, unknown> = { id: child.id, type: child.event_type, field_name: child.field_name, value: child.value };
    if (child.event_type === 'Change') out.previous_value = child.previous_value ?? null;
    return out;
  });
  return {
    id: event.id,
    ticket_id: event.ticket_id,
    created_at: event.created_at,
    author_id: event.updater_id,
    metadata: { system: event.system, custom: {} },
    via: viaObject(channel),
    events,
  };
}
