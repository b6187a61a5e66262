/**
 * Generates the account's configuration (see ConfigurationStore): brands, custom roles and statuses,
 * locales, macros, automations, triggers and their categories, views, organization subscriptions, SLA
 * and group SLA policies, schedules and their holidays, routing attributes and their values.
 * Generated after the rest of the account and from random streams of their own, so no other generated
 * value or id moves; every reference points at something real: a macro sets a real group and a real
 * custom field option, an SLA policy's conditions name real groups, fields and priorities, the SLA
 * policy the ticket metric events cite exists, ticket brand_id and custom_status_id name a brand and
 * statuses listed here, agents' custom_role_id name a listed role.
 *
 * The parts below run in a fixed order and draw from one random stream: that order is what makes the
 * same seed give the same configuration.
 */
import type { IdAllocator } from '../ids';
import type { Json, TicketField, User } from '../model';
import { Random } from '../random';
import type { Store } from '../store';
import { DAY, isoFromEpoch } from '../time';
import { ConfigurationStore, uuid, type ConfigRecord } from './configuration';

/** The brand every generated ticket and the restricted ticket form name. */
export const DEFAULT_BRAND_ID = 360000358316;
/** The SLA policy the generated ticket metric events apply. */
export const STANDARD_SLA_POLICY_ID = 360000070316;

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

/** What the parts share: the store being filled, the random stream, and the account they refer to. */
class ConfigDraft {
  readonly config: ConfigurationStore;
  readonly random: Random;
  readonly ids: IdAllocator;
  readonly accountCreated: number;
  readonly latest: number;
  /** Live groups' ids (what rules, views and SLA policies may name). */
  readonly groupIds: number[];
  /** Active ticket fields with options (what conditions may test). */
  readonly taggers: TicketField[];
  readonly agents: User[];

  constructor(
    readonly store: Store,
    seed: number,
    readonly referenceTime: number,
    historyDays: number,
  ) {
    this.config = new ConfigurationStore(seed);
    this.random = new Random(`${seed}:configuration`);
    this.ids = this.config.ids;
    this.accountCreated = referenceTime - historyDays * DAY - 30 * DAY;
    this.latest = referenceTime - 120;
    this.groupIds = store.groups
      .all()
      .filter((g) => !g.deleted)
      .map((g) => g.id);
    this.taggers = store.ticketFields.all().filter((f) => f.custom_field_options?.length && f.active);
    this.agents = store.users.all().filter((u) => u.role !== 'end-user');
  }

  when(from = this.accountCreated): number {
    return this.random.int(from, Math.max(from, this.latest));
  }

  stamps(): { created_at: string; updated_at: string } {
    const created = this.when();
    return { created_at: isoFromEpoch(created), updated_at: isoFromEpoch(this.when(created)) };
  }

  pickGroup(): number | null {
    return this.groupIds.length ? this.random.pick(this.groupIds) : null;
  }

  /** A condition on a real custom field option (or on the ticket type, in an account without one). */
  fieldCondition(): Json {
    const field = this.taggers.length ? this.random.pick(this.taggers) : null;
    return field
      ? { field: `custom_fields_${field.id}`, operator: 'is', value: this.random.pick(field.custom_field_options!).value }
      : { field: 'type', operator: 'is', value: 'incident' };
  }
}

/** Builds the configuration of an already generated account (the main store), deterministically from the seed. */
export function generateConfiguration(store: Store, seed: number, referenceTime: number, historyDays: number): ConfigurationStore {
  const draft = new ConfigDraft(store, seed, referenceTime, historyDays);
  generateBrands(draft);
  assignCustomRoles(draft, generateCustomRoles(draft));
  generateCustomStatuses(draft);
  generateLocales(draft);
  const categories = generateTriggerCategories(draft);
  generateMacros(draft);
  generateAutomations(draft);
  generateTriggers(draft, categories);
  generateViews(draft);
  generateOrganizationSubscriptions(draft);
  generateSlaPolicies(draft);
  generateGroupSlaPolicies(draft);
  generateSchedules(draft);
  generateRoutingAttributes(draft);
  return draft.config;
}

