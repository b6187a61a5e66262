import type { IdAllocator } from '../ids';
import type { FieldOption, Json, KeyedField, KeyedFieldType, TicketField, TicketFieldType } from '../model';
import type { Random } from '../random';
import { DAY, isoFromEpoch } from '../time';

/**
 * Field definitions: the ticket fields (system ones plus one custom field of every type), user fields
 * and organization fields; and how a random value of each type looks on a record.
 */

function options(ids: IdAllocator, names: string[]): FieldOption[] {
  return names.map((name) => ({
    id: ids.next(),
    name,
    raw_name: name,
    value: name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
  }));
}

interface TicketFieldSeed {
  type: TicketFieldType;
  title: string;
  system: boolean;
  options?: string[];
  regexp?: string;
  active?: boolean;
}

// Titles are plain words separated by single spaces so that every reasonable slug rule agrees.
const TICKET_FIELDS: TicketFieldSeed[] = [
  { type: 'subject', title: 'Subject', system: true },
  { type: 'description', title: 'Description', system: true },
  { type: 'status', title: 'Status', system: true },
  { type: 'custom_status', title: 'Ticket status', system: true },
  { type: 'tickettype', title: 'Type', system: true },
  { type: 'priority', title: 'Priority', system: true },
  { type: 'group', title: 'Group', system: true },
  { type: 'assignee', title: 'Assignee', system: true },
  { type: 'checkbox', title: 'Needs Callback', system: false },
  { type: 'date', title: 'Follow Up Date', system: false },
  { type: 'decimal', title: 'Refund Amount', system: false },
  { type: 'integer', title: 'Order Number', system: false },
  { type: 'regexp', title: 'Serial Code', system: false, regexp: '^[A-Z]{3}-\\d{4}$' },
  { type: 'tagger', title: 'Product Line', system: false, options: ['Hardware', 'Software', 'Services', 'Accessories'] },
  { type: 'multiselect', title: 'Affected Platforms', system: false, options: ['Web', 'iOS', 'Android', 'Desktop', 'API'] },
  { type: 'text', title: 'Customer Reference', system: false },
  { type: 'textarea', title: 'Internal Notes', system: false },
  // Inactive: defined on the account but carried on no ticket.
  { type: 'text', title: 'Legacy Code', system: false, active: false },
];

const SYSTEM_OPTIONS: Partial<Record<TicketFieldType, string[]>> = {
  status: ['new', 'open', 'pending', 'hold', 'solved', 'closed'],
  tickettype: ['question', 'incident', 'problem', 'task'],
  priority: ['low', 'normal', 'high', 'urgent'],
};

export function buildTicketFields(ids: IdAllocator, random: Random, createdFrom: number): TicketField[] {
  return TICKET_FIELDS.map((seed, index) => {
    const created = isoFromEpoch(createdFrom + index * 3600 + random.int(0, 600));
    const updated = seed.system ? created : isoFromEpoch(createdFrom + 40 * DAY + random.int(0, 90 * DAY));
    const field: TicketField = {
      id: ids.next(),
      type: seed.type,
      title: seed.title,
      raw_title: seed.title,
      description: seed.system ? '' : `${seed.title} (custom ${seed.type} field)`,
      raw_description: seed.system ? '' : `${seed.title} (custom ${seed.type} field)`,
      position: seed.system ? index : 9999 - TICKET_FIELDS.length + index,
      active: seed.active ?? true,
      required: seed.type === 'subject',
      collapsed_for_agents: false,
      regexp_for_validation: seed.regexp ?? null,
      title_in_portal: seed.title,
      raw_title_in_portal: seed.title,
      visible_in_portal: seed.system ? seed.type === 'subject' || seed.type === 'description' : random.chance(0.3),
      editable_in_portal: seed.type === 'subject' || seed.type === 'description',
      required_in_portal: seed.type === 'subject',
      tag: seed.type === 'checkbox' ? 'needs_callback' : null,
      created_at: created,
      updated_at: updated,
      removable: !seed.system,
      key: null,
      agent_description: seed.system ? null : 'Filled in by agents',
    };
    if (seed.options) field.custom_field_options = options(ids, seed.options);
    const systemOptions = SYSTEM_OPTIONS[seed.type];
    if (systemOptions) field.system_field_options = systemOptions.map((v) => ({ name: v[0]!.toUpperCase() + v.slice(1), value: v }));
    return field;
  });
}

interface KeyedSeed {
  type: KeyedFieldType;
  key: string;
  title: string;
  options?: string[];
  regexp?: string;
}

