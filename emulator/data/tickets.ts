/**
 * The account's tickets and everything that hangs off one: its events (audits) and comments, its
 * metric set and metric events, its satisfaction rating and skips. Each ticket walks new -> ... ->
 * its final status through its events; `sameSecondRun` of them are bulk-updated in one second.
 */
import type { ChildEvent, Comment, Group, Json, SatisfactionRating, Ticket, TicketField, TicketForm, TicketMetricEvent, User } from '../model';
import { DAY, isoFromEpoch } from '../time';
import { VIA_KINDS, asVoiceComment, makeAttachment, makeComment, makeEvent, makeVoiceCall, systemInfo, viaObject } from './builders';
import { ascii, type AccountDraft } from './draft';
import { randomFieldValue, unsetFieldValue } from './fields';
import type { People } from './people';
import { UNICODE_TEXTS } from './textPools';

/** Share of follow-up comments (not the description) that are recorded phone calls. */
const VOICE_COMMENT_SHARE = 0.05;

/** Final statuses and their share; each ticket walks new -> ... -> final through its events. */
const STATUS_PATHS: Array<[number, string[]]> = [
  [0.08, ['new']],
  [0.2, ['new', 'open']],
  [0.1, ['new', 'open', 'pending']],
  [0.04, ['new', 'open', 'hold']],
  [0.25, ['new', 'open', 'solved']],
  [0.28, ['new', 'open', 'solved', 'closed']],
  [0.05, ['new', 'open', 'deleted']],
];

const CUSTOM_STATUS_IDS: Record<string, number> = { new: 1001, open: 1002, pending: 1003, hold: 1004, solved: 1005, closed: 1006, deleted: 1006 };

/** What every ticket of the account is generated from. */
interface TicketRun {
  draft: AccountDraft;
  people: People;
  customTicketFields: TicketField[];
  activeForms: TicketForm[];
  /** The second of the bulk update. */
  runTimestamp: number;
  /** Comments generated so far (some serials get very long bodies). */
  commentSerial: number;
}

/** What is decided about a ticket before its events are written. */
interface TicketPlan {
  id: number;
  created: number;
  inRun: boolean;
  path: string[];
  finalStatus: string;
  requester: User;
  assignee: User | null;
  group: Group | null;
  viaKind: (typeof VIA_KINDS)[number];
  /** Its events' times, the creation first (and the bulk update last when in the run). */
  times: number[];
  subject: string;
  customFields: Array<{ id: number; value: Json }>;
  /** Its priority at creation (an event may raise it). */
  initialPriority: string | null;
  type: string | null;
}

/** What a ticket's events leave behind. */
interface TicketHistory {
  comments: Comment[];
  status: string;
  priority: string | null;
  tags: string[];
  firstAgentReply: number | null;
  lastStatusChange: number;
  statusChanges: number;
}

/** Generates every ticket; returns the same-second run (its second and size, 0 when off). */
export function generateTickets(
  draft: AccountDraft,
  people: People,
  ticketFields: TicketField[],
  forms: TicketForm[],
): { timestamp: number; tickets: number } {
  const { random, options, historyStart, reference } = draft;
  const ticketCount = options.tickets;
  const createdTimes = Array.from({ length: ticketCount }, () => draft.between(historyStart, reference - 3600));
  createdTimes.sort((a, b) => a - b);
  // The bulk update: `sameSecondRun` tickets touched in one second, 40 days ago.
  const runTimestamp = Math.max(historyStart + DAY, reference - 40 * DAY);
  const eligibleForRun: number[] = [];
  for (let i = 0; i < ticketCount; i++) if (createdTimes[i]! < runTimestamp - 3600) eligibleForRun.push(i);
  const runSet = new Set(random.sample(eligibleForRun, options.sameSecondRun));
  const run: TicketRun = {
    draft,
    people,
    customTicketFields: ticketFields.filter((f) => f.removable && f.active),
    activeForms: forms.filter((f) => f.active),
    runTimestamp,
    commentSerial: 0,
  };
  for (let index = 0; index < ticketCount; index++) generateTicket(run, createdTimes[index]!, runSet.has(index));
  return { timestamp: runTimestamp, tickets: runSet.size };
}

