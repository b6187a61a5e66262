/**
 * Ground truth of the opt-in change streams and history tables, projected from the emulator's model
 * (never from the client's mapping): ticket_field_history, ticket_tag_history, ticket_tags,
 * ticket_metric_events, user_identities, deleted_tickets, deleted_users.
 */
import { auditOf, deletedTicketOf, deletedUserOf, identitiesOf, isDeletedUser, isListedDeletedTicket } from './changeStreams';
import { bool, id, num, pick, text, ts, type WarehouseRow } from './groundTruth';
import type { Comment, FieldChildEvent, Json, Ticket, TicketEvent, User } from './model';
import type { Store } from './store';
import { suspendedTicketsOf } from './suspendedTickets';
import { epochFromIso } from './time';

export interface ChangeStreamsTruthInput {
  store: Store;
  baseUrl: string;
  /** Tickets the ticket export serves in the synced window. */
  ticketsInWindow: Ticket[];
  /** Ticket events the ticket-event export serves in the synced window. */
  eventsInWindow: TicketEvent[];
  /** Users the users export serves. */
  usersInExport: User[];
  /** Epoch seconds: metric events before this are outside the synced window. */
  metricEventsSince: number;
  visibleUntil: number;
  /** A comment as the API renders it (ticket audits embed their comments). */
  renderComment: (comment: Comment) => string;
}

/** A field value as the text column holds it: strings as they are, arrays and objects as JSON. */
const valueText = (v: Json | undefined): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
};

export function changeStreamsTruth(input: ChangeStreamsTruthInput): Record<string, () => WarehouseRow[]> {
  const { store, baseUrl, renderComment } = input;
  const fieldChanges = () =>
    input.eventsInWindow.flatMap((event) =>
      event.child_events
        .filter((c): c is FieldChildEvent => c.event_type === 'Create' || c.event_type === 'Change')
        .map((change) => ({ event, change })),
    );
  return {
    ticket_field_history: () =>
      fieldChanges().map(({ event, change }) =>
        pick('ticket_field_history', {
          id: change.id,
          ticket_event_id: event.id,
          ticket_id: event.ticket_id,
          field_name: change.field_name,
          value: valueText(change.value),
          previous_value: change.event_type === 'Change' ? valueText(change.previous_value) : null,
          event_type: change.event_type,
          updated: ts(event.created_at),
          user_id: id(event.updater_id),
        }),
      ),
    ticket_tag_history: () =>
      fieldChanges()
        .filter(({ change }) => change.field_name === 'tags')
        .map(({ event, change }) =>
          pick('ticket_tag_history', {
            id: change.id,
            ticket_event_id: event.id,
            ticket_id: event.ticket_id,
            tags: change.value ?? null,
            previous_tags: change.event_type === 'Change' ? (change.previous_value ?? null) : null,
            updated: ts(event.created_at),
            user_id: id(event.updater_id),
          }),
        ),
    ticket_tags: () =>
      input.ticketsInWindow.flatMap((t) =>
        [...new Set(t.tags)].map((tag) => pick('ticket_tags', { id: `${t.id}:${tag}`, ticket_id: t.id, tag })),
      ),
    ticket_metric_events: () =>
      [...store.ticketMetricEvents.rows.values()]
        .filter((m) => epochFromIso(m.time) >= input.metricEventsSince && epochFromIso(m.time) <= input.visibleUntil)
        .map((m) =>
          pick('ticket_metric_events', {
            id: m.id,
            ticket_id: m.ticket_id,
            metric: m.metric,
            instance_id: num(m.instance_id),
            type: m.type,
            time: ts(m.time),
            status_calendar: num(m.status?.calendar),
            status_business: num(m.status?.business),
            sla_target: num(m.sla?.target),
            sla_business_hours: bool(m.sla?.business_hours),
            sla_policy_id: id(m.sla?.policy.id),
            sla_policy_title: text(m.sla?.policy.title),
            deleted: bool(m.deleted),
          }),
        ),
    user_identities: () =>
      input.usersInExport.flatMap((u) =>
        identitiesOf(u, baseUrl).map((i) => pick('user_identities', { ...i, created_at: ts(i.created_at), updated_at: ts(i.updated_at) })),
      ),
    ticket_audits: () =>
      [...store.ticketEvents.rows.values()].map((e) => {
        const audit = auditOf(store, renderComment, e);
        return pick('ticket_audits', {
          ...audit,
          author_id: id(audit.author_id),
          created_at: ts(audit.created_at),
          via_channel: (audit.via as { channel: string }).channel,
        });
      }),
    suspended_tickets: () =>
      [...suspendedTicketsOf(store).rows.values()].map((s) =>
        pick('suspended_tickets', {
          ...s,
          url: `${baseUrl}/api/v2/suspended_tickets/${s.id}.json`,
          author_id: id(s.author.id),
          author_name: s.author.name,
          author_email: s.author.email,
          ticket_id: id(s.ticket_id),
          via_channel: s.via.channel,
          created_at: ts(s.created_at),
          updated_at: ts(s.updated_at),
        }),
      ),
    deleted_tickets: () =>
      [...store.tickets.rows.values()].filter(isListedDeletedTicket).map((t) => {
        const d = deletedTicketOf(store, t);
        return pick('deleted_tickets', { ...d, actor_id: d.actor.id, actor_name: d.actor.name, deleted_at: ts(d.deleted_at) });
      }),
    deleted_users: () =>
      [...store.users.rows.values()].filter(isDeletedUser).map((u) => {
        const d = deletedUserOf(u, baseUrl);
        return pick('deleted_users', {
          ...d,
          email: text(d.email),
          phone: text(d.phone),
          organization_id: id(d.organization_id),
          created_at: ts(d.created_at),
          updated_at: ts(d.updated_at),
        });
      }),
  };
}
