/**
 * Suspended tickets (`/api/v2/suspended_tickets`): messages Zendesk held back instead of making
 * tickets (spam, an unverified sender, a bounce…), until an agent recovers or deletes them. Kept
 * beside the store, one table per store (the shared Store class stays as it is), generated after the
 * rest of the account from their own random stream, so the other generated data does not change.
 *
 * Recovering one makes a ticket and removes it from the list; deleting one removes it. Both are
 * mutations a second sync cycle must see as deletions (the list is read in full).
 */
import { Random } from './random';
import type { Store } from './store';
import { Table } from './store';
import type { Ticket, User, ViaObject } from './model';
import { viaObject } from './data/builders';
import { isoFromEpoch } from './time';

export interface SuspendedTicket {
  id: number;
  author: { id: number | null; name: string; email: string };
  subject: string;
  content: string;
  cause: string;
  cause_id: number;
  message_id: string;
  /** The ticket it would have updated (a follow-up to an existing ticket), else null. */
  ticket_id: number | null;
  recipient: string;
  brand_id: number;
  via: ViaObject;
  error_messages: null;
  attachments: [];
  created_at: string;
  updated_at: string;
}

const tables = new WeakMap<Store, Table<SuspendedTicket>>();

export function suspendedTicketsOf(store: Store): Table<SuspendedTicket> {
  let table = tables.get(store);
  if (!table) tables.set(store, (table = new Table<SuspendedTicket>('suspended_tickets')));
  return table;
}

/** Zendesk's documented causes, with their ids. */
const CAUSES: Array<[number, string]> = [
  [0, 'Detected as spam'],
  [1, 'Automated response mail'],
  [2, 'Detected sender as spam'],
  [9, 'Received from system address'],
  [20, 'Unverified email address'],
];

/** One per 50 tickets (at least 5), spread over the last 30 days before `latest`. */
export function generateSuspendedTickets(store: Store, seed: number | string, latest: number, ticketCount: number): void {
  const random = new Random(`${seed}:suspended`);
  const users = [...store.users.rows.values()].filter((u) => u.role === 'end-user' && u.active && u.email);
  const tickets = [...store.tickets.rows.values()].filter((t) => t.status !== 'deleted');
  const count = Math.max(5, Math.ceil(ticketCount / 50));
  for (let i = 0; i < count; i++) {
    const known = users.length > 0 && random.chance(0.5) ? random.pick(users) : null;
    const followUp = tickets.length > 0 && random.chance(0.3) ? random.pick(tickets) : null;
    const at = latest - random.int(0, 30 * 86_400);
    putSuspended(store, makeSuspended(store, random, known, followUp, at));
  }
}

function makeSuspended(store: Store, random: Random, known: User | null, followUp: Ticket | null, at: number): SuspendedTicket {
  const [causeId, cause] = random.pick(CAUSES);
  const email = known?.email ?? `sender${random.int(1000, 9999)}@example.net`;
  return {
    id: store.ids.next(),
    author: { id: known ? known.id : null, name: known ? known.name : email.split('@')[0]!, email },
    subject: followUp ? `Re: ${followUp.subject}` : `Message ${random.token(6)}`,
    content: `Held back: ${cause.toLowerCase()}.`,
    cause,
    cause_id: causeId,
    message_id: `<${random.token(16)}@example.net>`,
    ticket_id: followUp ? followUp.id : null,
    recipient: 'support@example.zendesk.com',
    brand_id: 360000358316,
    via: viaObject('email'),
    error_messages: null,
    attachments: [],
    created_at: isoFromEpoch(at),
    updated_at: isoFromEpoch(at),
  };
}

function putSuspended(store: Store, suspended: SuspendedTicket): SuspendedTicket {
  return suspendedTicketsOf(store).put(suspended);
}

/** A new suspended message now (mutation for tests). */
export function suspendMessage(store: Store, now: number, seed = 'mutation'): SuspendedTicket {
  const random = new Random(`${seed}:${store.ids.current}`);
  return putSuspended(store, makeSuspended(store, random, null, null, now));
}

/** An agent recovers or deletes a suspended ticket: it leaves the list. */
export function removeSuspended(store: Store, id: number): boolean {
  return suspendedTicketsOf(store).remove(id);
}