const BRAND_SEEDS: Array<[string, string, boolean]> = [
  ['Emulated Support', 'emulator', true],
  ['Emulated Store', 'emulator-store', true],
  ['Partner Portal', 'emulator-partners', true],
  ['Old Brand', 'emulator-old', false],
];

function generateBrands(draft: ConfigDraft): void {
  const { config, ids, store } = draft;
  const forms = store.ticketForms.all();
  BRAND_SEEDS.forEach(([name, subdomain, active], i) => {
    config.put('brands', {
      id: i === 0 ? DEFAULT_BRAND_ID : ids.next(),
      name,
      brand_url: `https://${subdomain}.zendesk.com`,
      subdomain,
      host_mapping: i === 1 ? 'help.store.example.com' : null,
      has_help_center: i < 2,
      help_center_state: i < 2 ? 'enabled' : 'restricted',
      active,
      default: i === 0,
      is_deleted: false,
      logo: null,
      ticket_form_ids: forms.filter((f) => f.in_all_brands || f.restricted_brand_ids.includes(i === 0 ? DEFAULT_BRAND_ID : -1)).map((f) => f.id),
      signature_template: '{{agent.signature}}',
      ...draft.stamps(),
    });
  });
}

const ROLE_SEEDS: Array<[string, number]> = [
  ['Staff', 0],
  ['Team lead', 1],
  ['Advisor', 2],
  ['Light agent', 3],
];

function generateCustomRoles(draft: ConfigDraft): ConfigRecord[] {
  const { config, ids, random } = draft;
  return ROLE_SEEDS.map(([name, roleType]) =>
    config.put('custom_roles', {
      id: ids.next(),
      name,
      description: `${name} role`,
      role_type: roleType,
      team_member_count: 0,
      configuration: {
        chat_access: random.chance(0.5),
        manage_business_rules: roleType === 1,
        manage_dynamic_content: false,
        manage_extensions_and_channels: false,
        manage_facebook: false,
        organization_editing: roleType < 2,
        organization_notes_editing: roleType < 2,
        ticket_deletion: roleType === 1,
        ticket_editing: roleType !== 3,
        ticket_merge: roleType < 2,
        ticket_tag_editing: true,
        end_user_profile: 'edit',
        explore_access: 'readonly',
        forum_access: 'readonly',
        macro_access: roleType === 1 ? 'full' : 'readonly',
        report_access: 'readonly',
        ticket_access: 'within-groups',
        ticket_comment_access: roleType === 3 ? 'private' : 'public',
        user_view_access: 'readonly',
        view_access: 'readonly',
        voice_access: false,
      },
      ...draft.stamps(),
    }),
  );
}

/** Agents' custom_role_id is remapped to the listed roles, whose team_member_count then says how many hold each. */
function assignCustomRoles(draft: ConfigDraft, roles: ConfigRecord[]): void {
  const { config, random, store } = draft;
  const roleMembers = new Map<number | string, number>();
  for (const agent of draft.agents) {
    if (agent.custom_role_id === null) continue;
    const role = roles[random.int(0, roles.length - 1)]!;
    store.users.put({ ...agent, custom_role_id: role.id as number });
    roleMembers.set(role.id, (roleMembers.get(role.id) ?? 0) + 1);
  }
  for (const role of roles) config.put('custom_roles', { ...role, team_member_count: roleMembers.get(role.id) ?? 0 });
}

/** Ids 1001..1006 are the ones the generated tickets carry. */
const STATUS_SEEDS: Array<[number | null, string, string, boolean, boolean]> = [
  [1001, 'new', 'New', true, true],
  [1002, 'open', 'Open', true, true],
  [1003, 'pending', 'Pending', true, true],
  [1004, 'hold', 'On-hold', true, true],
  [1005, 'solved', 'Solved', true, true],
  [1006, 'solved', 'Closed', true, false],
  [null, 'open', 'In progress', true, false],
  [null, 'pending', 'Awaiting vendor', true, false],
  [null, 'open', 'Escalated (retired)', false, false],
];

