import { collections } from '../catalog/collections';
import { configurationTruth } from './configurationTruth';
import { EXPORT_DELAY_SECONDS } from './context';
import { helpCenterGroundTruth } from './groundTruthHelpCenter';
import type { Comment, Json, KeyedField, Ticket, TicketEvent, TicketField, User } from './model';
import { planAllows, type Plan, type QuirkSettings } from './options';
import type { Store } from './store';
import { DAY, epochFromIso, isoFromEpoch } from './time';
import { changeStreamsTruth } from './changeStreamsTruth';
import { Serializer } from './serialize';

/**
 * Exactly the rows a warehouse should hold after a complete sync, projected straight from the
 * emulator's own model (independently of any client mapping code), for differential tests.
 *
 * Rows carry every catalog column of the collection except received_at; ids are numbers,
 * timestamps `YYYY-MM-DDTHH:MM:SSZ`, json columns JS values, null where absent. tickets, users and
 * organizations add `custom_fields: { key: typedValue }` with a key for every custom field the
 * account defines (ticket field id, user/organization field key), null where the record has no value.
 */
export interface GroundTruthOptions {
  /** Epoch seconds: tickets and ticket_metrics with generated_timestamp before this are left out. */
  ticketsSince?: number;
  /** Epoch seconds: ticket_events, ticket_comments and attachments before this are left out. */
  ticketEventsSince?: number;
  /** Epoch seconds: ticket_metric_events before this are left out. */
  ticketMetricEventsSince?: number;
  /** Emulated now (default: the emulator clock); exports hide records changed in its last minute. */
  now?: number;
  /** Only these collections (default: all 16). */
  collections?: string[];
}

export type WarehouseRow = Record<string, unknown>;
export type GroundTruth = Record<string, WarehouseRow[]>;

export interface GroundTruthSource {
  store: Store;
  baseUrl: string;
  now: number;
  plan: Plan;
  quirks: QuirkSettings;
}

export const id = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
export const ts = (v: unknown): string | null => {
  if (v === null || v === undefined || v === '') return null;
  const ms = typeof v === 'number' ? v * 1000 : Date.parse(String(v));
  return Number.isNaN(ms) ? null : isoFromEpoch(Math.floor(ms / 1000));
};
export const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const bool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(v));
export const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** A custom-field value typed by its definition. */
export function typedFieldValue(type: string, value: Json | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'checkbox':
      return Boolean(value);
    case 'integer':
    case 'decimal':
      return num(value);
    case 'date':
      return String(value).slice(0, 10);
    case 'multiselect':
      return Array.isArray(value) ? value.map(String) : [String(value)];
    default:
      return String(value);
  }
}

const columnsOf = (name: string) =>
  collections
    .find((c) => c.name === name)!
    .columns.map((c) => c.name)
    .filter((c) => c !== 'received_at');

/** Keep exactly the catalog's columns; a column the projection forgot is a bug, not a null. */
export function pick(collection: string, full: Record<string, unknown>, extra: Record<string, unknown> = {}): WarehouseRow {
  const row: WarehouseRow = {};
  for (const column of columnsOf(collection)) {
    if (!(column in full)) throw new Error(`groundTruth: no projection for ${collection}.${column}`);
    row[column] = full[column] === undefined ? null : full[column];
  }
  return { ...row, ...extra };
}

const byId = (a: WarehouseRow, b: WarehouseRow) => (a.id as number) - (b.id as number);

/** Builds one collection's rows; called only for the collections asked for. */
type RowBuilders = Record<string, () => WarehouseRow[]>;

/** What the projections of one ground truth share: the account, the emulated now, and the synced windows. */
interface TruthScope {
  source: GroundTruthSource;
  now: number;
  /** Exports hide records changed after this (the export delay). */
  visibleUntil: number;
  ticketsInWindow: Ticket[];
  eventsInWindow: TicketEvent[];
  /** Every comment child of the events in the window, with its event. */
  commentsInWindow: Array<{ event: TicketEvent; comment: Comment }>;
}

