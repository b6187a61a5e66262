/**
 * The account's configuration, service levels and skills-based routing: brands, custom roles and
 * statuses, locales, macros, automations, triggers and their categories, views, organization
 * subscriptions, SLA and group SLA policies, schedules and their holidays, routing attributes and
 * their values. Generated after the rest of the account and from random streams of their own, so no
 * other generated value or id moves; every reference points at something real: a macro sets a real
 * group and a real custom field option, an SLA policy's conditions name real groups, fields and
 * priorities, the SLA policy the ticket metric events cite exists, ticket brand_id and custom_status_id
 * name a brand and statuses listed here, agents' custom_role_id name a listed role.
 *
 * Records are kept in Zendesk's API shape minus `url` (the routes add it from the base URL).
 * Tags are not stored: the tags list is computed from the tickets, users and organizations.
 */
import { IdAllocator } from '../ids';
import type { Json } from '../model';
import { Random } from '../random';
import type { Store } from '../store';
import { DAY, isoFromEpoch } from '../time';

export type ConfigRecord = Record<string, Json> & { id: number | string };

/** The stored collections (catalog names); user_fields and organization_fields live in the main store. */
export const CONFIG_COLLECTIONS = [
  'brands',
  'custom_roles',
  'custom_statuses',
  'locales',
  'macros',
  'automations',
  'triggers',
  'trigger_categories',
  'views',
  'organization_subscriptions',
  'sla_policies',
  'group_sla_policies',
  'schedules',
  'schedule_holidays',
  'account_attributes',
  'attribute_values',
] as const;
export type ConfigCollection = (typeof CONFIG_COLLECTIONS)[number];

/** Collections whose ids Zendesk sends as strings. */
const STRING_IDS = new Set<ConfigCollection>(['trigger_categories', 'group_sla_policies', 'account_attributes', 'attribute_values']);

interface Entry {
  /** Creation order: list order, and the cursor key (ids may be strings). */
  seq: number;
  record: ConfigRecord;
}

export class ConfigurationStore {
  private readonly tables = new Map<ConfigCollection, Map<string, Entry>>(CONFIG_COLLECTIONS.map((c) => [c, new Map()]));
  private seq = 0;
  private readonly random: Random;
  readonly ids: IdAllocator;

  constructor(seed: number) {
    this.random = new Random(`${seed}:configuration-mutations`);
    // Below the main allocator's range (9.99e12 and up) and the voice calls' (5e12): never a clash.
    this.ids = new IdAllocator(new Random(`${seed}:configuration-ids`), 7_000_000_000_000);
  }

  /** Records in list order (creation order). */
  list(collection: ConfigCollection): ConfigRecord[] {
    return [...this.tables.get(collection)!.values()].sort((a, b) => a.seq - b.seq).map((e) => e.record);
  }

  entries(collection: ConfigCollection): Array<{ seq: number; record: ConfigRecord }> {
    return [...this.tables.get(collection)!.values()].sort((a, b) => a.seq - b.seq);
  }

  get(collection: ConfigCollection, id: number | string): ConfigRecord | undefined {
    return this.tables.get(collection)!.get(String(id))?.record;
  }

  put(collection: ConfigCollection, record: ConfigRecord): ConfigRecord {
    const table = this.tables.get(collection)!;
    const existing = table.get(String(record.id));
    table.set(String(record.id), { seq: existing?.seq ?? ++this.seq, record });
    return record;
  }

  remove(collection: ConfigCollection, id: number | string): boolean {
    const removed = this.tables.get(collection)!.delete(String(id));
    // A parent's children go with it, as in Zendesk.
    if (removed && collection === 'schedules') {
      for (const h of this.list('schedule_holidays')) if (String(h.schedule_id) === String(id)) this.remove('schedule_holidays', h.id);
    }
    if (removed && collection === 'account_attributes') {
      for (const v of this.list('attribute_values')) if (String(v.attribute_id) === String(id)) this.remove('attribute_values', v.id);
    }
    return removed;
  }