function generateCustomStatuses(draft: ConfigDraft): void {
  for (const [id, category, label, active, isDefault] of STATUS_SEEDS) {
    draft.config.put('custom_statuses', {
      id: id ?? draft.ids.next(),
      status_category: category,
      agent_label: label,
      raw_agent_label: label,
      end_user_label: category === 'pending' ? 'Awaiting your reply' : label,
      raw_end_user_label: category === 'pending' ? 'Awaiting your reply' : label,
      description: `${label} tickets`,
      raw_description: `${label} tickets`,
      end_user_description: '',
      raw_end_user_description: '',
      active,
      default: isDefault,
      ...draft.stamps(),
    });
  }
}

/** The locales the generated users carry. */
const LOCALE_ROWS: Array<[number, string, string, string]> = [
  [1, 'en-US', 'English', 'English'],
  [2, 'es', 'Spanish', 'Español'],
  [8, 'de', 'German', 'Deutsch'],
  [16, 'fr', 'French', 'Français'],
  [67, 'ja', 'Japanese', '日本語'],
];

function generateLocales(draft: ConfigDraft): void {
  for (const [id, locale, name, native] of LOCALE_ROWS) {
    draft.config.put('locales', {
      id,
      locale,
      name,
      native_name: native,
      presentation_name: `${name} (${locale})`,
      rtl: false,
      default: id === 1,
      ...draft.stamps(),
    });
  }
}

// --- business rules ------------------------------------------------------------------------------

function generateTriggerCategories(draft: ConfigDraft): ConfigRecord[] {
  return ['Notifications', 'Routing', 'SLA escalations', 'Housekeeping'].map((name, i) =>
    draft.config.put('trigger_categories', { id: String(draft.ids.next()), name, position: i + 1, ...draft.stamps() }),
  );
}

/** Macros set a real group and a real custom field option. */
function generateMacros(draft: ConfigDraft): void {
  const { config, ids, random } = draft;
  for (let i = 0; i < 8; i++) {
    const groupId = draft.pickGroup();
    config.put('macros', {
      id: ids.next(),
      title: i === 0 ? 'Close and redirect to topics' : `Macro ${i}: ${random.pick(['Refund', 'Escalate', 'Follow up', 'Assign'])}`,
      raw_title: i === 0 ? 'Close and redirect to topics' : `Macro ${i}`,
      description: random.chance(0.5) ? 'Sets group and priority' : null,
      active: i !== 7,
      position: i + 1,
      default: false,
      actions: [
        ...(groupId !== null ? [{ field: 'group_id', value: String(groupId) }] : []),
        { field: 'priority', value: random.pick(PRIORITIES) },
        { field: 'status', value: random.pick(['open', 'pending', 'solved']) },
        fieldAction(draft.fieldCondition()),
        { field: 'comment_value', value: 'Thanks for reaching out.' },
      ],
      restriction: groupId !== null && random.chance(0.5) ? { type: 'Group', id: groupId, ids: [groupId] } : null,
      ...draft.stamps(),
    });
  }
}

/** A condition `{field, operator, value}` turned into the action that sets it. */
function fieldAction(condition: Json): Json {
  const c = condition as { field: string; value: Json };
  return { field: c.field, value: c.value };
}

function generateAutomations(draft: ConfigDraft): void {
  for (let i = 0; i < 4; i++) {
    draft.config.put('automations', {
      id: draft.ids.next(),
      title: i === 0 ? 'Close ticket 4 days after status is set to solved' : `Automation ${i}`,
      raw_title: i === 0 ? 'Close ticket 4 days after status is set to solved' : `Automation ${i}`,
      active: i !== 3,
      position: i + 1,
      default: i === 0,
      conditions: {
        all: [
          { field: 'status', operator: 'is', value: i === 0 ? 'solved' : 'pending' },
          { field: i === 0 ? 'SOLVED' : 'PENDING', operator: 'greater_than', value: String(24 * (i + 2)) },
        ],
        any: [],
      },
      actions: [{ field: 'status', value: i === 0 ? 'closed' : 'solved' }],
      ...draft.stamps(),
    });
  }
}