export function computeGroundTruth(source: GroundTruthSource, options: GroundTruthOptions = {}): GroundTruth {
  const { store, baseUrl, quirks } = source;
  const now = options.now ?? source.now;
  const visibleUntil = now - EXPORT_DELAY_SECONDS;
  const ticketsSince = options.ticketsSince ?? 0;
  const eventsSince = options.ticketEventsSince ?? 0;
  const ticketsInWindow = [...store.tickets.rows.values()].filter(
    (t) => t.generated_timestamp >= ticketsSince && t.generated_timestamp <= visibleUntil,
  );
  const eventsInWindow = [...store.ticketEvents.rows.values()].filter((e) => e.timestamp >= eventsSince && e.timestamp <= visibleUntil);
  const scope: TruthScope = {
    source,
    now,
    visibleUntil,
    ticketsInWindow,
    eventsInWindow,
    commentsInWindow: commentsOf(store, eventsInWindow),
  };

  const wanted = new Set(options.collections ?? collections.map((c) => c.name));
  const out: GroundTruth = {};
  const add = (builders: RowBuilders) => {
    for (const [name, build] of Object.entries(builders)) if (wanted.has(name)) out[name] = build().sort(byId);
  };
  add(ticketBuilders(scope));
  add(accountBuilders(scope));
  add(helpCenterGroundTruth(store, baseUrl, quirks));
  for (const [name, rows] of Object.entries(configurationTruth(source))) add({ [name]: () => rows });
  const serializer = new Serializer(store, () => baseUrl);
  add(
    changeStreamsTruth({
      store,
      baseUrl,
      ticketsInWindow,
      eventsInWindow,
      usersInExport: quirks.identitiesOnUserExport ? usersInExport(scope) : [],
      metricEventsSince: options.ticketMetricEventsSince ?? 0,
      visibleUntil,
      renderComment: (comment) => serializer.comment(comment),
    }),
  );
  return out;
}

/**
 * Every comment child, voice comments included: the model's own link (child -> comment), not the
 * export's event_type, decides what a comment is, so this stays independent of the client.
 */
function commentsOf(store: Store, events: TicketEvent[]): Array<{ event: TicketEvent; comment: Comment }> {
  return events.flatMap((e) =>
    e.child_events.flatMap((child) => {
      if (child.event_type !== 'Comment') return [];
      const comment = store.comments.get(child.comment_id);
      return comment ? [{ event: e, comment }] : [];
    }),
  );
}

const recordUrl = (scope: TruthScope, path: string, recordId: number) => `${scope.source.baseUrl}/api/v2/${path}/${recordId}.json`;

/** The ticket exports' collections: tickets and their metric sets, ticket events, comments, attachments. */
function ticketBuilders(scope: TruthScope): RowBuilders {
  return {
    tickets: () => {
      const fieldDefs = new Map<number, TicketField>([...scope.source.store.ticketFields.rows.values()].map((f) => [f.id, f]));
      return scope.ticketsInWindow.map((t) => ticketRow(scope, fieldDefs, t));
    },
    ticket_metrics: () => scope.ticketsInWindow.flatMap((t) => ticketMetricRow(scope, t)),
    ticket_events: () => scope.eventsInWindow.map(ticketEventRow),
    ticket_comments: () =>
      scope.commentsInWindow.map(({ event, comment }) =>
        pick('ticket_comments', {
          id: comment.id,
          ticket_event_id: event.id,
          ticket_id: event.ticket_id,
          type: comment.type,
          body: comment.body,
          public: comment.public,
          author_id: id(comment.author_id),
          via: comment.via,
          created_at: ts(comment.created_at ?? event.created_at),
        }),
      ),
    attachments: () => attachmentRows(scope),
  };
}

function ticketRow(scope: TruthScope, ticketFieldDefs: Map<number, TicketField>, t: Ticket): WarehouseRow {
  // Every custom field the account defines (Zendesk's own system fields are not removable), so
  // a comparison checks a column for each; a field a ticket does not carry is null.
  const custom: Record<string, unknown> = {};
  for (const def of ticketFieldDefs.values()) if (def.removable) custom[String(def.id)] = null;
  for (const cf of t.custom_fields) {
    const def = ticketFieldDefs.get(cf.id);
    if (def?.removable) custom[String(cf.id)] = typedFieldValue(def.type, cf.value);
  }
  return pick(
    'tickets',
    {
      ...t,
      id: t.id,
      url: recordUrl(scope, 'tickets', t.id),
      external_id: text(t.external_id),
      type: text(t.type),
      priority: text(t.priority),
      recipient: text(t.recipient),
      requester_id: id(t.requester_id),
      submitter_id: id(t.submitter_id),
      assignee_id: id(t.assignee_id),
      organization_id: id(t.organization_id),
      group_id: id(t.group_id),
      forum_topic_id: id(t.forum_topic_id),
      problem_id: id(t.problem_id),
      ticket_form_id: id(t.ticket_form_id),
      due_at: ts(t.due_at),
      created_at: ts(t.created_at),
      updated_at: ts(t.updated_at),
    },
    { custom_fields: custom },
  );
}