  size(collection: ConfigCollection): number {
    return this.tables.get(collection)!.size;
  }

  /** A new id of the collection's kind (a number, or a string for string-id collections). */
  newId(collection: ConfigCollection): number | string {
    if (collection === 'account_attributes' || collection === 'attribute_values' || collection === 'group_sla_policies') {
      return uuid(this.random);
    }
    return STRING_IDS.has(collection) ? String(this.ids.next()) : this.ids.next();
  }

  // --- admin mutations (second-cycle tests) ----------------------------------------------------------

  /** Creates a record: `fields` over an id of the right kind; created_at/updated_at stamped `now` where the collection has them. */
  create(collection: ConfigCollection, fields: Record<string, Json>, now: number): ConfigRecord {
    assertCollection(collection);
    const stamp = isoFromEpoch(now);
    const record = { ...fields, id: this.newId(collection) } as ConfigRecord;
    if (hasTimestamps(collection)) {
      record.created_at = stamp;
      record.updated_at = stamp;
    } else if (collection === 'organization_subscriptions') {
      record.created_at = stamp;
    }
    return this.put(collection, record);
  }

  /** Changes fields of a record; updated_at moves to `now` where the collection has it. */
  update(collection: ConfigCollection, id: number | string, patch: Record<string, Json>, now: number): ConfigRecord {
    assertCollection(collection);
    const current = this.get(collection, id);
    if (!current) throw new ConfigNotFoundError(`${collection} ${id} not found`);
    const next = { ...current, ...patch, id: current.id } as ConfigRecord;
    if (hasTimestamps(collection)) next.updated_at = isoFromEpoch(now);
    return this.put(collection, next);
  }

  delete(collection: ConfigCollection, id: number | string): void {
    assertCollection(collection);
    if (!this.remove(collection, id)) throw new ConfigNotFoundError(`${collection} ${id} not found`);
  }
}

export class ConfigNotFoundError extends Error {}

function assertCollection(name: string): asserts name is ConfigCollection {
  if (!(CONFIG_COLLECTIONS as readonly string[]).includes(name)) {
    throw new Error(`unknown configuration collection "${name}"; known: ${CONFIG_COLLECTIONS.join(', ')}`);
  }
}

export function isConfigCollection(name: string): name is ConfigCollection {
  return (CONFIG_COLLECTIONS as readonly string[]).includes(name);
}

function hasTimestamps(collection: ConfigCollection): boolean {
  return collection !== 'schedule_holidays' && collection !== 'organization_subscriptions';
}