function generateTicket(run: TicketRun, created: number, inRun: boolean): void {
  const { store } = run.draft;
  const plan = planTicket(run, store.nextTicketId++, created, inRun);
  const history = generateHistory(run, plan);
  const updated = plan.times[plan.times.length - 1]!;
  const solvedAt = plan.finalStatus === 'solved' || plan.finalStatus === 'closed' ? history.lastStatusChange : null;
  const ticket = buildTicket(run, plan, history, updated);
  generateMetricSet(run, plan, history, { updated, solvedAt });
  generateMetricEvents(run, plan, history, solvedAt);
  rateTicket(run, ticket, solvedAt);
  store.tickets.put(ticket);
  generateSkip(run, plan, updated);
}

function planTicket(run: TicketRun, id: number, created: number, inRun: boolean): TicketPlan {
  const { random, pools, options, latest } = run.draft;
  const { agents, agentGroups, liveGroups, requesters } = run.people;
  const roll = random.float();
  let acc = 0;
  let path = STATUS_PATHS[STATUS_PATHS.length - 1]![1];
  for (const [share, p] of STATUS_PATHS) {
    acc += share;
    if (roll < acc) {
      path = p;
      break;
    }
  }
  const finalStatus = path[path.length - 1]!;
  const requester = random.pick(requesters);
  const assignee = finalStatus === 'new' || !agents.length ? null : random.pick(agents);
  const assigneeGroups = assignee ? agentGroups.get(assignee.id) : undefined;
  const group = assigneeGroups?.length ? random.pick(assigneeGroups) : liveGroups.length && random.chance(0.7) ? random.pick(liveGroups) : null;
  const viaKind = random.pick(VIA_KINDS);

  // Event times: the first creates the ticket; the rest spread over its lifetime.
  const eventCount = Math.max(options.eventsPerTicket, finalStatus === 'deleted' ? 2 : 1);
  const end = inRun ? run.runTimestamp - 1 : latest;
  const lifetime = Math.min(end - created, random.int(600, 45 * DAY));
  const times = [created];
  for (let e = 1; e < eventCount; e++) times.push(created + random.int(1, Math.max(1, lifetime)));
  times.sort((a, b) => a - b);
  if (inRun) times.push(run.runTimestamp);

  const subject = random.chance(0.04) ? random.pick(UNICODE_TEXTS).slice(0, 80) : random.pick(pools.subjects);
  const customFields = run.customTicketFields.map((field) => ({
    id: field.id,
    value: random.chance(0.6)
      ? randomFieldValue(field.type, 'ticket', random, field.custom_field_options, () => run.draft.text())
      : unsetFieldValue(field.type),
  }));
  const initialPriority: string | null = random.chance(0.8) ? random.pick(['low', 'normal', 'normal', 'high', 'urgent']) : null;
  const type = random.chance(0.7) ? random.pick(['question', 'incident', 'problem', 'task']) : null;
  return { id, created, inRun, path, finalStatus, requester, assignee, group, viaKind, times, subject, customFields, initialPriority, type };
}

/** The ticket's events in order: each may add a comment and changes the status, priority or tags. */
function generateHistory(run: TicketRun, plan: TicketPlan): TicketHistory {
  const { random, pools } = run.draft;
  const history: TicketHistory = {
    comments: [],
    status: 'new',
    priority: plan.initialPriority,
    firstAgentReply: null,
    lastStatusChange: plan.created,
    statusChanges: 0,
    tags: random.sample(pools.words, random.int(0, 3)).map(ascii).filter(Boolean),
  };
  for (let e = 0; e < plan.times.length; e++) generateEvent(run, plan, history, e);
  history.status = plan.finalStatus;
  return history;
}

function generateEvent(run: TicketRun, plan: TicketPlan, history: TicketHistory, e: number): void {
  const { random, ids, pools, store, options } = run.draft;
  const { agents, users } = run.people;
  const at = plan.times[e]!;
  const auditId = ids.next();
  const system = systemInfo(random, pools);
  const children: ChildEvent[] = [];
  const isBulk = plan.inRun && e === plan.times.length - 1;
  let updater =
    e === 0 ? plan.requester.id : random.chance(0.5) && plan.assignee ? plan.assignee.id : random.pick(agents.length ? agents : users).id;
  if (!isBulk && e < options.commentsPerTicket) {
    const comment = generateComment(run, plan, history, { e, at, auditId, authorId: e === 0 ? plan.requester.id : updater, system });
    children.push({ event_type: 'Comment', comment_id: comment.id });
  }
  if (e === 0) {
    children.push({ id: ids.next(), event_type: 'Create', field_name: 'subject', value: plan.subject });
    children.push({ id: ids.next(), event_type: 'Create', field_name: 'status', value: 'new' });
    if (history.priority) children.push({ id: ids.next(), event_type: 'Create', field_name: 'priority', value: history.priority });
    // The initial tags (ticket_field_history / ticket_tag_history). Its id is the audit's + 1: unique
    // (allocated ids are at least a million apart) without drawing from the random stream, so the
    // rest of the generated account is unchanged.
    if (history.tags.length) children.push({ id: auditId + 1, event_type: 'Create', field_name: 'tags', value: history.tags.slice() });
  } else if (isBulk) {
    updater = store.adminUserId;
    const previous = history.tags.slice();
    history.tags.push('bulk_update');
    children.push({ id: ids.next(), event_type: 'Change', field_name: 'tags', value: history.tags.slice(), previous_value: previous });
  } else {
    updater = changeStatusOrPriority(run, plan, history, { e, at, updater, children });
  }
  const via = e === 0 ? plan.viaKind.label : isBulk ? 'Web service' : 'Web form';
  store.addEvent(makeEvent(auditId, plan.id, at, updater, via, system, children));
}