const METRIC_DURATIONS = [
  'reply_time_in_minutes',
  'first_resolution_time_in_minutes',
  'full_resolution_time_in_minutes',
  'agent_wait_time_in_minutes',
  'requester_wait_time_in_minutes',
  'on_hold_time_in_minutes',
] as const;
const METRIC_TIMES = [
  'created_at',
  'updated_at',
  'assignee_updated_at',
  'requester_updated_at',
  'status_updated_at',
  'initially_assigned_at',
  'assigned_at',
  'latest_comment_added_at',
] as const;

function ticketMetricRow(scope: TruthScope, t: Ticket): WarehouseRow[] {
  const m = scope.source.store.metricOf(t.id);
  if (!m) return [];
  const full: Record<string, unknown> = { ...m };
  for (const metric of METRIC_DURATIONS) {
    full[`${metric}_calendar`] = num(m[metric].calendar);
    full[`${metric}_business`] = num(m[metric].business);
  }
  for (const key of METRIC_TIMES) full[key] = ts(m[key]);
  return [pick('ticket_metrics', full)];
}

function ticketEventRow(e: TicketEvent): WarehouseRow {
  return pick('ticket_events', {
    id: e.id,
    ticket_event_id: e.id,
    ticket_id: e.ticket_id,
    timestamp: ts(e.timestamp),
    updater_id: id(e.updater_id),
    ticket_event_via: text(e.via),
    context_client: text(e.system.client),
    context_location: text(e.system.location),
    context_latitude: num(e.system.latitude),
    context_longitude: num(e.system.longitude),
    via: text(e.via),
  });
}

function attachmentRows(scope: TruthScope): WarehouseRow[] {
  const rows = new Map<number, WarehouseRow>();
  for (const { comment } of scope.commentsInWindow) {
    for (const a of comment.attachments) {
      rows.set(
        a.id,
        pick('attachments', {
          id: a.id,
          file_name: a.file_name,
          content_url: `${scope.source.baseUrl}/attachments/token/${a.token}/?name=${encodeURIComponent(a.file_name)}`,
          content_type: a.content_type,
          inline: a.inline,
          size: num(a.size),
        }),
      );
    }
  }
  return [...rows.values()];
}

/** Users the users export serves (deleted ones only when the quirk says so). */
function usersInExport(scope: TruthScope): User[] {
  const { store, quirks } = scope.source;
  return [...store.users.rows.values()].filter(
    (u) => epochFromIso(u.updated_at) <= scope.visibleUntil && (quirks.deletedUsersInExport || u.active),
  );
}

const keyedDefs = (defs: Iterable<KeyedField>) => new Map<string, KeyedField>([...defs].map((f) => [f.key, f]));
function keyedCustom(values: Record<string, Json>, defs: Map<string, KeyedField>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of defs) out[key] = typedFieldValue(def.type, values[key]);
  return out;
}

