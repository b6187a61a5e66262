import { VIA_KINDS, asVoiceComment, makeAttachment, makeComment, makeEvent, makeVoiceCall, systemInfo } from './data/builders';
import { ticketFieldDefaults } from './data/generate';
import { unsetFieldValue } from './data/fields';
import type { TextPools } from './data/textPools';
import type { Clock } from './clock';
import type {
  ChildEvent,
  Comment,
  CustomFieldValue,
  Group,
  GroupMembership,
  Json,
  Organization,
  OrganizationMembership,
  SatisfactionRating,
  Skip,
  Ticket,
  TicketField,
  TicketFieldType,
  TicketForm,
  User,
} from './model';
import { Random } from './random';
import type { Store } from './store';
import { isoFromEpoch } from './time';

/**
 * Changes between syncs. Every change stamps the emulated "now" on the record (updated_at, and
 * generated_timestamp for tickets) and ticket changes emit a ticket event — with a comment and its
 * attachments when one is added — exactly as the exports will later show them. Remember that the
 * exports hide the last minute: advance the clock by 60 s before expecting a change in a page.
 */
export interface CommentInput {
  body: string;
  public?: boolean;
  author_id?: number;
  /** How many attachments to add to the comment (none on a voice comment). */
  attachments?: number;
  /**
   * 'VoiceComment': the comment records a phone call answered by its author — private, no
   * attachments, `body` is used as the call's transcription. Default 'Comment'.
   */
  type?: 'Comment' | 'VoiceComment';
}

export interface TicketInput {
  subject?: string;
  comment?: CommentInput;
  requester_id?: number;
  submitter_id?: number;
  assignee_id?: number | null;
  group_id?: number | null;
  organization_id?: number | null;
  status?: string;
  priority?: string | null;
  type?: string | null;
  tags?: string[];
  custom_fields?: CustomFieldValue[];
  external_id?: string | null;
  due_at?: string | null;
}

export interface TicketPatch {
  subject?: string;
  status?: string;
  priority?: string | null;
  type?: string | null;
  assignee_id?: number | null;
  group_id?: number | null;
  tags?: string[];
  custom_fields?: CustomFieldValue[];
  external_id?: string | null;
  comment?: CommentInput;
}

const TICKET_PATCH_FIELDS = ['subject', 'status', 'priority', 'type', 'assignee_id', 'group_id', 'tags', 'external_id'] as const;

export interface TicketFieldInput {
  title: string;
  type?: TicketFieldType;
  /** Options of a tagger or multiselect field (names; values are derived as Zendesk does). */
  options?: string[];
  regexp_for_validation?: string | null;
  description?: string;
  active?: boolean;
}

/** Zendesk's satisfaction scores a customer can give or an offer can stand at. */
const SATISFACTION_SCORES = ['offered', 'unoffered', 'good', 'bad'] as const;
export type SatisfactionScore = (typeof SATISFACTION_SCORES)[number];

export interface SatisfactionRatingInput {
  ticket_id: number;
  score: SatisfactionScore;
  comment?: string | null;
  /** Reasons apply to bad scores only, as on real records. */
  reason?: string;
  reason_id?: number;
}

export interface SatisfactionRatingPatch {
  score?: SatisfactionScore;
  comment?: string | null;
  reason?: string;
  reason_id?: number;
}

export interface SkipInput {
  ticket_id: number;
  /** The agent who skipped; default the admin credential's user. */
  user_id?: number;
  reason?: string;
}

export interface TicketFormInput {
  name?: string;
  display_name?: string;
  end_user_visible?: boolean;
  position?: number;
  ticket_field_ids?: number[];
  active?: boolean;
  default?: boolean;
  in_all_brands?: boolean;
  restricted_brand_ids?: number[];
}

const TICKET_FORM_PATCH_FIELDS = [
  'name',
  'display_name',
  'end_user_visible',
  'position',
  'ticket_field_ids',
  'active',
  'default',
  'in_all_brands',
  'restricted_brand_ids',
] as const;

