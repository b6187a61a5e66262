// The emulator's field history agrees with its tickets: for every field a ticket's events record,
// the last recorded value is the ticket's current value (ticket_field_history and tickets tell the
// same story), and the deleted-ticket and deleted-user views list exactly the soft-deleted records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldChildEvent, Ticket } from '../../emulator/model';
import { startSmall } from './helpers';

const TRACKED = ['status', 'priority', 'tags', 'subject'] as const;

test('the last recorded value of each field is the ticket’s current value', async () => {
  const e = await startSmall({ tickets: 300, sameSecondRun: 20 });
  try {
    const m = e.mutations;
    const some = [...e.store.tickets.rows.values()].filter((t) => t.status !== 'deleted').slice(0, 3);
    m.updateTicket(some[0]!.id, { tags: ['changed'], priority: 'low' });
    m.deleteTicket(some[1]!.id);
    m.createTicket({ tags: ['fresh', 'new'] } as never);
    const mismatches: string[] = [];
    let compared = 0;
    for (const ticket of e.store.tickets.rows.values()) {
      const last = new Map<string, unknown>();
      for (const eventId of e.store.eventIdsByTicket.get(ticket.id) ?? []) {
        for (const child of e.store.ticketEvents.get(eventId)!.child_events) {
          if (child.event_type === 'Create' || child.event_type === 'Change')
            last.set((child as FieldChildEvent).field_name, (child as FieldChildEvent).value);
        }
      }
      for (const field of TRACKED) {
        if (!last.has(field)) continue;
        if (field === 'subject' && ticket.subject === 'SCRUBBED') continue; // scrubbing rewrites without an event
        compared++;
        const current = ticket[field as keyof Ticket];
        if (JSON.stringify(last.get(field)) !== JSON.stringify(current))
          mismatches.push(`ticket ${ticket.id}.${field}: history ${JSON.stringify(last.get(field))}, ticket ${JSON.stringify(current)}`);
      }
    }
    assert.ok(compared > 600, `${compared} fields compared`);
    assert.deepEqual(mismatches.slice(0, 10), []);
  } finally {
    await e.close();
  }
});