/** The rest of the Support account: people, groups, fields, forms, ratings, skips, activities, audit logs. */
function accountBuilders(scope: TruthScope): RowBuilders {
  const { store, plan } = scope.source;
  const url = (path: string, recordId: number) => recordUrl(scope, path, recordId);
  const stamped = <T extends { created_at: string; updated_at: string }>(r: T) => ({
    created_at: ts(r.created_at),
    updated_at: ts(r.updated_at),
  });
  return {
    users: () => userRows(scope),
    organizations: () => organizationRows(scope),
    groups: () => [...store.groups.rows.values()].map((g) => pick('groups', { ...g, url: url('groups', g.id), ...stamped(g) })),
    ticket_fields: () => ticketFieldRows(scope),
    activities: () =>
      [...store.activities.rows.values()]
        .filter((a) => epochFromIso(a.created_at) >= scope.now - 30 * DAY)
        .map((a) => pick('activities', { ...a, url: url('activities', a.id), ...stamped(a) })),
    satisfaction_ratings: () => satisfactionRatingRows(scope),
    ticket_forms: () =>
      planAllows(plan, 'ticket_forms')
        ? [...store.ticketForms.rows.values()].map((f) => pick('ticket_forms', { ...f, url: url('ticket_forms', f.id), ...stamped(f) }))
        : [],
    ticket_skips: () => [...store.skips.rows.values()].map((s) => pick('ticket_skips', { ...s, reason: text(s.reason), ...stamped(s) })),
    organization_memberships: () =>
      [...store.organizationMemberships.rows.values()].map((m) =>
        pick('organization_memberships', { ...m, url: url('organization_memberships', m.id), ...stamped(m) }),
      ),
    group_memberships: () =>
      [...store.groupMemberships.rows.values()].map((m) =>
        pick('group_memberships', { ...m, url: url('group_memberships', m.id), ...stamped(m) }),
      ),
    audit_logs: () =>
      planAllows(plan, 'audit_logs')
        ? [...store.auditLogs.rows.values()].map((l) =>
            pick('audit_logs', { ...l, url: url('audit_logs', l.id), ip_address: text(l.ip_address), created_at: ts(l.created_at) }),
          )
        : [],
  };
}

function userRows(scope: TruthScope): WarehouseRow[] {
  const userFieldDefs = keyedDefs(scope.source.store.userFields.rows.values());
  return usersInExport(scope).map((u) =>
    pick(
      'users',
      {
        ...u,
        url: String(u.id),
        email: text(u.email),
        phone: text(u.phone),
        organization_id: id(u.organization_id),
        external_id: text(u.external_id),
        alias: text(u.alias),
        last_login_at: ts(u.last_login_at),
        signature: text(u.signature),
        details: text(u.details),
        notes: text(u.notes),
        custom_role_id: id(u.custom_role_id),
        ticket_restriction: text(u.ticket_restriction),
        updated_at: ts(u.updated_at),
      },
      { custom_fields: keyedCustom(u.user_fields, userFieldDefs) },
    ),
  );
}

function organizationRows(scope: TruthScope): WarehouseRow[] {
  const { store, quirks } = scope.source;
  const orgFieldDefs = keyedDefs(store.organizationFields.rows.values());
  return [...store.organizations.rows.values()]
    .filter((o) => epochFromIso(o.updated_at) <= scope.visibleUntil && (quirks.deletedOrganizationsInExport || o.deleted_at === null))
    .map((o) =>
      pick(
        'organizations',
        {
          ...o,
          url: recordUrl(scope, 'organizations', o.id),
          external_id: text(o.external_id),
          details: text(o.details),
          notes: text(o.notes),
          group_id: id(o.group_id),
          created_at: ts(o.created_at),
          updated_at: ts(o.updated_at),
          deleted_at: ts(o.deleted_at),
        },
        { custom_fields: keyedCustom(o.organization_fields, orgFieldDefs) },
      ),
    );
}

function ticketFieldRows(scope: TruthScope): WarehouseRow[] {
  return [...scope.source.store.ticketFields.rows.values()].map((f) =>
    pick('ticket_fields', {
      ...f,
      url: recordUrl(scope, 'ticket_fields', f.id),
      // "The title of the field, with words separated by underscores": runs of anything but
      // letters and digits become one underscore, none at the ends.
      slug: f.title
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean)
        .join('_'),
      regexp_for_validation: text(f.regexp_for_validation),
      tag: text(f.tag),
      created_at: ts(f.created_at),
      updated_at: ts(f.updated_at),
    }),
  );
}

function satisfactionRatingRows(scope: TruthScope): WarehouseRow[] {
  return [...scope.source.store.satisfactionRatings.rows.values()].map((r) =>
    pick('satisfaction_ratings', {
      ...r,
      url: recordUrl(scope, 'satisfaction_ratings', r.id),
      assignee_id: id(r.assignee_id),
      group_id: id(r.group_id),
      comment: text(r.comment),
      reason: text(r.reason),
      reason_id: id(r.reason_id),
      created_at: ts(r.created_at),
      updated_at: ts(r.updated_at),
    }),
  );
}
