import type { Json, KeyedField, TicketField, TicketForm, User } from '../model';
import type { DataOptions } from '../options';
import type { Store } from '../store';
import { DAY, isoFromEpoch } from '../time';
import { generateSuspendedTickets } from '../suspendedTickets';
import { generateHelpCenter } from './helpCenterGenerator';
import { generateConfiguration } from './configurationGenerator';
import { AccountDraft } from './draft';
import { buildOrganizationFields, buildTicketFields, buildUserFields, unsetFieldValue } from './fields';
import { generatePeople, type Credentials } from './people';
import { generateTickets } from './tickets';
import type { TextPools } from './textPools';

export type { Credentials } from './people';

export interface Generated {
  store: Store;
  pools: TextPools;
  /** The same-second run: its timestamp and size (0 when off). */
  sameSecond: { timestamp: number; tickets: number };
}

/**
 * Builds a whole account, deterministically from `seed` and `referenceTime`. Generated timestamps
 * stop two minutes before referenceTime, so an export started at referenceTime sees every record.
 * The parts run in a fixed order: each draws from the shared random streams (see AccountDraft).
 */
export function generateAccount(options: DataOptions, credentials: Credentials): Generated {
  const draft = new AccountDraft(options);
  const { store, pools, latest } = draft;
  const fields = generateFieldDefinitions(draft);
  const people = generatePeople(draft, credentials, fields);
  const forms = generateTicketForms(draft, fields.ticketFields);
  const sameSecond = generateTickets(draft, people, fields.ticketFields, forms);
  const actors = people.agents.length ? people.agents : people.users;
  generateActivities(draft, actors);
  generateAuditLogs(draft, actors);

  store.helpCenter = generateHelpCenter(store, pools, options.seed, draft.reference, options.historyDays);
  store.configuration = generateConfiguration(store, options.seed, draft.reference, options.historyDays);
  // Last, from their own random stream: the data above does not depend on them.
  generateSuspendedTickets(store, options.seed, latest, options.tickets);

  return { store, pools, sameSecond };
}

function generateFieldDefinitions(draft: AccountDraft): {
  ticketFields: TicketField[];
  userFields: KeyedField[];
  organizationFields: KeyedField[];
} {
  const { ids, random, store, accountCreated } = draft;
  const ticketFields = buildTicketFields(ids, random, accountCreated);
  ticketFields.forEach((f) => store.ticketFields.put(f));
  const userFields = buildUserFields(ids, random, accountCreated);
  userFields.forEach((f) => store.userFields.put(f));
  const organizationFields = buildOrganizationFields(ids, random, accountCreated);
  organizationFields.forEach((f) => store.organizationFields.put(f));
  return { ticketFields, userFields, organizationFields };
}

const FORM_SEEDS: Array<[string, boolean]> = [
  ['Default Ticket Form', true],
  ['Returns and refunds', true],
  ['Technical issue', true],
  ['Old intake form', false],
];

function generateTicketForms(draft: AccountDraft, ticketFields: TicketField[]): TicketForm[] {
  const { ids, random, store, accountCreated } = draft;
  const formFieldIds = ticketFields.filter((f) => f.active).map((f) => f.id);
  return FORM_SEEDS.map(([name, active], index) => {
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
}

/** The activity feed: the last 30 days only, as Zendesk keeps them. */
function generateActivities(draft: AccountDraft, actors: User[]): void {
  const { ids, random, store, pools, reference, latest } = draft;
  const ticketIds = store.nextTicketId - 1;
  for (let i = 0; i < draft.options.activities && ticketIds > 0; i++) {
    const at = draft.between(reference - 29 * DAY, latest);
    const actor = random.pick(actors);
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
}

const AUDIT_SOURCES: Array<[string, string]> = [
  ['user', 'User'],
  ['ticket', 'Ticket'],
  ['rule', 'Trigger'],
  ['apitoken', 'API token'],
  ['attachment', 'Attachment'],
  ['zendesk/app_market/app', 'App'],
];
const AUDIT_ACTIONS: Array<[string, string]> = [
  ['create', 'Created'],
  ['update', 'Updated'],
  ['destroy', 'Deleted'],
  ['login', 'Signed in'],
  ['exported', 'Exported'],
];

/** Audit logs; a quarter by the system (no actor). */
function generateAuditLogs(draft: AccountDraft, actors: User[]): void {
  const { ids, random, store, pools, accountCreated, latest } = draft;
  for (let i = 0; i < draft.options.auditLogs; i++) {
    const system = random.chance(0.25);
    const [sourceType, sourceLabel] = random.pick(AUDIT_SOURCES);
    const [action, actionLabel] = random.pick(AUDIT_ACTIONS);
    const actor = system ? null : random.pick(actors);
    store.auditLogs.put({
      id: ids.next(),
      action_label: actionLabel,
      actor_id: actor ? actor.id : -1,
      actor_name: actor ? actor.name : 'Zendesk',
      source_id: ids.next(),
      source_type: sourceType,
      source_label: `${sourceLabel}: ${random.pick(pools.words)}`,
      action,
      change_description:
        action === 'update' ? `Changed ${random.pick(pools.words)} from ${random.pick(pools.words)} to ${random.pick(pools.words)}` : '',
      ip_address: system ? null : random.pick(pools.ips),
      created_at: isoFromEpoch(draft.between(accountCreated, latest)),
    });
  }
}

/** Fields a mutation may leave out when creating a ticket. */
export function ticketFieldDefaults(fields: TicketField[]): Array<{ id: number; value: Json }> {
  return fields.filter((f) => f.removable && f.active).map((f) => ({ id: f.id, value: unsetFieldValue(f.type) }));
}