/** A follow-up event moves the status one step along the ticket's path, or else raises its priority; returns the updater. */
function changeStatusOrPriority(
  run: TicketRun,
  plan: TicketPlan,
  history: TicketHistory,
  event: { e: number; at: number; updater: number; children: ChildEvent[] },
): number {
  const { random, ids } = run.draft;
  const { e, at, children } = event;
  let updater = event.updater;
  const target = e === plan.times.length - 1 - (plan.inRun ? 1 : 0) ? plan.finalStatus : plan.path[Math.min(e, plan.path.length - 1)]!;
  if (target !== history.status) {
    children.push({ id: ids.next(), event_type: 'Change', field_name: 'status', value: target, previous_value: history.status });
    history.status = target;
    history.lastStatusChange = at;
    history.statusChanges++;
    if (target === 'closed' && random.chance(0.5)) updater = -1; // closed by automation
  } else {
    // The ticket keeps the new priority: its field history must end at its current value.
    const raised = history.priority === 'high' ? 'urgent' : 'high';
    children.push({ id: ids.next(), event_type: 'Change', field_name: 'priority', value: raised, previous_value: history.priority });
    history.priority = raised;
  }
  return updater;
}

/** The event's comment (the first is the description); now and then an agent's is a recorded call. */
function generateComment(
  run: TicketRun,
  plan: TicketPlan,
  history: TicketHistory,
  event: { e: number; at: number; auditId: number; authorId: number; system: ReturnType<typeof systemInfo> },
): Comment {
  const { random, ids, pools, store, voiceRandom, callIds } = run.draft;
  const { e, at, auditId, authorId, system } = event;
  const isAgentAuthor = e > 0 && run.people.agentIds.has(authorId);
  let comment = makeComment(ids, {
    ticketId: plan.id,
    auditId,
    authorId,
    body: commentBody(run),
    public: e === 0 || !isAgentAuthor || random.chance(0.8),
    createdAt: at,
    channel: e === 0 ? plan.viaKind.channel : 'web',
    system,
    attachments: Array.from({ length: attachmentCount(run) }, () => makeAttachment(random, ids, pools)),
  });
  if (e > 0 && isAgentAuthor && voiceRandom.chance(VOICE_COMMENT_SHARE)) {
    const agent = run.people.agentById.get(authorId)!;
    const { call, body } = makeVoiceCall(voiceRandom, pools, {
      callId: callIds.next(),
      startedAt: at - voiceRandom.int(60, 1800),
      answeredById: authorId,
      answeredByName: agent.name,
      transcription: voiceRandom.pick(pools.sentences),
    });
    comment = asVoiceComment(comment, call, body, plan.requester.name);
  }
  store.addComment(comment);
  history.comments.push(comment);
  if (isAgentAuthor && comment.public && history.firstAgentReply === null) history.firstAgentReply = at;
  return comment;
}

function attachmentCount(run: TicketRun): number {
  const perComment = run.draft.options.attachmentsPerComment;
  const whole = Math.floor(perComment);
  return whole + (run.draft.random.chance(perComment - whole) ? 1 : 0);
}

function commentBody(run: TicketRun): string {
  const { random, pools } = run.draft;
  run.commentSerial++;
  // Some very long bodies (tens of kB, near Zendesk's 64 kB truncation) and some unicode.
  if (run.commentSerial === 2 || run.commentSerial % 331 === 7) {
    let long = '';
    const target = random.int(20_000, 60_000);
    while (long.length < target) long += random.pick(pools.paragraphs) + '\n\n';
    return long.trimEnd();
  }
  if (random.chance(0.05)) return random.pick(UNICODE_TEXTS);
  return random.pick(pools.paragraphs);
}