function uuid(random: Random): string {
  const hex = () => random.int(0, 15).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-11e8-${part(4)}-${part(12)}`;
}

/** The brand every generated ticket and the restricted ticket form name. */
export const DEFAULT_BRAND_ID = 360000358316;
/** The SLA policy the generated ticket metric events apply. */
export const STANDARD_SLA_POLICY_ID = 360000070316;

const LOCALE_ROWS: Array<[number, string, string, string]> = [
  [1, 'en-US', 'English', 'English'],
  [2, 'es', 'Spanish', 'Español'],
  [8, 'de', 'German', 'Deutsch'],
  [16, 'fr', 'French', 'Français'],
  [67, 'ja', 'Japanese', '日本語'],
];

/** Builds the configuration of an already generated account (the main store), deterministically from the seed. */
export function generateConfiguration(store: Store, seed: number, referenceTime: number, historyDays: number): ConfigurationStore {
  const config = new ConfigurationStore(seed);
  const random = new Random(`${seed}:configuration`);
  const accountCreated = referenceTime - historyDays * DAY - 30 * DAY;
  const latest = referenceTime - 120;
  const when = (from = accountCreated) => random.int(from, Math.max(from, latest));
  const stamps = () => {
    const created = when();
    return { created_at: isoFromEpoch(created), updated_at: isoFromEpoch(when(created)) };
  };
  const ids = config.ids;

  const groups = store.groups.all().filter((g) => !g.deleted);
  const groupIds = groups.map((g) => g.id);
  const pickGroup = () => (groupIds.length ? random.pick(groupIds) : null);
  const taggers = store.ticketFields.all().filter((f) => f.custom_field_options?.length && f.active);
  const forms = store.ticketForms.all();
  const agents = store.users.all().filter((u) => u.role !== 'end-user');
  const fieldCondition = (): Json => {
    const field = taggers.length ? random.pick(taggers) : null;
    return field ? { field: `custom_fields_${field.id}`, operator: 'is', value: random.pick(field.custom_field_options!).value } : { field: 'type', operator: 'is', value: 'incident' };
  };

  // --- brands ----------------------------------------------------------------------------------------
  const brandSeeds: Array<[string, string, boolean]> = [
    ['Emulated Support', 'emulator', true],
    ['Emulated Store', 'emulator-store', true],
    ['Partner Portal', 'emulator-partners', true],
    ['Old Brand', 'emulator-old', false],
  ];
  brandSeeds.forEach(([name, subdomain, active], i) => {
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
      ...stamps(),
    });
  });

  // --- custom roles (agents' custom_role_id is remapped to these) --------------------------------------
  const roleSeeds: Array<[string, number]> = [
    ['Staff', 0],
    ['Team lead', 1],
    ['Advisor', 2],
    ['Light agent', 3],
  ];
  const roles = roleSeeds.map(([name, roleType]) =>
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
      ...stamps(),
    }),
  );
  const roleMembers = new Map<number | string, number>();
  for (const agent of agents) {
    if (agent.custom_role_id === null) continue;
    const role = roles[random.int(0, roles.length - 1)]!;
    store.users.put({ ...agent, custom_role_id: role.id as number });
    roleMembers.set(role.id, (roleMembers.get(role.id) ?? 0) + 1);
  }
  for (const role of roles) config.put('custom_roles', { ...role, team_member_count: roleMembers.get(role.id) ?? 0 });

  // --- custom statuses (ids the generated tickets carry: 1001..1006) ----------------------------------
  const statusSeeds: Array<[number | null, string, string, boolean, boolean]> = [
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
  for (const [id, category, label, active, isDefault] of statusSeeds) {
    config.put('custom_statuses', {
      id: id ?? ids.next(),
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
      ...stamps(),
    });
  }

  // --- locales (those the generated users carry) --------------------------------------------------
  for (const [id, locale, name, native] of LOCALE_ROWS) {
    config.put('locales', { id, locale, name, native_name: native, presentation_name: `${name} (${locale})`, rtl: false, default: id === 1, ...stamps() });
  }

  // --- business rules --------------------------------------------------------------------------------
  const categories = ['Notifications', 'Routing', 'SLA escalations', 'Housekeeping'].map((name, i) =>
    config.put('trigger_categories', { id: String(ids.next()), name, position: i + 1, ...stamps() }),
  );
  const priorities = ['low', 'normal', 'high', 'urgent'];
  for (let i = 0; i < 8; i++) {
    const groupId = pickGroup();
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
        { field: 'priority', value: random.pick(priorities) },
        { field: 'status', value: random.pick(['open', 'pending', 'solved']) },
        fieldAction(fieldCondition()),
        { field: 'comment_value', value: 'Thanks for reaching out.' },
      ],
      restriction: groupId !== null && random.chance(0.5) ? { type: 'Group', id: groupId, ids: [groupId] } : null,
      ...stamps(),
    });
  }
  for (let i = 0; i < 4; i++) {
    config.put('automations', {
      id: ids.next(),
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
      ...stamps(),
    });
  }
  for (let i = 0; i < 10; i++) {
    const groupId = pickGroup();
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
        all: [{ field: 'update_type', operator: 'is', value: i % 2 ? 'Change' : 'Create' }, fieldCondition()],
        any: [{ field: 'priority', operator: 'is', value: random.pick(priorities) }],
      },
      actions: groupId !== null ? [{ field: 'group_id', value: String(groupId) }] : [{ field: 'priority', value: 'high' }],
      ...stamps(),
    });
  }
  for (let i = 0; i < 6; i++) {
    const groupId = pickGroup();
    config.put('views', {
      id: ids.next(),
      title: ['Your unsolved tickets', 'Unassigned tickets', 'All unsolved tickets', 'Recently updated tickets', 'Pending tickets', 'Suspended tickets'][i]!,
      raw_title: ['Your unsolved tickets', 'Unassigned tickets', 'All unsolved tickets', 'Recently updated tickets', 'Pending tickets', 'Suspended tickets'][i]!,
      description: null,
      active: i !== 5,
      position: i + 1,
      default: i < 3,
      restriction: i === 4 && groupId !== null ? { type: 'Group', id: groupId, ids: [groupId] } : null,
      conditions: {
        all: [{ field: 'status', operator: 'less_than', value: 'solved' }, ...(groupId !== null ? [{ field: 'group_id', operator: 'is', value: String(groupId) }] : [])],
        any: [],
      },
      execution: {
        group_by: 'status',
        group_order: 'asc',
        sort_by: 'updated',
        sort_order: 'desc',
        columns: [{ id: 'subject', title: 'Subject' }, { id: 'requester', title: 'Requester' }, { id: 'updated', title: 'Updated' }],
      },
      ...stamps(),
    });
  }

  // --- organization subscriptions: members following their organization ---------------------------
  for (const m of store.organizationMemberships.all()) {
    if (!random.chance(0.3)) continue;
    config.put('organization_subscriptions', { id: ids.next(), organization_id: m.organization_id, user_id: m.user_id, created_at: isoFromEpoch(when(Date.parse(m.created_at) / 1000)) });
  }

  // --- SLA policies ----------------------------------------------------------------------------------
  const slaMetrics = (scale: number, businessHours: boolean): Json[] =>
    priorities.flatMap((priority, p) => [
      { priority, metric: 'first_reply_time', target: Math.round(((4 - p) * 60 * scale) / 2), business_hours: businessHours },
      { priority, metric: 'requester_wait_time', target: (4 - p) * 240 * scale, business_hours: businessHours },
    ]);
  const slaSeeds: Array<[number, string, string]> = [
    [STANDARD_SLA_POLICY_ID, 'Standard SLA', 'Reply within 8 business hours'],
    [ids.next(), 'VIP SLA', 'Faster targets for VIP desk tickets'],
    [ids.next(), 'Hardware SLA', 'Tickets about hardware products'],
    [ids.next(), 'Incident SLA', 'Incidents of any priority'],
  ];
  slaSeeds.forEach(([id, title, description], i) => {
    const groupId = pickGroup();
    config.put('sla_policies', {
      id,
      title,
      description,
      position: i + 1,
      filter: {
        all: i === 0 ? [{ field: 'type', operator: 'is_not', value: 'task' }] : [groupId !== null ? { field: 'group_id', operator: 'is', value: groupId } : fieldCondition(), fieldCondition()],
        any: i === 2 ? [{ field: 'priority', operator: 'is', value: 'urgent' }, { field: 'priority', operator: 'is', value: 'high' }] : [],
      },
      policy_metrics: slaMetrics(i === 1 ? 0.5 : 1, i !== 1),
      ...stamps(),
    });
  });
  for (let i = 0; i < 4; i++) {
    config.put('group_sla_policies', {
      id: uuid(random),
      title: ['Tier 1 ownership', 'Escalations ownership', 'Billing ownership', 'Returns ownership'][i]!,
      description: 'Time a ticket may stay with the group',
      position: i + 1,
      filter: { all: [{ field: 'group_id', operator: 'includes', value: groupIds.slice(i, i + 2) }] },
      policy_metrics: priorities.map((priority, p) => ({ priority, metric: 'group_ownership_time', target: (4 - p) * 3600, business_hours: i === 1 })),
      ...stamps(),
    });
  }

  // --- schedules and holidays ----------------------------------------------------------------------
  const week = (startHour: number, endHour: number, days: number[]) => days.map((d) => ({ start_time: d * 1440 + startHour * 60, end_time: d * 1440 + endHour * 60 }));
  const scheduleSeeds: Array<[string, string, Json[], number]> = [
    ['Americas', 'Eastern Time (US & Canada)', week(9, 17, [1, 2, 3, 4, 5]), 4],
    ['EMEA', 'London', week(8, 18, [1, 2, 3, 4, 5]), 3],
    ['APAC weekend cover', 'Tokyo', week(10, 16, [0, 6]), 0],
    ['Berlin office', 'Berlin', week(9, 18, [1, 2, 3, 4]), 2],
  ];
  const year = new Date(referenceTime * 1000).getUTCFullYear();
  for (const [name, zone, intervals, holidays] of scheduleSeeds) {
    const schedule = config.put('schedules', { id: ids.next(), name, time_zone: zone, intervals, ...stamps() });
    for (let h = 0; h < holidays; h++) {
      const month = 1 + ((h * 3 + random.int(0, 2)) % 12);
      const day = random.int(1, 27);
      const start = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const end = `${year}-${String(month).padStart(2, '0')}-${String(day + (h === 0 ? 1 : 0)).padStart(2, '0')}`;
      config.put('schedule_holidays', { id: ids.next(), schedule_id: schedule.id, name: ['New Year', 'Spring break', 'Summer holiday', 'Company day'][h]!, start_date: start, end_date: end });
    }
  }

  // --- skills-based routing ----------------------------------------------------------------------------
  const attributeSeeds: Array<[string, string[]]> = [
    ['Language', ['English', 'German', 'French', 'Japanese']],
    ['Product', ['Hardware', 'Software', 'Services']],
    ['Region', []],
    ['Seniority', ['Junior', 'Senior']],
  ];
  for (const [name, values] of attributeSeeds) {
    const attribute = config.put('account_attributes', { id: uuid(random), name, ...stamps() });
    for (const value of values) config.put('attribute_values', { id: uuid(random), attribute_id: attribute.id, name: value, ...stamps() });
  }
  return config;
}

/** A condition `{field, operator, value}` turned into the action that sets it. */
function fieldAction(condition: Json): Json {
  const c = condition as { field: string; value: Json };
  return { field: c.field, value: c.value };
}

/**
 * The admin API's configuration mutations: `POST /__admin/configuration/{collection}` creates (body:
 * the fields), `PUT|PATCH /__admin/configuration/{collection}/{id}` changes fields (updated_at moves to
 * now), `DELETE /__admin/configuration/{collection}/{id}` deletes (a schedule's holidays and an
 * attribute's values go with it).
 */
export function configurationAdmin(
  config: ConfigurationStore,
  method: string,
  collection: string | undefined,
  id: string | undefined,
  body: Record<string, unknown>,
  now: number,
): unknown {
  if (!collection || !isConfigCollection(collection)) throw new Error(`unknown configuration collection "${collection ?? ''}"; known: ${CONFIG_COLLECTIONS.join(', ')}`);
  const key = id === undefined ? undefined : /^\d+$/.test(id) && !STRING_IDS.has(collection) ? Number(id) : id;
  if (method === 'POST' && key === undefined) return { record: config.create(collection, body as Record<string, Json>, now) };
  if ((method === 'PUT' || method === 'PATCH') && key !== undefined) return { record: config.update(collection, key, body as Record<string, Json>, now) };
  if (method === 'DELETE' && key !== undefined) {
    config.delete(collection, key);
    return { deleted: key };
  }
  throw new Error(`${method} /__admin/configuration/${collection}${id === undefined ? '' : `/${id}`} is not a configuration mutation`);
}