export class NotFoundError extends Error {}

/** The ticket field types an admin can create (the others are Zendesk's system fields). */
const CUSTOM_TICKET_FIELD_TYPES = new Set<TicketFieldType>([
  'checkbox',
  'date',
  'decimal',
  'integer',
  'regexp',
  'tagger',
  'multiselect',
  'text',
  'textarea',
]);

export class Mutations {
  private readonly random: Random;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly pools: TextPools,
    seed: number,
  ) {
    this.random = new Random(`${seed}:mutations`);
  }

  private ticketOrThrow(id: number): Ticket {
    const ticket = this.store.tickets.get(id);
    if (!ticket) throw new NotFoundError(`ticket ${id} not found`);
    return ticket;
  }

  private anyRequester(): number {
    for (const user of this.store.users.rows.values()) if (user.role === 'end-user' && user.active) return user.id;
    return this.store.adminUserId;
  }

  private newComment(ticketId: number, auditId: number, input: CommentInput, at: number, system: Comment['system']): Comment {
    const comment = makeComment(this.store.ids, {
      ticketId,
      auditId,
      authorId: input.author_id ?? this.store.adminUserId,
      body: input.body,
      public: input.public ?? true,
      createdAt: at,
      channel: 'api',
      system,
      attachments: Array.from({ length: input.attachments ?? 0 }, () => makeAttachment(this.random, this.store.ids, this.pools)),
    });
    if (input.type === 'VoiceComment') {
      const author = this.store.users.get(comment.author_id);
      const ticket = this.store.tickets.get(ticketId);
      const caller = ticket ? this.store.users.get(ticket.requester_id) : undefined;
      const { call, body } = makeVoiceCall(this.random, this.pools, {
        callId: this.store.ids.next(),
        startedAt: at,
        answeredById: comment.author_id,
        answeredByName: author?.name ?? 'Agent',
        transcription: input.body,
      });
      const voice = asVoiceComment(comment, call, body, caller?.name ?? 'Caller');
      this.store.addComment(voice);
      return voice;
    }
    this.store.addComment(comment);
    return comment;
  }

  createTicket(input: TicketInput = {}): Ticket {
    const now = this.clock.now();
    const id = this.store.nextTicketId++;
    const auditId = this.store.ids.next();
    const system = systemInfo(this.random, this.pools);
    const requesterId = input.requester_id ?? this.anyRequester();
    const comment = this.newComment(
      id,
      auditId,
      input.comment ?? { body: 'Created through the emulator.', author_id: requesterId },
      now,
      system,
    );
    const subject = input.subject ?? this.random.pick(this.pools.subjects);
    const status = input.status ?? 'new';
    const customFields = ticketFieldDefaults([...this.store.ticketFields.rows.values()]).map((f) => {
      const given = input.custom_fields?.find((c) => c.id === f.id);
      return given ? { id: f.id, value: given.value } : f;
    });
    const ticket: Ticket = {
      id,
      external_id: input.external_id ?? null,
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      created_at: isoFromEpoch(now),
      updated_at: isoFromEpoch(now),
      generated_timestamp: now,
      type: input.type ?? null,
      subject,
      raw_subject: subject,
      description: comment.body,
      priority: input.priority ?? null,
      status,
      recipient: null,
      requester_id: requesterId,
      submitter_id: input.submitter_id ?? requesterId,
      assignee_id: input.assignee_id ?? null,
      organization_id: input.organization_id ?? this.store.users.get(requesterId)?.organization_id ?? null,
      group_id: input.group_id ?? null,
      collaborator_ids: [],
      follower_ids: [],
      email_cc_ids: [],
      forum_topic_id: null,
      problem_id: null,
      has_incidents: false,
      is_public: comment.public,
      due_at: input.due_at ?? null,
      tags: input.tags ?? [],
      custom_fields: customFields,
      satisfaction_rating: null,
      sharing_agreement_ids: [],
      custom_status_id: 1001,
      ticket_form_id: [...this.store.ticketForms.rows.values()].find((f) => f.default)?.id ?? null,
      brand_id: 360000358316,
      allow_channelback: false,
      allow_attachments: true,
      from_messaging_channel: false,
    };
    const children: ChildEvent[] = [
      { event_type: 'Comment', comment_id: comment.id },
      { id: this.store.ids.next(), event_type: 'Create', field_name: 'subject', value: subject },
      { id: this.store.ids.next(), event_type: 'Create', field_name: 'status', value: status },
    ];
    if (ticket.tags.length)
      children.push({ id: this.store.ids.next(), event_type: 'Create', field_name: 'tags', value: ticket.tags.slice() });
    this.store.addEvent(makeEvent(auditId, id, now, requesterId, 'Web service', system, children));
    this.store.tickets.put(ticket);
    this.store.addMetric({
      id: this.store.ids.next(),
      ticket_id: id,
      created_at: ticket.created_at,
      updated_at: ticket.updated_at,
      group_stations: ticket.group_id ? 1 : 0,
      assignee_stations: ticket.assignee_id ? 1 : 0,
      reopens: 0,
      replies: 0,
      requester_updated_at: ticket.created_at,
      status_updated_at: ticket.created_at,
      latest_comment_added_at: comment.created_at,
      reply_time_in_minutes: { calendar: null, business: null },
      first_resolution_time_in_minutes: { calendar: null, business: null },
      full_resolution_time_in_minutes: { calendar: null, business: null },
      agent_wait_time_in_minutes: { calendar: 0, business: 0 },
      requester_wait_time_in_minutes: { calendar: 0, business: 0 },
      on_hold_time_in_minutes: { calendar: 0, business: 0 },
    });
    this.store.ticketMetricEvents.put({
      id: this.store.ids.next(),
      ticket_id: id,
      metric: 'reply_time',
      instance_id: 1,
      type: 'activate',
      time: ticket.created_at,
    });
    return ticket;
  }

  /**
   * An admin adds a custom ticket field. Like Zendesk, every ticket then carries it in
   * `custom_fields` (unset), without its updated_at changing: only tickets updated later show up in
   * the export with it.
   */
  createTicketField(input: TicketFieldInput): TicketField {
    if (typeof input.title !== 'string' || !input.title.trim()) throw new Error('a ticket field needs a title');
    const type = input.type ?? 'text';
    if (!CUSTOM_TICKET_FIELD_TYPES.has(type)) {
      throw new Error(`type must be one of ${[...CUSTOM_TICKET_FIELD_TYPES].join(', ')} (got ${String(type)})`);
    }
    const hasOptions = type === 'tagger' || type === 'multiselect';
    if (hasOptions && !input.options?.length) throw new Error(`a ${type} field needs options`);
    const now = isoFromEpoch(this.clock.now());
    const active = input.active ?? true;
    const field: TicketField = {
      id: this.store.ids.next(),
      type,
      title: input.title,
      raw_title: input.title,
      description: input.description ?? '',
      raw_description: input.description ?? '',
      position: 9999,
      active,
      required: false,
      collapsed_for_agents: false,
      regexp_for_validation: type === 'regexp' ? (input.regexp_for_validation ?? null) : null,
      title_in_portal: input.title,
      raw_title_in_portal: input.title,
      visible_in_portal: false,
      editable_in_portal: false,
      required_in_portal: false,
      tag: null,
      created_at: now,
      updated_at: now,
      removable: true,
      key: null,
      agent_description: null,
    };
    if (hasOptions) {
      field.custom_field_options = input.options!.map((name) => ({
        id: this.store.ids.next(),
        name,
        raw_name: name,
        value: name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
      }));
    }
    this.store.ticketFields.put(field);
    // An inactive field is defined on the account but carried on no ticket.
    if (!active) return field;
    for (const ticket of this.store.tickets.rows.values()) {
      this.store.tickets.put({ ...ticket, custom_fields: [...ticket.custom_fields, { id: field.id, value: unsetFieldValue(type) }] });
    }
    return field;
  }

  /** Change fields and/or add a comment: one ticket event carrying every change. */
  updateTicket(id: number, patch: TicketPatch, updaterId = this.store.adminUserId): Ticket {
    const ticket = this.ticketOrThrow(id);
    const now = this.clock.now();
    const auditId = this.store.ids.next();
    const system = systemInfo(this.random, this.pools);
    const children: ChildEvent[] = [];
    let comment: Comment | null = null;
    if (patch.comment) {
      comment = this.newComment(id, auditId, { author_id: updaterId, ...patch.comment }, now, system);
      children.push({ event_type: 'Comment', comment_id: comment.id });
    }
    const next: Ticket = { ...ticket };
    for (const field of TICKET_PATCH_FIELDS) {
      if (!(field in patch)) continue;
      const value = patch[field] as Json;
      const previous = ticket[field] as Json;
      if (JSON.stringify(value) === JSON.stringify(previous)) continue;
      (next as unknown as Record<string, Json>)[field] = value;
      children.push({ id: this.store.ids.next(), event_type: 'Change', field_name: field, value, previous_value: previous });
    }
    if (patch.subject !== undefined) next.raw_subject = patch.subject;
    if (patch.custom_fields) {
      next.custom_fields = ticket.custom_fields.map((cf) => {
        const given = patch.custom_fields!.find((c) => c.id === cf.id);
        if (!given || JSON.stringify(given.value) === JSON.stringify(cf.value)) return cf;
        children.push({
          id: this.store.ids.next(),
          event_type: 'Change',
          field_name: String(cf.id),
          value: given.value,
          previous_value: cf.value,
        });
        return { id: cf.id, value: given.value };
      });
    }
    next.updated_at = isoFromEpoch(now);
    next.generated_timestamp = now;
    if (comment?.public) next.is_public = true;
    this.store.addEvent(makeEvent(auditId, id, now, updaterId, this.random.pick(VIA_KINDS).label, system, children));
    this.store.tickets.put(next);
    this.touchMetric(id, now, patch.status !== undefined && patch.status !== ticket.status, comment, updaterId);
    return next;
  }

  addComment(ticketId: number, input: CommentInput): Comment {
    this.updateTicket(ticketId, { comment: input }, input.author_id ?? this.store.adminUserId);
    const ids = this.store.commentIdsByTicket.get(ticketId)!;
    return this.store.comments.get(ids[ids.length - 1]!)!;
  }

  /** Soft delete: status "deleted" in the export; `scrub` also redacts subject and description. */
  deleteTicket(id: number, options: { scrub?: boolean } = {}): Ticket {
    const ticket = this.updateTicket(id, { status: 'deleted' });
    if (!options.scrub) return ticket;
    const scrubbed: Ticket = { ...ticket, subject: 'SCRUBBED', raw_subject: 'SCRUBBED', description: 'X' };
    return this.store.tickets.put(scrubbed);
  }

  /** A system-only update: generated_timestamp moves, updated_at does not, no event. */
  touchTicket(id: number): Ticket {
    const ticket = this.ticketOrThrow(id);
    return this.store.tickets.put({ ...ticket, generated_timestamp: this.clock.now() });
  }

  private touchMetric(ticketId: number, now: number, statusChanged: boolean, comment: Comment | null, updaterId: number): void {
    const metric = this.store.metricOf(ticketId);
    if (!metric) return;
    const next = { ...metric, updated_at: isoFromEpoch(now) };
    if (statusChanged) next.status_updated_at = isoFromEpoch(now);
    if (comment) {
      next.latest_comment_added_at = comment.created_at;
      const author = this.store.users.get(updaterId);
      if (comment.public && author && author.role !== 'end-user') next.replies = metric.replies + 1;
    }
    this.store.ticketMetrics.put(next);
  }

  createUser(input: Partial<User> = {}): User {
    const now = isoFromEpoch(this.clock.now());
    const first = this.random.pick(this.pools.firstNames);
    const last = this.random.pick(this.pools.lastNames);
    const userFields: Record<string, Json> = {};
    for (const def of this.store.userFields.rows.values()) userFields[def.key] = def.type === 'checkbox' ? false : null;
    const user: User = {
      id: this.store.ids.next(),
      name: `${first} ${last}`,
      email: `${first}.${last}.${this.random.int(1000, 9999)}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      created_at: now,
      updated_at: now,
      time_zone: 'London',
      iana_time_zone: 'Europe/London',
      phone: null,
      shared_phone_number: null,
      photo: null,
      locale_id: 1,
      locale: 'en-US',
      organization_id: null,
      role: 'end-user',
      verified: false,
      external_id: null,
      tags: [],
      alias: null,
      active: true,
      shared: false,
      shared_agent: false,
      last_login_at: null,
      two_factor_auth_enabled: false,
      signature: null,
      details: null,
      notes: null,
      role_type: null,
      custom_role_id: null,
      moderator: false,
      ticket_restriction: 'requested',
      only_private_comments: false,
      restricted_agent: true,
      suspended: false,
      chat_only: false,
      default_group_id: null,
      report_csv: false,
      ...input,
      user_fields: { ...userFields, ...(input.user_fields ?? {}) },
    };
    user.id = input.id ?? user.id;
    return this.store.users.put(user);
  }

  updateUser(id: number, patch: Partial<User>): User {
    const user = this.store.users.get(id);
    if (!user) throw new NotFoundError(`user ${id} not found`);
    return this.store.users.put({
      ...user,
      ...patch,
      id,
      user_fields: { ...user.user_fields, ...(patch.user_fields ?? {}) },
      updated_at: isoFromEpoch(this.clock.now()),
    });
  }

  /** Zendesk soft-deletes users: active false, email gone. */
  deleteUser(id: number): User {
    return this.updateUser(id, { active: false, email: null });
  }

  createOrganization(input: Partial<Organization> = {}): Organization {
    const now = isoFromEpoch(this.clock.now());
    const fields: Record<string, Json> = {};
    for (const def of this.store.organizationFields.rows.values()) fields[def.key] = def.type === 'checkbox' ? false : null;
    const org: Organization = {
      id: this.store.ids.next(),
      name: `${this.random.pick(this.pools.companies)} ${this.random.int(100, 999)}`,
      shared_tickets: false,
      shared_comments: false,
      external_id: null,
      created_at: now,
      updated_at: now,
      domain_names: [],
      details: null,
      notes: null,
      group_id: null,
      tags: [],
      deleted_at: null,
      ...input,
      organization_fields: { ...fields, ...(input.organization_fields ?? {}) },
    };
    return this.store.organizations.put(org);
  }

  updateOrganization(id: number, patch: Partial<Organization>): Organization {
    const org = this.store.organizations.get(id);
    if (!org) throw new NotFoundError(`organization ${id} not found`);
    const next = this.store.organizations.put({
      ...org,
      ...patch,
      id,
      organization_fields: { ...org.organization_fields, ...(patch.organization_fields ?? {}) },
      updated_at: isoFromEpoch(this.clock.now()),
    });
    if (patch.name !== undefined) {
      for (const m of [...this.store.organizationMemberships.rows.values()]) {
        if (m.organization_id === id) this.store.organizationMemberships.put({ ...m, organization_name: next.name });
      }
    }
    return next;
  }

  /** Deleted organizations keep their record with deleted_at set; their memberships go. */
  deleteOrganization(id: number): Organization {
    const now = isoFromEpoch(this.clock.now());
    const org = this.updateOrganization(id, { deleted_at: now });
    for (const m of [...this.store.organizationMemberships.rows.values()]) {
      if (m.organization_id === id) this.store.organizationMemberships.remove(m.id);
    }
    return org;
  }

  createGroup(input: Partial<Group> = {}): Group {
    const now = isoFromEpoch(this.clock.now());
    return this.store.groups.put({
      id: this.store.ids.next(),
      is_public: true,
      name: `${this.random.pick(this.pools.words)} group`,
      description: '',
      default: false,
      deleted: false,
      created_at: now,
      updated_at: now,
      ...input,
    });
  }

  updateGroup(id: number, patch: Partial<Group>): Group {
    const group = this.store.groups.get(id);
    if (!group) throw new NotFoundError(`group ${id} not found`);
    return this.store.groups.put({ ...group, ...patch, id, updated_at: isoFromEpoch(this.clock.now()) });
  }

  /** Deleted groups stay listed with deleted: true; their memberships go. */
  deleteGroup(id: number): Group {
    const group = this.updateGroup(id, { deleted: true });
    for (const m of [...this.store.groupMemberships.rows.values()]) if (m.group_id === id) this.store.groupMemberships.remove(m.id);
    return group;
  }

  createGroupMembership(input: { user_id: number; group_id: number; default?: boolean }): GroupMembership {
    if (!this.store.users.get(input.user_id)) throw new NotFoundError(`user ${input.user_id} not found`);
    if (!this.store.groups.get(input.group_id)) throw new NotFoundError(`group ${input.group_id} not found`);
    const now = isoFromEpoch(this.clock.now());
    return this.store.groupMemberships.put({
      id: this.store.ids.next(),
      user_id: input.user_id,
      group_id: input.group_id,
      default: input.default ?? false,
      created_at: now,
      updated_at: now,
    });
  }

  deleteGroupMembership(id: number): void {
    if (!this.store.groupMemberships.remove(id)) throw new NotFoundError(`group membership ${id} not found`);
  }

  createOrganizationMembership(input: { user_id: number; organization_id: number; default?: boolean }): OrganizationMembership {
    if (!this.store.users.get(input.user_id)) throw new NotFoundError(`user ${input.user_id} not found`);
    const org = this.store.organizations.get(input.organization_id);
    if (!org) throw new NotFoundError(`organization ${input.organization_id} not found`);
    const now = isoFromEpoch(this.clock.now());
    return this.store.organizationMemberships.put({
      id: this.store.ids.next(),
      user_id: input.user_id,
      organization_id: input.organization_id,
      default: input.default ? true : null,
      created_at: now,
      updated_at: now,
      organization_name: org.name,
      view_tickets: true,
    });
  }

  deleteOrganizationMembership(id: number): void {
    if (!this.store.organizationMemberships.remove(id)) throw new NotFoundError(`organization membership ${id} not found`);
  }

  /**
   * An admin deletes a custom ticket field (Zendesk refuses to delete its system fields). Like
   * Zendesk, the field leaves the definitions list, the forms that listed it (which change), and the
   * tickets' `custom_fields` without their updated_at moving: tickets exported later simply lack it.
   */
  deleteTicketField(id: number): void {
    const field = this.store.ticketFields.get(id);
    if (!field) throw new NotFoundError(`ticket field ${id} not found`);
    if (!field.removable) throw new Error(`ticket field ${id} is a system field and cannot be deleted`);
    this.store.ticketFields.remove(id);
    const now = isoFromEpoch(this.clock.now());
    for (const form of [...this.store.ticketForms.rows.values()]) {
      if (form.ticket_field_ids.includes(id)) {
        this.store.ticketForms.put({ ...form, ticket_field_ids: form.ticket_field_ids.filter((f) => f !== id), updated_at: now });
      }
    }
    for (const ticket of [...this.store.tickets.rows.values()]) {
      if (ticket.custom_fields.some((cf) => cf.id === id)) {
        this.store.tickets.put({ ...ticket, custom_fields: ticket.custom_fields.filter((cf) => cf.id !== id) });
      }
    }
  }

  // --- satisfaction ratings, skips, ticket forms -------------------------------------------------------

  /**
   * A customer rates (or is offered a rating on) a ticket. Like Zendesk, the rating lands on the
   * ticket too — its `satisfaction_rating` changes in a ticket event — so the ticket shows up in the
   * next incremental page as well as the rating in the satisfaction_ratings list.
   */
  createSatisfactionRating(input: SatisfactionRatingInput): SatisfactionRating {
    const ticket = this.ticketOrThrow(input.ticket_id);
    this.checkScore(input.score);
    const now = isoFromEpoch(this.clock.now());
    const rating: SatisfactionRating = {
      id: this.store.ids.next(),
      assignee_id: ticket.assignee_id,
      group_id: ticket.group_id,
      requester_id: ticket.requester_id,
      ticket_id: ticket.id,
      score: input.score,
      created_at: now,
      updated_at: now,
      comment: input.comment ?? null,
    };
    this.applyReason(rating, input);
    this.store.satisfactionRatings.put(rating);
    this.rateTicket(ticket, rating);
    return rating;
  }

  /** The customer changes their score or comment: updated_at moves, the ticket follows. */
  updateSatisfactionRating(id: number, patch: SatisfactionRatingPatch): SatisfactionRating {
    const rating = this.store.satisfactionRatings.get(id);
    if (!rating) throw new NotFoundError(`satisfaction rating ${id} not found`);
    if (patch.score !== undefined) this.checkScore(patch.score);
    const next: SatisfactionRating = {
      ...rating,
      score: patch.score ?? rating.score,
      comment: patch.comment !== undefined ? patch.comment : rating.comment,
      updated_at: isoFromEpoch(this.clock.now()),
    };
    delete next.reason;
    delete next.reason_id;
    this.applyReason(next, { reason: patch.reason ?? rating.reason, reason_id: patch.reason_id ?? rating.reason_id });
    this.store.satisfactionRatings.put(next);
    const ticket = this.store.tickets.get(rating.ticket_id);
    if (ticket) this.rateTicket(ticket, next);
    return next;
  }

  /**
   * A rating disappears from the ratings list. Zendesk has no public DELETE for ratings; they go when
   * Zendesk purges them (their ticket permanently deleted, a privacy redaction). The ticket itself is
   * left as it is, as a purge does not export it again.
   */
  deleteSatisfactionRating(id: number): void {
    if (!this.store.satisfactionRatings.remove(id)) throw new NotFoundError(`satisfaction rating ${id} not found`);
  }

  private checkScore(score: string): void {
    if (!(SATISFACTION_SCORES as readonly string[]).includes(score)) {
      throw new Error(`score must be one of ${SATISFACTION_SCORES.join(', ')} (got ${score})`);
    }
  }

  private applyReason(rating: SatisfactionRating, input: { reason?: string; reason_id?: number }): void {
    if (rating.score !== 'bad') return;
    if (input.reason !== undefined) rating.reason = input.reason;
    if (input.reason_id !== undefined) rating.reason_id = input.reason_id;
  }

  /** The ticket's own `satisfaction_rating` as the export shows it, changed through a ticket event. */
  private rateTicket(ticket: Ticket, rating: SatisfactionRating): void {
    const value: Json =
      rating.score === 'offered' || rating.score === 'unoffered'
        ? { score: rating.score }
        : { id: rating.id, score: rating.score, comment: rating.comment };
    const now = this.clock.now();
    const auditId = this.store.ids.next();
    const children: ChildEvent[] = [
      {
        id: this.store.ids.next(),
        event_type: 'Change',
        field_name: 'satisfaction_score',
        value: rating.score,
        previous_value: previousScore(ticket),
      },
    ];
    this.store.addEvent(makeEvent(auditId, ticket.id, now, rating.requester_id, 'Web form', systemInfo(this.random, this.pools), children));
    this.store.tickets.put({ ...ticket, satisfaction_rating: value, updated_at: isoFromEpoch(now), generated_timestamp: now });
  }

  /** An agent skips a ticket (skips are never edited, only added). */
  createSkip(input: SkipInput): Skip {
    this.ticketOrThrow(input.ticket_id);
    const userId = input.user_id ?? this.store.adminUserId;
    const user = this.store.users.get(userId);
    if (!user) throw new NotFoundError(`user ${userId} not found`);
    if (user.role === 'end-user') throw new Error(`user ${userId} is an end user; only agents skip tickets`);
    const now = isoFromEpoch(this.clock.now());
    return this.store.skips.put({
      id: this.store.ids.next(),
      ticket_id: input.ticket_id,
      user_id: userId,
      reason: input.reason ?? '',
      created_at: now,
      updated_at: now,
    });
  }

  /** A skip disappears from the skips list (purged with its ticket; Zendesk has no DELETE for skips). */
  deleteSkip(id: number): void {
    if (!this.store.skips.remove(id)) throw new NotFoundError(`skip ${id} not found`);
  }

  /**
   * An activity disappears from the activity stream before its 30 days are up (Zendesk drops the
   * activities of purged records; there is no DELETE for activities).
   */
  deleteActivity(id: number): void {
    if (!this.store.activities.remove(id)) throw new NotFoundError(`activity ${id} not found`);
  }

  createTicketForm(input: TicketFormInput = {}): TicketForm {
    const now = isoFromEpoch(this.clock.now());
    const name = input.name ?? `${this.random.pick(this.pools.words)} form`;
    const forms = [...this.store.ticketForms.rows.values()];
    this.checkFieldIds(input.ticket_field_ids);
    const form: TicketForm = {
      id: this.store.ids.next(),
      name,
      raw_name: name,
      display_name: input.display_name ?? name,
      raw_display_name: input.display_name ?? name,
      end_user_visible: input.end_user_visible ?? true,
      position: input.position ?? Math.max(0, ...forms.map((f) => f.position)) + 1,
      ticket_field_ids: input.ticket_field_ids ?? [...this.store.ticketFields.rows.values()].filter((f) => f.active).map((f) => f.id),
      active: input.active ?? true,
      default: input.default ?? false,
      in_all_brands: input.in_all_brands ?? true,
      restricted_brand_ids: input.restricted_brand_ids ?? [],
      end_user_conditions: [],
      agent_conditions: [],
      created_at: now,
      updated_at: now,
    };
    this.store.ticketForms.put(form);
    if (form.default) this.clearOtherDefaultForms(form.id);
    return form;
  }

  updateTicketForm(id: number, patch: TicketFormInput): TicketForm {
    const form = this.store.ticketForms.get(id);
    if (!form) throw new NotFoundError(`ticket form ${id} not found`);
    this.checkFieldIds(patch.ticket_field_ids);
    const next: TicketForm = { ...form, updated_at: isoFromEpoch(this.clock.now()) };
    for (const key of TICKET_FORM_PATCH_FIELDS) {
      if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = patch[key];
    }
    if (patch.name !== undefined) next.raw_name = patch.name;
    if (patch.display_name !== undefined) next.raw_display_name = patch.display_name;
    this.store.ticketForms.put(next);
    if (next.default && !form.default) this.clearOtherDefaultForms(id);
    return next;
  }

  /**
   * An admin deletes a ticket form. Zendesk refuses to delete the default form. Tickets keep their
   * ticket_form_id, as they do in Zendesk.
   */
  deleteTicketForm(id: number): void {
    const form = this.store.ticketForms.get(id);
    if (!form) throw new NotFoundError(`ticket form ${id} not found`);
    if (form.default) throw new Error(`ticket form ${id} is the default form and cannot be deleted`);
    this.store.ticketForms.remove(id);
  }

  private checkFieldIds(ids: number[] | undefined): void {
    for (const fieldId of ids ?? [])
      if (!this.store.ticketFields.get(fieldId)) throw new NotFoundError(`ticket field ${fieldId} not found`);
  }

  /** One default form per account: making a form the default demotes the previous one (which changes). */
  private clearOtherDefaultForms(defaultId: number): void {
    const now = isoFromEpoch(this.clock.now());
    for (const other of [...this.store.ticketForms.rows.values()]) {
      if (other.id !== defaultId && other.default) this.store.ticketForms.put({ ...other, default: false, updated_at: now });
    }
  }
}

function previousScore(ticket: Ticket): Json {
  const current = ticket.satisfaction_rating as { score?: Json } | null;
  return current && typeof current === 'object' && 'score' in current ? (current.score ?? null) : null;
}