function buildTicket(run: TicketRun, plan: TicketPlan, history: TicketHistory, updated: number): Ticket {
  const { random, pools, latest } = run.draft;
  const { created, inRun, finalStatus, viaKind, subject, requester, assignee, group, type } = plan;
  const { comments } = history;
  const scrubbed = finalStatus === 'deleted' && random.chance(0.4);
  // generated_timestamp moves on system-only updates too, so it can run ahead of updated_at.
  let generated = updated;
  if (!inRun && (scrubbed || random.chance(0.15))) generated = Math.min(latest, updated + random.int(60, 30 * DAY));
  return {
    id: plan.id,
    external_id: random.chance(0.1) ? `EXT-${random.int(100000, 999999)}` : null,
    via: viaObject(viaKind.channel),
    created_at: isoFromEpoch(created),
    updated_at: isoFromEpoch(updated),
    generated_timestamp: generated,
    type,
    subject: scrubbed ? 'SCRUBBED' : subject,
    raw_subject: scrubbed ? 'SCRUBBED' : subject,
    description: scrubbed ? 'X' : (comments[0]?.body ?? ''),
    priority: history.priority,
    status: history.status,
    recipient: viaKind.channel === 'email' ? `support@${random.pick(pools.domains)}` : null,
    requester_id: requester.id,
    submitter_id: random.chance(0.8) ? requester.id : (assignee ?? requester).id,
    assignee_id: assignee ? assignee.id : null,
    organization_id: requester.organization_id,
    group_id: group ? group.id : null,
    collaborator_ids: random.chance(0.1) ? random.sample(run.people.users, random.int(1, 2)).map((u) => u.id) : [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: type === 'problem' && random.chance(0.3),
    is_public: comments.some((c) => c.public),
    due_at: type === 'task' ? isoFromEpoch(created + random.int(1, 30) * DAY) : null,
    tags: history.tags,
    custom_fields: plan.customFields,
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    custom_status_id: CUSTOM_STATUS_IDS[history.status]!,
    ticket_form_id: run.activeForms.length ? random.pick(run.activeForms).id : null,
    brand_id: 360000358316,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: viaKind.channel === 'chat' && random.chance(0.5),
  };
}

const minutes = (from: number, to: number | null) => (to === null ? null : Math.max(0, Math.round((to - from) / 60)));
const pair = (calendar: number | null) => ({ calendar, business: calendar === null ? null : Math.round(calendar * 0.3) });

function generateMetricSet(run: TicketRun, plan: TicketPlan, history: TicketHistory, at: { updated: number; solvedAt: number | null }): void {
  const { random, ids, store } = run.draft;
  const { created, assignee, group, path } = plan;
  const { comments, firstAgentReply, lastStatusChange } = history;
  const { updated, solvedAt } = at;
  const agentReplies = comments.filter((c) => c.public && run.people.agentIds.has(c.author_id)).length;
  const assignedAt = assignee ? Math.min(updated, created + random.int(0, 3600)) : null;
  store.addMetric({
    id: ids.next(),
    ticket_id: plan.id,
    created_at: isoFromEpoch(created),
    updated_at: isoFromEpoch(updated),
    group_stations: group ? random.int(1, 3) : 0,
    assignee_stations: assignee ? random.int(1, 2) : 0,
    reopens: history.statusChanges > 3 ? random.int(0, 2) : 0,
    replies: agentReplies,
    reply_time_in_minutes: pair(minutes(created, firstAgentReply)),
    first_resolution_time_in_minutes: pair(minutes(created, solvedAt)),
    full_resolution_time_in_minutes: pair(minutes(created, solvedAt)),
    agent_wait_time_in_minutes: pair(random.int(0, 600)),
    requester_wait_time_in_minutes: pair(random.int(0, 20000)),
    on_hold_time_in_minutes: pair(path.includes('hold') ? random.int(1, 5000) : 0),
    // Things that never happened stay undefined, which JSON omits (real records omit the key).
    // Declared in the literal, not added later, so V8 keeps the objects compact.
    requester_updated_at: isoFromEpoch(created),
    status_updated_at: isoFromEpoch(lastStatusChange),
    custom_status_updated_at: isoFromEpoch(lastStatusChange),
    assignee_updated_at: assignedAt === null ? undefined : isoFromEpoch(assignedAt),
    initially_assigned_at: assignedAt === null ? undefined : isoFromEpoch(assignedAt),
    assigned_at: assignedAt === null ? undefined : isoFromEpoch(assignedAt),
    solved_at: solvedAt === null ? undefined : isoFromEpoch(solvedAt),
    latest_comment_added_at: comments.length ? comments[comments.length - 1]!.created_at : undefined,
  });
}

/** Metric events (the SLA clock), a few per ticket. */
function generateMetricEvents(run: TicketRun, plan: TicketPlan, history: TicketHistory, solvedAt: number | null): void {
  const { random, ids, store, latest } = run.draft;
  const { id: ticketId, created } = plan;
  const { firstAgentReply } = history;
  const metricEvents: TicketMetricEvent[] = [
    { id: ids.next(), ticket_id: ticketId, metric: 'reply_time', instance_id: 1, type: 'activate', time: isoFromEpoch(created) },
  ];
  if (random.chance(0.3)) {
    metricEvents.push({
      id: ids.next(),
      ticket_id: ticketId,
      metric: 'reply_time',
      instance_id: 1,
      type: 'apply_sla',
      time: isoFromEpoch(created),
      sla: { target: 480, business_hours: true, policy: { id: 360000070316, title: 'Standard SLA', description: 'Reply within 8 business hours' } },
    });
  }
  if (firstAgentReply !== null) {
    metricEvents.push({ id: ids.next(), ticket_id: ticketId, metric: 'reply_time', instance_id: 1, type: 'fulfill', time: isoFromEpoch(firstAgentReply) });
  } else if (random.chance(0.2)) {
    metricEvents.push({ id: ids.next(), ticket_id: ticketId, metric: 'reply_time', instance_id: 1, type: 'breach', time: isoFromEpoch(Math.min(latest, created + 8 * 3600)), deleted: random.chance(0.5) });
  }
  if (solvedAt !== null) {
    metricEvents.push({
      id: ids.next(),
      ticket_id: ticketId,
      metric: 'requester_wait_time',
      instance_id: 1,
      type: 'update_status',
      time: isoFromEpoch(solvedAt),
      status: { calendar: minutes(created, solvedAt), business: Math.round((minutes(created, solvedAt) ?? 0) * 0.3) },
    });
  }
  metricEvents.forEach((m) => store.ticketMetricEvents.put(m));
}

/** A solved ticket's satisfaction rating: offered, rated, or never offered. */
function rateTicket(run: TicketRun, ticket: Ticket, solvedAt: number | null): void {
  const { random, ids, store, latest, options } = run.draft;
  if (solvedAt !== null && random.chance(Math.min(1, options.satisfactionRatingShare * 2))) {
    const ratingCreated = Math.min(latest, solvedAt + random.int(3600, 3 * DAY));
    const score = random.pick(['offered', 'offered', 'offered', 'good', 'good', 'bad']);
    const rating: SatisfactionRating = {
      id: ids.next(),
      assignee_id: ticket.assignee_id,
      group_id: ticket.group_id,
      requester_id: ticket.requester_id,
      ticket_id: ticket.id,
      score,
      created_at: isoFromEpoch(ratingCreated),
      updated_at: isoFromEpoch(score === 'offered' ? ratingCreated : run.draft.between(ratingCreated, latest)),
      comment: score !== 'offered' && random.chance(0.5) ? run.draft.text() : null,
    };
    if (score === 'bad') {
      rating.reason = random.pick(['The issue took too long to resolve', 'The issue was not resolved', "The agent's knowledge is unsatisfactory"]);
      rating.reason_id = random.pick([5, 6, 7]);
    }
    store.satisfactionRatings.put(rating);
    ticket.satisfaction_rating = score === 'offered' ? { score } : { id: rating.id, score, comment: rating.comment };
  } else if (solvedAt !== null) {
    ticket.satisfaction_rating = { score: 'unoffered' };
  }
}

/** Now and then an agent skipped the ticket. */
function generateSkip(run: TicketRun, plan: TicketPlan, updated: number): void {
  const { random, ids, store, pools, options } = run.draft;
  const { agents } = run.people;
  if (agents.length && random.chance(options.skipShare)) {
    const skippedAt = run.draft.between(plan.created, updated);
    store.skips.put({
      id: ids.next(),
      ticket_id: plan.id,
      user_id: random.pick(agents).id,
      reason: random.chance(0.8) ? random.pick(pools.sentences) : '',
      created_at: isoFromEpoch(skippedAt),
      updated_at: isoFromEpoch(skippedAt),
    });
  }
}