const USER_FIELDS: KeyedSeed[] = [
  { type: 'checkbox', key: 'newsletter_opt_in', title: 'Newsletter opt in' },
  { type: 'date', key: 'birthday', title: 'Birthday' },
  { type: 'decimal', key: 'account_balance', title: 'Account balance' },
  { type: 'integer', key: 'lifetime_orders', title: 'Lifetime orders' },
  { type: 'regexp', key: 'member_code', title: 'Member code', regexp: '^M\\d{6}$' },
  { type: 'dropdown', key: 'loyalty_tier', title: 'Loyalty tier', options: ['Bronze', 'Silver', 'Gold', 'Platinum'] },
  { type: 'multiselect', key: 'interests', title: 'Interests', options: ['Gadgets', 'Outdoors', 'Music', 'Gaming'] },
  { type: 'text', key: 'nickname', title: 'Nickname' },
  { type: 'textarea', key: 'support_notes', title: 'Support notes' },
];

const ORGANIZATION_FIELDS: KeyedSeed[] = [
  { type: 'checkbox', key: 'vip', title: 'VIP' },
  { type: 'date', key: 'contract_start', title: 'Contract start' },
  { type: 'decimal', key: 'annual_revenue', title: 'Annual revenue' },
  { type: 'integer', key: 'seats', title: 'Seats' },
  { type: 'regexp', key: 'customer_number', title: 'Customer number', regexp: '^M\\d{6}$' },
  { type: 'dropdown', key: 'region', title: 'Region', options: ['EMEA', 'AMER', 'APAC'] },
  { type: 'multiselect', key: 'products', title: 'Products', options: ['Hardware', 'Software', 'Services', 'Support plan'] },
  { type: 'text', key: 'account_manager', title: 'Account manager' },
  { type: 'textarea', key: 'escalation_policy', title: 'Escalation policy' },
];

function buildKeyed(seeds: KeyedSeed[], ids: IdAllocator, random: Random, createdFrom: number): KeyedField[] {
  return seeds.map((seed, index) => {
    const created = isoFromEpoch(createdFrom + index * 7200 + random.int(0, 600));
    const field: KeyedField = {
      id: ids.next(),
      type: seed.type,
      key: seed.key,
      title: seed.title,
      raw_title: seed.title,
      description: `${seed.title} of the customer`,
      raw_description: `${seed.title} of the customer`,
      position: index,
      active: true,
      system: false,
      regexp_for_validation: seed.regexp ?? null,
      created_at: created,
      updated_at: created,
    };
    if (seed.options) field.custom_field_options = options(ids, seed.options);
    return field;
  });
}

export const buildUserFields = (ids: IdAllocator, random: Random, from: number) => buildKeyed(USER_FIELDS, ids, random, from);
export const buildOrganizationFields = (ids: IdAllocator, random: Random, from: number) =>
  buildKeyed(ORGANIZATION_FIELDS, ids, random, from);

/** Where a value lands: ticket custom_fields differ from user/organization fields in a few types. */
export type FieldHost = 'ticket' | 'keyed';

function randomDate(random: Random): { y: number; m: number; d: number } {
  return { y: random.int(1960, 2027), m: random.int(1, 12), d: random.int(1, 28) };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A value as Zendesk sends it. Zendesk is inconsistent about numbers: ticket integer values arrive
 * as strings ("745"), decimals as either; user/organization dates are timestamps in two formats.
 */
export function randomFieldValue(
  type: string,
  host: FieldHost,
  random: Random,
  fieldOptions: FieldOption[] | undefined,
  text: () => string,
): Json {
  switch (type) {
    case 'checkbox':
      return random.chance(0.4);
    case 'date': {
      const { y, m, d } = randomDate(random);
      if (host === 'ticket') return `${y}-${pad(m)}-${pad(d)}`;
      return random.chance(0.5) ? `${y}-${pad(m)}-${pad(d)}T00:00:00Z` : `${y}-${pad(m)}-${pad(d)}T00:00:00+00:00`;
    }
    case 'decimal': {
      const value = random.int(0, 99_999) / 100;
      return random.chance(0.5) ? String(value) : value;
    }
    case 'integer': {
      const value = random.int(1, 9_999_999);
      return host === 'ticket' || random.chance(0.2) ? String(value) : value;
    }
    case 'regexp':
      return host === 'ticket'
        ? `${String.fromCharCode(65 + random.int(0, 25), 65 + random.int(0, 25), 65 + random.int(0, 25))}-${random.int(1000, 9999)}`
        : `M${random.int(100000, 999999)}`;
    case 'tagger':
    case 'dropdown':
      return random.pick(fieldOptions ?? []).value;
    case 'multiselect':
      return random.sample(fieldOptions ?? [], random.int(1, 3)).map((o) => o.value);
    case 'text':
      return text().slice(0, 60);
    case 'textarea':
      return text();
    default:
      return null;
  }
}

/** The value of a field nobody filled in: checkboxes read false, everything else null. */
export function unsetFieldValue(type: string): Json {
  return type === 'checkbox' ? false : null;
}