function generateTriggers(draft: ConfigDraft, categories: ConfigRecord[]): void {
  const { config, ids, random } = draft;
  for (let i = 0; i < 10; i++) {
    const groupId = draft.pickGroup();
    config.put('triggers', {
      id: ids.next(),
      title: i === 0 ? 'Notify requester of new proactive ticket' : `Trigger ${i}`,
      raw_title: i === 0 ? 'Notify requester of new proactive ticket' : `Trigger ${i}`,
      description: random.chance(0.5) ? 'Routes by priority' : null,
      active: i !== 9,
      position: i + 1,
      default: i === 0,
      category_id: categories[i % categories.length]!.id,
      conditions: {
        all: [{ field: 'update_type', operator: 'is', value: i % 2 ? 'Change' : 'Create' }, draft.fieldCondition()],
        any: [{ field: 'priority', operator: 'is', value: random.pick(PRIORITIES) }],
      },
      actions: groupId !== null ? [{ field: 'group_id', value: String(groupId) }] : [{ field: 'priority', value: 'high' }],
      ...draft.stamps(),
    });
  }
}

const VIEW_TITLES = [
  'Your unsolved tickets',
  'Unassigned tickets',
  'All unsolved tickets',
  'Recently updated tickets',
  'Pending tickets',
  'Suspended tickets',
];

function generateViews(draft: ConfigDraft): void {
  for (let i = 0; i < 6; i++) {
    const groupId = draft.pickGroup();
    draft.config.put('views', {
      id: draft.ids.next(),
      title: VIEW_TITLES[i]!,
      raw_title: VIEW_TITLES[i]!,
      description: null,
      active: i !== 5,
      position: i + 1,
      default: i < 3,
      restriction: i === 4 && groupId !== null ? { type: 'Group', id: groupId, ids: [groupId] } : null,
      conditions: {
        all: [
          { field: 'status', operator: 'less_than', value: 'solved' },
          ...(groupId !== null ? [{ field: 'group_id', operator: 'is', value: String(groupId) }] : []),
        ],
        any: [],
      },
      execution: {
        group_by: 'status',
        group_order: 'asc',
        sort_by: 'updated',
        sort_order: 'desc',
        columns: [
          { id: 'subject', title: 'Subject' },
          { id: 'requester', title: 'Requester' },
          { id: 'updated', title: 'Updated' },
        ],
      },
      ...draft.stamps(),
    });
  }
}

/** Members following their organization. */
function generateOrganizationSubscriptions(draft: ConfigDraft): void {
  for (const m of draft.store.organizationMemberships.all()) {
    if (!draft.random.chance(0.3)) continue;
    draft.config.put('organization_subscriptions', {
      id: draft.ids.next(),
      organization_id: m.organization_id,
      user_id: m.user_id,
      created_at: isoFromEpoch(draft.when(Date.parse(m.created_at) / 1000)),
    });
  }
}

// --- service levels --------------------------------------------------------------------------------

const slaMetrics = (scale: number, businessHours: boolean): Json[] =>
  PRIORITIES.flatMap((priority, p) => [
    { priority, metric: 'first_reply_time', target: Math.round(((4 - p) * 60 * scale) / 2), business_hours: businessHours },
    { priority, metric: 'requester_wait_time', target: (4 - p) * 240 * scale, business_hours: businessHours },
  ]);

