/**
 * The account's people and how they are organised: groups, organizations, users (the first two are
 * the emulator's admin and agent credentials), agents' group memberships and end users' organization
 * memberships.
 */
import type { Group, KeyedField, Organization, User } from '../model';
import { DAY, isoFromEpoch } from '../time';
import { ascii, type AccountDraft } from './draft';
import { UNICODE_NAMES } from './textPools';

export interface Credentials {
  adminEmail: string;
  agentEmail: string;
}

/** What the tickets, activities and audit logs are generated from. */
export interface People {
  liveGroups: Group[];
  organizations: Organization[];
  users: User[];
  agents: User[];
  agentIds: Set<number>;
  agentById: Map<number, User>;
  /** Whom tickets are requested by: the end users (everyone, in an account of agents only). */
  requesters: User[];
  /** Each agent's groups, its default group first. */
  agentGroups: Map<number, Group[]>;
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
const GROUP_NAMES = ['Support', 'Billing', 'Tier 2', 'Escalations', 'Returns', 'Onboarding', 'VIP Desk', 'Technical'];

export function generatePeople(
  draft: AccountDraft,
  credentials: Credentials,
  fields: { userFields: KeyedField[]; organizationFields: KeyedField[] },
): People {
  const { store } = draft;
  const liveGroups = generateGroups(draft).filter((g) => !g.deleted);
  const organizations = generateOrganizations(draft, liveGroups, fields.organizationFields);
  const liveOrganizations = organizations.filter((o) => o.deleted_at === null);
  const agentCount = Math.max(2, Math.round(draft.options.users * 0.08));
  const users: User[] = [];
  for (let i = 0; i < draft.options.users; i++) {
    users.push(store.users.put(generateUser(draft, credentials, { index: i, agentCount, organizations, userFields: fields.userFields })));
  }
  store.adminUserId = users[0]!.id;
  store.agentUserId = users[1]!.id;
  const agents = users.filter((u) => u.role !== 'end-user');
  const endUsers = users.filter((u) => u.role === 'end-user');
  const agentGroups = generateGroupMemberships(draft, agents, liveGroups);
  generateOrganizationMemberships(draft, endUsers, liveOrganizations);
  return {
    liveGroups,
    organizations,
    users,
    agents,
    agentIds: new Set(agents.map((a) => a.id)),
    agentById: new Map(agents.map((a) => [a.id, a])),
    requesters: endUsers.length ? endUsers : users,
    agentGroups,
  };
}

function generateGroups(draft: AccountDraft): Group[] {
  const { random, ids, pools, options, accountCreated, latest } = draft;
  const groups: Group[] = [];
  for (let i = 0; i < options.groups; i++) {
    const created = draft.between(accountCreated, accountCreated + 60 * DAY);
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
      updated_at: isoFromEpoch(deleted ? draft.between(created, latest) : draft.between(created, created + 200 * DAY)),
    };
    groups.push(draft.store.groups.put(group));
  }
  return groups;
}

function generateOrganizations(draft: AccountDraft, liveGroups: Group[], organizationFields: KeyedField[]): Organization[] {
  const { random, ids, pools, options, accountCreated, reference, latest } = draft;
  const organizations: Organization[] = [];
  for (let i = 0; i < options.organizations; i++) {
    const created = draft.between(accountCreated, reference - 30 * DAY);
    const updated = draft.between(created, latest);
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
      notes: random.chance(0.3) ? draft.text() : null,
      group_id: liveGroups.length && random.chance(0.4) ? random.pick(liveGroups).id : null,
      tags: random.sample(pools.words, random.int(0, 3)).map(ascii).filter(Boolean),
      organization_fields: draft.keyedValues(organizationFields),
      deleted_at: deleted ? isoFromEpoch(updated) : null,
    };
    organizations.push(draft.store.organizations.put(org));
  }
  return organizations;
}

