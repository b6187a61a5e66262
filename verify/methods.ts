/**
 * How `verify` compares each collection that Zendesk does not count for us, decided from the catalog so
 * that every collection (Segment's and the opt-in ones) gets an answer: a list Zendesk serves in full
 * and cheaply is read for its ids (one request per 100); everything else says why it is not compared.
 * Zendesk's count endpoints (tickets, users, organizations) are in run.ts's COUNTED_COLLECTIONS.
 */
import { streamByName } from '../catalog/collections';
import type { CollectionSpec } from '../catalog/types';

/** Lists Zendesk serves in full, but long: reading every id would cost about as much as a sync. */
const LONG_LISTS: Record<string, string> = {
  audit_logs: 'not compared: Zendesk has no count for it, and the log can be very long',
  ticket_audits: 'not compared: Zendesk has no count for it, and the list holds every audit of every ticket (as long as ticket_events)',
};

/** Kept word for word where the reason predates this file (operators may grep for it). */
const FULL_EXPORT = 'not compared: Zendesk has no count for it, and reading it means a full export';

export type CompareMethod = { method: 'ids' } | { method: 'none'; note: string };

export function compareMethodOf(collection: CollectionSpec): CompareMethod {
  const stream = streamByName(collection.stream);
  const long = LONG_LISTS[collection.name];
  if (long) return { method: 'none', note: long };
  if (collection.source.kind === 'sideload') {
    return {
      method: 'none',
      note: `not compared: Zendesk has no count for it (it comes with each record of ${stream.name}, which is compared)`,
    };
  }
  if (collection.source.kind === 'children') {
    // Events' comments and attachments need the export; ticket_tags come with tickets.
    if (stream.style === 'time_export' || stream.style === 'cursor_export') {
      return stream.name === 'tickets'
        ? { method: 'none', note: 'not compared: Zendesk has no count for it (derived from each ticket, which is compared)' }
        : { method: 'none', note: FULL_EXPORT };
    }
    return { method: 'none', note: `not compared: derived from ${stream.name}` };
  }
  if (stream.perParent) {
    const parent = stream.perParent.stream;
    return {
      method: 'none',
      note: `not compared: Zendesk lists it only per ${parent === 'community_posts' ? 'post' : parent.replace(/s$/, '').replace(/_/g, ' ')}, one request per parent (the sync's own cost, not spent on a check)`,
    };
  }
  if (stream.style === 'time_export' || stream.style === 'cursor_export') return { method: 'none', note: FULL_EXPORT };
  if (stream.fullRefresh) return { method: 'ids' };
  return { method: 'none', note: 'not compared' };
}