/** SLA policies whose conditions name real groups, fields and priorities; the first is the one ticket metric events cite. */
function generateSlaPolicies(draft: ConfigDraft): void {
  const { ids } = draft;
  const slaSeeds: Array<[number, string, string]> = [
    [STANDARD_SLA_POLICY_ID, 'Standard SLA', 'Reply within 8 business hours'],
    [ids.next(), 'VIP SLA', 'Faster targets for VIP desk tickets'],
    [ids.next(), 'Hardware SLA', 'Tickets about hardware products'],
    [ids.next(), 'Incident SLA', 'Incidents of any priority'],
  ];
  slaSeeds.forEach(([id, title, description], i) => {
    const groupId = draft.pickGroup();
    const all =
      i === 0
        ? [{ field: 'type', operator: 'is_not', value: 'task' }]
        : [groupId !== null ? { field: 'group_id', operator: 'is', value: groupId } : draft.fieldCondition(), draft.fieldCondition()];
    const any =
      i === 2
        ? [
            { field: 'priority', operator: 'is', value: 'urgent' },
            { field: 'priority', operator: 'is', value: 'high' },
          ]
        : [];
    draft.config.put('sla_policies', {
      id,
      title,
      description,
      position: i + 1,
      filter: { all, any },
      policy_metrics: slaMetrics(i === 1 ? 0.5 : 1, i !== 1),
      ...draft.stamps(),
    });
  });
}

const GROUP_SLA_TITLES = ['Tier 1 ownership', 'Escalations ownership', 'Billing ownership', 'Returns ownership'];

function generateGroupSlaPolicies(draft: ConfigDraft): void {
  for (let i = 0; i < 4; i++) {
    draft.config.put('group_sla_policies', {
      id: uuid(draft.random),
      title: GROUP_SLA_TITLES[i]!,
      description: 'Time a ticket may stay with the group',
      position: i + 1,
      filter: { all: [{ field: 'group_id', operator: 'includes', value: draft.groupIds.slice(i, i + 2) }] },
      policy_metrics: PRIORITIES.map((priority, p) => ({
        priority,
        metric: 'group_ownership_time',
        target: (4 - p) * 3600,
        business_hours: i === 1,
      })),
      ...draft.stamps(),
    });
  }
}

const week = (startHour: number, endHour: number, days: number[]) =>
  days.map((d) => ({ start_time: d * 1440 + startHour * 60, end_time: d * 1440 + endHour * 60 }));
const SCHEDULE_SEEDS: Array<[string, string, Json[], number]> = [
  ['Americas', 'Eastern Time (US & Canada)', week(9, 17, [1, 2, 3, 4, 5]), 4],
  ['EMEA', 'London', week(8, 18, [1, 2, 3, 4, 5]), 3],
  ['APAC weekend cover', 'Tokyo', week(10, 16, [0, 6]), 0],
  ['Berlin office', 'Berlin', week(9, 18, [1, 2, 3, 4]), 2],
];
const HOLIDAY_NAMES = ['New Year', 'Spring break', 'Summer holiday', 'Company day'];

/** Business-hours schedules and their holidays (in the reference time's year). */
function generateSchedules(draft: ConfigDraft): void {
  const { config, ids, random } = draft;
  const year = new Date(draft.referenceTime * 1000).getUTCFullYear();
  for (const [name, zone, intervals, holidays] of SCHEDULE_SEEDS) {
    const schedule = config.put('schedules', { id: ids.next(), name, time_zone: zone, intervals, ...draft.stamps() });
    for (let h = 0; h < holidays; h++) {
      const month = 1 + ((h * 3 + random.int(0, 2)) % 12);
      const day = random.int(1, 27);
      const start = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const end = `${year}-${String(month).padStart(2, '0')}-${String(day + (h === 0 ? 1 : 0)).padStart(2, '0')}`;
      config.put('schedule_holidays', { id: ids.next(), schedule_id: schedule.id, name: HOLIDAY_NAMES[h]!, start_date: start, end_date: end });
    }
  }
}

const ATTRIBUTE_SEEDS: Array<[string, string[]]> = [
  ['Language', ['English', 'German', 'French', 'Japanese']],
  ['Product', ['Hardware', 'Software', 'Services']],
  ['Region', []],
  ['Seniority', ['Junior', 'Senior']],
];

/** Skills-based routing: attributes and their values. */
function generateRoutingAttributes(draft: ConfigDraft): void {
  const { config, random } = draft;
  for (const [name, values] of ATTRIBUTE_SEEDS) {
    const attribute = config.put('account_attributes', { id: uuid(random), name, ...draft.stamps() });
    for (const value of values) config.put('attribute_values', { id: uuid(random), attribute_id: attribute.id, name: value, ...draft.stamps() });
  }
}