/** The i-th user: the first is the admin credential, the second the agent one, then agents, then end users. */
function generateUser(
  draft: AccountDraft,
  credentials: Credentials,
  at: { index: number; agentCount: number; organizations: Organization[]; userFields: KeyedField[] },
): User {
  const { random, ids, pools, accountCreated, reference, latest } = draft;
  const { index: i, agentCount, organizations } = at;
  const role: User['role'] = i === 0 || (i > 1 && i < agentCount && random.chance(0.2)) ? 'admin' : i < agentCount ? 'agent' : 'end-user';
  const first = random.pick(pools.firstNames);
  const last = random.pick(pools.lastNames);
  const name = i > 1 && random.chance(0.03) ? random.pick(UNICODE_NAMES) : `${first} ${last}`;
  const created = draft.between(accountCreated, reference - 2 * DAY);
  // Some users are untouched for more than a year, some changed recently.
  const updated = draft.between(created, random.chance(0.3) ? Math.min(latest, created + 10 * DAY) : latest);
  const inactive = i > 1 && role === 'end-user' && (random.chance(0.05) || i === agentCount);
  const [timeZone, iana] = random.pick(TIME_ZONES);
  const [localeId, locale] = random.pick(LOCALES);
  let email: string | null = `${ascii(first)}.${ascii(last)}${i}@${random.pick(pools.domains)}`;
  if (i === 0) email = credentials.adminEmail;
  if (i === 1) email = credentials.agentEmail;
  if (inactive) email = null;
  const org = role === 'end-user' && organizations.length && random.chance(0.6) ? random.pick(organizations) : null;
  const isAgent = role !== 'end-user';
  return {
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
    last_login_at: isAgent || random.chance(0.4) ? isoFromEpoch(draft.between(created, latest)) : null,
    two_factor_auth_enabled: isAgent && random.chance(0.5),
    signature: isAgent ? `Best,\n${name}` : null,
    details: random.chance(0.2) ? random.pick(pools.sentences) : null,
    notes: random.chance(0.2) ? draft.text() : null,
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
    user_fields: draft.keyedValues(at.userFields),
  };
}

/** One to three groups per agent, the first its default group. */
function generateGroupMemberships(draft: AccountDraft, agents: User[], liveGroups: Group[]): Map<number, Group[]> {
  const { random, ids, store, latest } = draft;
  const agentGroups = new Map<number, Group[]>();
  for (const agent of agents) {
    if (!liveGroups.length) break;
    const mine = random.sample(liveGroups, random.int(1, Math.min(3, liveGroups.length)));
    agentGroups.set(agent.id, mine);
    mine.forEach((group, index) => {
      const created = draft.between(Math.max(Date.parse(agent.created_at) / 1000, Date.parse(group.created_at) / 1000), latest);
      store.groupMemberships.put({
        id: ids.next(),
        user_id: agent.id,
        group_id: group.id,
        default: index === 0,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(draft.between(created, latest)),
      });
    });
    if (mine.length) {
      agent.default_group_id = mine[0]!.id;
      store.users.put(agent);
    }
  }
  return agentGroups;
}

/** An end user's organization, and now and then a second one. */
function generateOrganizationMemberships(draft: AccountDraft, endUsers: User[], liveOrganizations: Organization[]): void {
  const { random, ids, store, latest } = draft;
  for (const user of endUsers) {
    if (user.organization_id === null) continue;
    const org = store.organizations.get(user.organization_id)!;
    const orgs = [org];
    if (liveOrganizations.length > 1 && random.chance(0.1)) {
      const extra = random.pick(liveOrganizations);
      if (extra.id !== org.id) orgs.push(extra);
    }
    orgs.forEach((o, index) => {
      const created = draft.between(Math.max(Date.parse(user.created_at) / 1000, Date.parse(o.created_at) / 1000), latest);
      store.organizationMemberships.put({
        id: ids.next(),
        user_id: user.id,
        organization_id: o.id,
        default: index === 0 ? true : null,
        created_at: isoFromEpoch(created),
        updated_at: isoFromEpoch(draft.between(created, latest)),
        organization_name: o.name,
        view_tickets: random.chance(0.5),
      });
    });
  }
}
