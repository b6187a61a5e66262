import { IdAllocator } from '../ids';
import type {
  ChildEvent,
  Comment,
  Group,
  Json,
  KeyedField,
  Organization,
  SatisfactionRating,
  Ticket,
  TicketField,
  TicketMetric,
  TicketMetricEvent,
  User,
} from '../model';
import type { DataOptions } from '../options';
import { Random } from '../random';
import { Store } from '../store';
import { DAY, isoFromEpoch } from '../time';
import { generateSuspendedTickets } from '../suspendedTickets';
import { VIA_KINDS, asVoiceComment, makeAttachment, makeComment, makeEvent, makeVoiceCall, systemInfo, viaObject } from './builders';
import { generateHelpCenter } from './helpCenter';
import { generateConfiguration } from './configuration';
import { buildOrganizationFields, buildTicketFields, buildUserFields, randomFieldValue, unsetFieldValue } from './fields';
import { UNICODE_NAMES, UNICODE_TEXTS, buildTextPools, type TextPools } from './textPools';

/**
 * Builds a whole account, deterministically from `seed` and `referenceTime`. Generated timestamps
 * stop two minutes before referenceTime, so an export started at referenceTime sees every record.
 */
export interface Credentials {
  adminEmail: string;
  agentEmail: string;
}

export interface Generated {
  store: Store;
  pools: TextPools;
  /** The same-second run: its timestamp and size (0 when off). */
  sameSecond: { timestamp: number; tickets: number };
}

const TIME_ZONES: Array<[string, string]> = [
  ['Eastern Time (US & Canada)', 'America/New_York'],
  ['Pacific Time (US & Canada)', 'America/Los_Angeles'],
  ['London', 'Europe/London'],
  ['Berlin', 'Europe/Berlin'],
  ['Tokyo', 'Asia/Tokyo'],
  ['Melbourne', 'Australia/Melbourne'],
];
const LOCALES: Array<[number, string]> = [
  [1, 'en-US'],
  [1, 'en-US'],
  [1, 'en-US'],
  [8, 'de'],
  [16, 'fr'],
  [2, 'es'],
  [67, 'ja'],
];
/** Share of follow-up comments (not the description) that are recorded phone calls. */
const VOICE_COMMENT_SHARE = 0.05;

const GROUP_NAMES = ['Support', 'Billing', 'Tier 2', 'Escalations', 'Returns', 'Onboarding', 'VIP Desk', 'Technical'];

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

function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}

export function generateAccount(options: DataOptions, credentials: Credentials): Generated {
  const random = new Random(`${options.seed}:data`);
  const ids = new IdAllocator(new Random(`${options.seed}:ids`));
  // Voice comments draw from streams of their own: which comments are calls, and the calls' details,
  // never shift another generated value or id of the account.
  const voiceRandom = new Random(`${options.seed}:voice`);
  const callIds = new IdAllocator(new Random(`${options.seed}:voice-calls`), 5_000_000_000_000);
  const pools = buildTextPools(options.seed);
  const store = new Store(ids);

  const reference = options.referenceTime;
  const latest = reference - 120;
  const historyStart = reference - options.historyDays * DAY;
  const accountCreated = historyStart - 30 * DAY;
  const between = (from: number, to: number) => (to <= from ? from : random.int(from, to));
  const text = () => (random.chance(0.04) ? random.pick(UNICODE_TEXTS) : random.pick(pools.sentences));

  // --- field definitions ---------------------------------------------------------------------------
  const ticketFields = buildTicketFields(ids, random, accountCreated);
  ticketFields.forEach((f) => store.ticketFields.put(f));
  const userFields = buildUserFields(ids, random, accountCreated);
  userFields.forEach((f) => store.userFields.put(f));
  const organizationFields = buildOrganizationFields(ids, random, accountCreated);
  organizationFields.forEach((f) => store.organizationFields.put(f));
  const customTicketFields = ticketFields.filter((f) => f.removable && f.active);

  const keyedValues = (defs: KeyedField[]): Record<string, Json> => {
    const out: Record<string, Json> = {};
    for (const def of defs) {
      out[def.key] = random.chance(0.55)
        ? randomFieldValue(def.type, 'keyed', random, def.custom_field_options, text)
        : unsetFieldValue(def.type);
    }
    return out;
  };

  // --- groups ----------------------------------------------------------------------------------------
  const groups: Group[] = [];
  for (let i = 0; i < options.groups; i++) {
    const created = between(accountCreated, accountCreated + 60 * DAY);
    // At least one deleted group once there are three.
    const deleted = (options.groups >= 3 && i === options.groups - 1) || random.chance(0.05);
    const group: Group = {
      id: ids.next(),
      is_public: random.chance(0.8),
      name: i < GROUP_NAMES.length ? GROUP_NAMES[i]! : `${random.pick(pools.words)} team ${i}`,
      description: random.chance(0.5) ? random.pick(pools.sentences) : '',
      default: i === 0,
      deleted,
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(deleted ? between(created, latest) : between(created, created + 200 * DAY)),
    };
    groups.push(store.groups.put(group));
  }
  const liveGroups = groups.filter((g) => !g.deleted);

  // --- organizations -------------------------------------------------------------------------------
  const organizations: Organization[] = [];
  for (let i = 0; i < options.organizations; i++) {
    const created = between(accountCreated, reference - 30 * DAY);
    const updated = between(created, latest);
    const deleted = (options.organizations >= 5 && i === 1) || random.chance(0.05);
    const name = i === 2 ? `Ünïcödé Société ✨ ${i}` : `${random.pick(pools.companies)}${i >= pools.companies.length ? ` ${i}` : ''}`;
    const org: Organization = {
      id: ids.next(),
      name,
      shared_tickets: random.chance(0.3),
      shared_comments: random.chance(0.2),
      external_id: random.chance(0.3) ? `ORG-${random.int(10000, 99999)}` : null,
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(updated),
      domain_names: [random.pick(pools.domains)],
      details: random.chance(0.5) ? random.pick(pools.sentences) : null,
      notes: random.chance(0.3) ? text() : null,
      group_id: liveGroups.length && random.chance(0.4) ? random.pick(liveGroups).id : null,
      tags: random.sample(pools.words, random.int(0, 3)).map(ascii).filter(Boolean),
      organization_fields: keyedValues(organizationFields),
      deleted_at: deleted ? isoFromEpoch(updated) : null,
    };
    organizations.push(store.organizations.put(org));
  }
  const liveOrganizations = organizations.filter((o) => o.deleted_at === null);

  // --- users -----------------------------------------------------------------------------------------
  const agentCount = Math.max(2, Math.round(options.users * 0.08));
  const users: User[] = [];
  for (let i = 0; i < options.users; i++) {
    const role: User['role'] = i === 0 || (i > 1 && i < agentCount && random.chance(0.2)) ? 'admin' : i < agentCount ? 'agent' : 'end-user';
    const first = random.pick(pools.firstNames);
    const last = random.pick(pools.lastNames);
    const name = i > 1 && random.chance(0.03) ? random.pick(UNICODE_NAMES) : `${first} ${last}`;
    const created = between(accountCreated, reference - 2 * DAY);
    // Some users are untouched for more than a year, some changed recently.
    const updated = between(created, random.chance(0.3) ? Math.min(latest, created + 10 * DAY) : latest);
    const inactive = i > 1 && role === 'end-user' && (random.chance(0.05) || i === agentCount);
    const [timeZone, iana] = random.pick(TIME_ZONES);
    const [localeId, locale] = random.pick(LOCALES);
    let email: string | null = `${ascii(first)}.${ascii(last)}${i}@${random.pick(pools.domains)}`;
    if (i === 0) email = credentials.adminEmail;
    if (i === 1) email = credentials.agentEmail;
    if (inactive) email = null;
    const org = role === 'end-user' && organizations.length && random.chance(0.6) ? random.pick(organizations) : null;
    const isAgent = role !== 'end-user';
    const user: User = {
      id: ids.next(),
      name,
      email,
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(updated),
      time_zone: timeZone,
      iana_time_zone: iana,
      phone: random.chance(0.3) ? random.pick(pools.phones) : null,
      shared_phone_number: null,
      photo:
        random.chance(0.1) && !inactive
          ? { id: ids.next(), file_name: 'profile.png', content_type: 'image/png', size: random.int(2000, 40000), width: 80, height: 80 }
          : null,
      locale_id: localeId,
      locale,
      organization_id: org ? org.id : null,
      role,
      verified: isAgent || random.chance(0.7),
      external_id: random.chance(0.2) ? `CUST-${random.int(100000, 999999)}` : null,
      tags: random.sample(pools.words, random.int(0, 2)).map(ascii).filter(Boolean),
      alias: random.chance(0.1) ? random.pick(pools.firstNames) : random.chance(0.5) ? '' : null,
      active: !inactive,
      shared: false,
      shared_agent: false,
      last_login_at: isAgent || random.chance(0.4) ? isoFromEpoch(between(created, latest)) : null,
      two_factor_auth_enabled: isAgent && random.chance(0.5),
      signature: isAgent ? `Best,\n${name}` : null,
      details: random.chance(0.2) ? random.pick(pools.sentences) : null,
      notes: random.chance(0.2) ? text() : null,
      role_type: role === 'admin' ? 4 : role === 'agent' ? random.pick([0, 0, 1, 2]) : null,
      custom_role_id: isAgent ? random.int(360000000000, 360099999999) : null,
      moderator: isAgent && random.chance(0.3),
      ticket_restriction: isAgent ? null : random.pick(['requested', 'requested', 'organization']),
      only_private_comments: false,
      restricted_agent: role === 'agent' && random.chance(0.3),
      suspended: !isAgent && random.chance(0.02),
      chat_only: false,
      default_group_id: null,
      report_csv: isAgent,
      user_fields: keyedValues(userFields),
    };
    users.push(store.users.put(user));
  }
  store.adminUserId = users[0]!.id;
  store.agentUserId = users[1]!.id;
  const agents = users.filter((u) => u.role !== 'end-user');
  const agentIds = new Set(agents.map((a) => a.id));
  const agentById = new Map(agents.map((a) => [a.id, a]));
  const endUsers = users.filter((u) => u.role === 'end-user');
  const requesters = endUsers.length ? endUsers : users;

  // --- memberships -----------------------------------------------------------------------------------
  const agentGroups = new Map<number, Group[]>();
  for (const agent of agents) {
    if (!liveGroups.length) break;
    const mine = random.sample(liveGroups, random.int(1, Math.min(3, liveGroups.length)));
    agentGroups.set(agent.id, mine);
    mine.forEach((group, index) => {
      const created = between(Math.max(Date.parse(agent.created_at) / 1000, Date.parse(group.created_at) / 1000), latest);
      store.groupMemberships.put({
        id: ids.next(),
        user_id: agent.id,
        group_id: group.id,
        default: index === 0,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(between(created, latest)),
      });
    });
    if (mine.length) {
      agent.default_group_id = mine[0]!.id;
      store.users.put(agent);
    }
  }
  for (const user of endUsers) {
    if (user.organization_id === null) continue;
    const org = store.organizations.get(user.organization_id)!;
    const orgs = [org];
    if (liveOrganizations.length > 1 && random.chance(0.1)) {
      const extra = random.pick(liveOrganizations);
      if (extra.id !== org.id) orgs.push(extra);
    }
    orgs.forEach((o, index) => {
      const created = between(Math.max(Date.parse(user.created_at) / 1000, Date.parse(o.created_at) / 1000), latest);
      store.organizationMemberships.put({
        id: ids.next(),
        user_id: user.id,
        organization_id: o.id,
        default: index === 0 ? true : null,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(between(created, latest)),
        organization_name: o.name,
        view_tickets: random.chance(0.5),
      });
    });
  }

  // --- ticket forms ----------------------------------------------------------------------------------
  const formFieldIds = ticketFields.filter((f) => f.active).map((f) => f.id);
  const formSeeds: Array<[string, boolean]> = [
    ['Default Ticket Form', true],
    ['Returns and refunds', true],
    ['Technical issue', true],
    ['Old intake form', false],
  ];
  const forms = formSeeds.map(([name, active], index) => {
    const created = isoFromEpoch(accountCreated + index * DAY);
    return store.ticketForms.put({
      id: ids.next(),
      name,
      raw_name: name,
      display_name: index === 0 ? 'Submit a request' : name,
      raw_display_name: index === 0 ? 'Submit a request' : name,
      end_user_visible: index < 2,
      position: index + 1,
      ticket_field_ids: index === 0 ? formFieldIds : formFieldIds.filter((_, i) => i < 8 || random.chance(0.6)),
      active,
      default: index === 0,
      in_all_brands: index !== 2,
      restricted_brand_ids: index === 2 ? [360000358316] : [],
      end_user_conditions: [],
      agent_conditions: [],
      created_at: created,
      updated_at: isoFromEpoch(accountCreated + index * DAY + random.int(0, 300 * DAY)),
    });
  });
  const activeForms = forms.filter((f) => f.active);

  // --- tickets ---------------------------------------------------------------------------------------
  const ticketCount = options.tickets;
  const createdTimes = Array.from({ length: ticketCount }, () => between(historyStart, reference - 3600));
  createdTimes.sort((a, b) => a - b);
  // The bulk update: `sameSecondRun` tickets touched in one second, 40 days ago.
  const runTimestamp = Math.max(historyStart + DAY, reference - 40 * DAY);
  const eligibleForRun: number[] = [];
  for (let i = 0; i < ticketCount; i++) if (createdTimes[i]! < runTimestamp - 3600) eligibleForRun.push(i);
  const runSet = new Set(random.sample(eligibleForRun, options.sameSecondRun));

  const customStatusIds: Record<string, number> = { new: 1001, open: 1002, pending: 1003, hold: 1004, solved: 1005, closed: 1006, deleted: 1006 };
  let commentSerial = 0;
  const attachmentsFor = (): number => {
    const whole = Math.floor(options.attachmentsPerComment);
    return whole + (random.chance(options.attachmentsPerComment - whole) ? 1 : 0);
  };
  const bodyFor = (): string => {
    commentSerial++;
    // Some very long bodies (tens of kB, near Zendesk's 64 kB truncation) and some unicode.
    if (commentSerial === 2 || commentSerial % 331 === 7) {
      let long = '';
      const target = random.int(20_000, 60_000);
      while (long.length < target) long += random.pick(pools.paragraphs) + '\n\n';
      return long.trimEnd();
    }
    if (random.chance(0.05)) return random.pick(UNICODE_TEXTS);
    return random.pick(pools.paragraphs);
  };

  for (let index = 0; index < ticketCount; index++) {
    const ticketId = store.nextTicketId++;
    const created = createdTimes[index]!;
    const inRun = runSet.has(index);
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
    const end = inRun ? runTimestamp - 1 : latest;
    const lifetime = Math.min(end - created, random.int(600, 45 * DAY));
    const times = [created];
    for (let e = 1; e < eventCount; e++) times.push(created + random.int(1, Math.max(1, lifetime)));
    times.sort((a, b) => a - b);
    if (inRun) times.push(runTimestamp);

    const subject = random.chance(0.04) ? random.pick(UNICODE_TEXTS).slice(0, 80) : random.pick(pools.subjects);
    const customFields = customTicketFields.map((field) => ({
      id: field.id,
      value: random.chance(0.6)
        ? randomFieldValue(field.type, 'ticket', random, field.custom_field_options, text)
        : unsetFieldValue(field.type),
    }));
    let priority: string | null = random.chance(0.8) ? random.pick(['low', 'normal', 'normal', 'high', 'urgent']) : null;
    const type = random.chance(0.7) ? random.pick(['question', 'incident', 'problem', 'task']) : null;

    const comments: Comment[] = [];
    let status = 'new';
    let firstAgentReply: number | null = null;
    let lastStatusChange = created;
    let statusChanges = 0;
    const tags = random.sample(pools.words, random.int(0, 3)).map(ascii).filter(Boolean);
    for (let e = 0; e < times.length; e++) {
      const at = times[e]!;
      const auditId = ids.next();
      const system = systemInfo(random, pools);
      const children: ChildEvent[] = [];
      const isBulk = inRun && e === times.length - 1;
      let updater = e === 0 ? requester.id : random.chance(0.5) && assignee ? assignee.id : random.pick(agents.length ? agents : users).id;
      if (!isBulk && e < options.commentsPerTicket) {
        const authorId = e === 0 ? requester.id : updater;
        const isAgentAuthor = e > 0 && agentIds.has(authorId);
        let comment = makeComment(ids, {
          ticketId,
          auditId,
          authorId,
          body: bodyFor(),
          public: e === 0 || !isAgentAuthor || random.chance(0.8),
          createdAt: at,
          channel: e === 0 ? viaKind.channel : 'web',
          system,
          attachments: Array.from({ length: attachmentsFor() }, () => makeAttachment(random, ids, pools)),
        });
        if (e > 0 && isAgentAuthor && voiceRandom.chance(VOICE_COMMENT_SHARE)) {
          const agent = agentById.get(authorId)!;
          const { call, body } = makeVoiceCall(voiceRandom, pools, {
            callId: callIds.next(),
            startedAt: at - voiceRandom.int(60, 1800),
            answeredById: authorId,
            answeredByName: agent.name,
            transcription: voiceRandom.pick(pools.sentences),
          });
          comment = asVoiceComment(comment, call, body, requester.name);
        }
        store.addComment(comment);
        comments.push(comment);
        children.push({ event_type: 'Comment', comment_id: comment.id });
        if (isAgentAuthor && comment.public && firstAgentReply === null) firstAgentReply = at;
      }
      if (e === 0) {
        children.push({ id: ids.next(), event_type: 'Create', field_name: 'subject', value: subject });
        children.push({ id: ids.next(), event_type: 'Create', field_name: 'status', value: 'new' });
        if (priority) children.push({ id: ids.next(), event_type: 'Create', field_name: 'priority', value: priority });
        // The initial tags (ticket_field_history / ticket_tag_history). Its id is the audit's + 1: unique
        // (allocated ids are at least a million apart) without drawing from the random stream, so the
        // rest of the generated account is unchanged.
        if (tags.length) children.push({ id: auditId + 1, event_type: 'Create', field_name: 'tags', value: tags.slice() });
      } else if (isBulk) {
        updater = store.adminUserId;
        const previous = tags.slice();
        tags.push('bulk_update');
        children.push({ id: ids.next(), event_type: 'Change', field_name: 'tags', value: tags.slice(), previous_value: previous });
      } else {
        const target = e === times.length - 1 - (inRun ? 1 : 0) ? finalStatus : path[Math.min(e, path.length - 1)]!;
        if (target !== status) {
          children.push({ id: ids.next(), event_type: 'Change', field_name: 'status', value: target, previous_value: status });
          status = target;
          lastStatusChange = at;
          statusChanges++;
          if (target === 'closed' && random.chance(0.5)) updater = -1; // closed by automation
        } else {
          // The ticket keeps the new priority: its field history must end at its current value.
          const raised = priority === 'high' ? 'urgent' : 'high';
          children.push({ id: ids.next(), event_type: 'Change', field_name: 'priority', value: raised, previous_value: priority });
          priority = raised;
        }
      }
      store.addEvent(makeEvent(auditId, ticketId, at, updater, e === 0 ? viaKind.label : isBulk ? 'Web service' : 'Web form', system, children));
    }
    status = finalStatus;

    const updated = times[times.length - 1]!;
    const scrubbed = finalStatus === 'deleted' && random.chance(0.4);
    // generated_timestamp moves on system-only updates too, so it can run ahead of updated_at.
    let generated = updated;
    if (!inRun && (scrubbed || random.chance(0.15))) generated = Math.min(latest, updated + random.int(60, 30 * DAY));
    const solvedAt = finalStatus === 'solved' || finalStatus === 'closed' ? lastStatusChange : null;

    const ticket: Ticket = {
      id: ticketId,
      external_id: random.chance(0.1) ? `EXT-${random.int(100000, 999999)}` : null,
      via: viaObject(viaKind.channel),
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(updated),
      generated_timestamp: generated,
      type,
      subject: scrubbed ? 'SCRUBBED' : subject,
      raw_subject: scrubbed ? 'SCRUBBED' : subject,
      description: scrubbed ? 'X' : (comments[0]?.body ?? ''),
      priority,
      status,
      recipient: viaKind.channel === 'email' ? `support@${random.pick(pools.domains)}` : null,
      requester_id: requester.id,
      submitter_id: random.chance(0.8) ? requester.id : (assignee ?? requester).id,
      assignee_id: assignee ? assignee.id : null,
      organization_id: requester.organization_id,
      group_id: group ? group.id : null,
      collaborator_ids: random.chance(0.1) ? random.sample(users, random.int(1, 2)).map((u) => u.id) : [],
      follower_ids: [],
      email_cc_ids: [],
      forum_topic_id: null,
      problem_id: null,
      has_incidents: type === 'problem' && random.chance(0.3),
      is_public: comments.some((c) => c.public),
      due_at: type === 'task' ? isoFromEpoch(created + random.int(1, 30) * DAY) : null,
      tags,
      custom_fields: customFields,
      satisfaction_rating: null,
      sharing_agreement_ids: [],
      custom_status_id: customStatusIds[status]!,
      ticket_form_id: activeForms.length ? random.pick(activeForms).id : null,
      brand_id: 360000358316,
      allow_channelback: false,
      allow_attachments: true,
      from_messaging_channel: viaKind.channel === 'chat' && random.chance(0.5),
    };

    // Metric set.
    const agentReplies = comments.filter((c) => c.public && agentIds.has(c.author_id)).length;
    const minutes = (from: number, to: number | null) => (to === null ? null : Math.max(0, Math.round((to - from) / 60)));
    const pair = (calendar: number | null) => ({ calendar, business: calendar === null ? null : Math.round(calendar * 0.3) });
    const assignedAt = assignee ? Math.min(updated, created + random.int(0, 3600)) : null;
    const metric: TicketMetric = {
      id: ids.next(),
      ticket_id: ticketId,
      created_at: isoFromEpoch(created),
      updated_at: isoFromEpoch(updated),
      group_stations: group ? random.int(1, 3) : 0,
      assignee_stations: assignee ? random.int(1, 2) : 0,
      reopens: statusChanges > 3 ? random.int(0, 2) : 0,
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
    };
    store.addMetric(metric);

    // Metric events (SLA clock), a few per ticket.
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

    // Satisfaction.
    if (solvedAt !== null && random.chance(Math.min(1, options.satisfactionRatingShare * 2))) {
      const ratingCreated = Math.min(latest, solvedAt + random.int(3600, 3 * DAY));
      const score = random.pick(['offered', 'offered', 'offered', 'good', 'good', 'bad']);
      const rating: SatisfactionRating = {
        id: ids.next(),
        assignee_id: ticket.assignee_id,
        group_id: ticket.group_id,
        requester_id: requester.id,
        ticket_id: ticketId,
        score,
        created_at: isoFromEpoch(ratingCreated),
        updated_at: isoFromEpoch(score === 'offered' ? ratingCreated : between(ratingCreated, latest)),
        comment: score !== 'offered' && random.chance(0.5) ? text() : null,
      };
      if (score === 'bad') {
        rating.reason = random.pick(['The issue took too long to resolve', 'The issue was not resolved', 'The agent\'s knowledge is unsatisfactory']);
        rating.reason_id = random.pick([5, 6, 7]);
      }
      store.satisfactionRatings.put(rating);
      ticket.satisfaction_rating = score === 'offered' ? { score } : { id: rating.id, score, comment: rating.comment };
    } else if (solvedAt !== null) {
      ticket.satisfaction_rating = { score: 'unoffered' };
    }
    store.tickets.put(ticket);

    if (agents.length && random.chance(options.skipShare)) {
      const skippedAt = between(created, updated);
      store.skips.put({
        id: ids.next(),
        ticket_id: ticketId,
        user_id: random.pick(agents).id,
        reason: random.chance(0.8) ? random.pick(pools.sentences) : '',
        created_at: isoFromEpoch(skippedAt),
        updated_at: isoFromEpoch(skippedAt),
      });
    }
  }

  // --- activities (the last 30 days only, as Zendesk keeps them) --------------------------------------
  const ticketIds = store.nextTicketId - 1;
  for (let i = 0; i < options.activities && ticketIds > 0; i++) {
    const at = between(reference - 29 * DAY, latest);
    const actor = random.pick(agents.length ? agents : users);
    const ticketId = random.int(1, ticketIds);
    const ticket = store.tickets.get(ticketId)!;
    const verb = random.pick(['tickets.assignment', 'tickets.comment', 'tickets.priority_increase']);
    const firstName = actor.name.split(' ')[0];
    const comment = random.pick(pools.sentences);
    const title =
      verb === 'tickets.comment'
        ? `${firstName} commented on ticket #${ticketId}: ${comment}`
        : verb === 'tickets.assignment'
          ? `${firstName} assigned ticket #${ticketId} to you.`
          : `${firstName} increased the priority on ticket #${ticketId}.`;
    store.activities.put({
      id: ids.next(),
      title,
      verb,
      user_id: store.adminUserId,
      actor_id: actor.id,
      created_at: isoFromEpoch(at),
      updated_at: isoFromEpoch(at),
      object: verb === 'tickets.comment' ? { comment: { value: comment, public: true } } : { ticket: { id: ticketId, subject: ticket.subject } },
      target: { ticket: { id: ticketId, subject: ticket.subject } },
    });
  }

  // --- audit logs --------------------------------------------------------------------------------------
  const sources: Array<[string, string]> = [
    ['user', 'User'],
    ['ticket', 'Ticket'],
    ['rule', 'Trigger'],
    ['apitoken', 'API token'],
    ['attachment', 'Attachment'],
    ['zendesk/app_market/app', 'App'],
  ];
  const actions: Array<[string, string]> = [
    ['create', 'Created'],
    ['update', 'Updated'],
    ['destroy', 'Deleted'],
    ['login', 'Signed in'],
    ['exported', 'Exported'],
  ];
  for (let i = 0; i < options.auditLogs; i++) {
    const system = random.chance(0.25);
    const [sourceType, sourceLabel] = random.pick(sources);
    const [action, actionLabel] = random.pick(actions);
    const actor = system ? null : random.pick(agents.length ? agents : users);
    store.auditLogs.put({
      id: ids.next(),
      action_label: actionLabel,
      actor_id: actor ? actor.id : -1,
      actor_name: actor ? actor.name : 'Zendesk',
      source_id: ids.next(),
      source_type: sourceType,
      source_label: `${sourceLabel}: ${random.pick(pools.words)}`,
      action,
      change_description: action === 'update' ? `Changed ${random.pick(pools.words)} from ${random.pick(pools.words)} to ${random.pick(pools.words)}` : '',
      ip_address: system ? null : random.pick(pools.ips),
      created_at: isoFromEpoch(between(accountCreated, latest)),
    });
  }

  store.helpCenter = generateHelpCenter(store, pools, options.seed, reference, options.historyDays);
  store.configuration = generateConfiguration(store, options.seed, reference, options.historyDays);
  // Last, from their own random stream: the data above does not depend on them.
  generateSuspendedTickets(store, options.seed, latest, options.tickets);

  return { store, pools, sameSecond: { timestamp: runTimestamp, tickets: runSet.size } };
}

/** Fields a mutation may leave out when creating a ticket. */
export function ticketFieldDefaults(fields: TicketField[]): Array<{ id: number; value: Json }> {
  return fields.filter((f) => f.removable && f.active).map((f) => ({ id: f.id, value: unsetFieldValue(f.type) }));
}
