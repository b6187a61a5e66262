import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collections, streams } from '../../catalog/collections';
import type { Emulator } from '../../emulator';
import { get, startSmall } from './helpers';

/** Fetch every record of a catalog stream the way a client would (following each pagination style). */
async function readStream(emulator: Emulator, name: string, startTime = 0): Promise<{ records: any[]; sideloads: any[] }> {
  const stream = streams.find((s) => s.name === name)!;
  const records: any[] = [];
  const sideloads: any[] = [];
  const include = stream.includes?.map((i) => i.value).join(',');
  const extra = include ? `&include=${include}` : '';
  let url: string | null =
    stream.style === 'cursor_export' || stream.style === 'time_export'
      ? `${stream.path}?start_time=${startTime}${extra}`
      : stream.style === 'cursor_list'
        ? `${stream.path}?page[size]=100`
        : stream.path;
  while (url) {
    const { body, status }: { body: any; status: number } = await get(emulator, url);
    assert.equal(status, 200, url);
    records.push(...body[stream.recordsKey]);
    if (body.metric_sets) sideloads.push(...body.metric_sets);
    if (stream.style === 'cursor_export') url = body.end_of_stream ? null : body.after_url + extra;
    else if (stream.style === 'time_export') url = body.end_of_stream ? null : body.next_page + extra;
    else if (stream.style === 'cursor_list') url = body.meta.has_more ? body.links.next : null;
    else url = body.next_page;
  }
  return { records, sideloads };
}

const ids = (rows: Array<Record<string, unknown>>) => [...new Set(rows.map((r) => Number(r.id)))].sort((a, b) => a - b);

describe('ground truth', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startSmall({ tickets: 150, users: 50, sameSecondRun: 0 });
  });
  after(() => emulator.close());

  test('covers all 16 collections with exactly the catalog columns (minus received_at)', () => {
    const truth = emulator.groundTruth();
    assert.deepEqual(Object.keys(truth).sort(), collections.map((c) => c.name).sort());
    for (const collection of collections) {
      const rows = truth[collection.name]!;
      assert.ok(rows.length > 0, `${collection.name} has rows`);
      const expected = collection.columns.map((c) => c.name).filter((c) => c !== 'received_at');
      if (['tickets', 'users', 'organizations'].includes(collection.name)) expected.push('custom_fields');
      assert.deepEqual(Object.keys(rows[0]!).sort(), expected.sort(), collection.name);
      for (const row of rows) {
        for (const column of collection.columns) {
          const value = row[column.name];
          if (value === null || value === undefined) continue;
          if (column.type === 'bigint') assert.equal(typeof value, 'number', `${collection.name}.${column.name}`);
          if (column.type === 'timestamp')
            assert.match(String(value), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, `${collection.name}.${column.name}`);
          if (column.type === 'boolean') assert.equal(typeof value, 'boolean', `${collection.name}.${column.name}`);
        }
      }
    }
  });

  test('the ids match what a complete read of every stream returns', async () => {
    const truth = emulator.groundTruth();
    const tickets = await readStream(emulator, 'tickets');
    assert.deepEqual(ids(truth.tickets!), ids(tickets.records));
    assert.deepEqual(ids(truth.ticket_metrics!), ids(tickets.sideloads));
    const events = await readStream(emulator, 'ticket_events');
    assert.deepEqual(ids(truth.ticket_events!), ids(events.records));
    // Text and voice comments: both are comment children on the wire.
    const comments = events.records.flatMap((e) =>
      e.child_events.filter((c: any) => c.event_type === 'Comment' || c.event_type === 'VoiceComment'),
    );
    assert.ok(
      comments.some((c: any) => c.event_type === 'VoiceComment'),
      'the account has voice comments',
    );
    assert.deepEqual(ids(truth.ticket_comments!), ids(comments));
    assert.deepEqual(ids(truth.attachments!), ids(comments.flatMap((c: any) => c.attachments)));
    for (const stream of [
      'users',
      'organizations',
      'groups',
      'ticket_fields',
      'activities',
      'satisfaction_ratings',
      'ticket_forms',
      'ticket_skips',
      'organization_memberships',
      'group_memberships',
      'audit_logs',
    ]) {
      const { records } = await readStream(emulator, stream);
      const collection = collections.find((c) => c.stream === stream)!;
      assert.deepEqual(ids(truth[collection.name]!), ids(records), stream);
    }
  });

  test('voice comments are ticket_comments rows of type VoiceComment, matching what the export sends', async () => {
    const truth = emulator.groundTruth();
    const voiceRows = truth.ticket_comments!.filter((r) => r.type === 'VoiceComment');
    assert.ok(voiceRows.length > 0);
    const { records } = await readStream(emulator, 'ticket_events');
    const onWire = new Map<number, any>();
    for (const event of records) {
      for (const child of event.child_events) if (child.event_type === 'VoiceComment') onWire.set(child.id, { event, child });
    }
    assert.deepEqual(
      ids(voiceRows),
      [...onWire.keys()].sort((a, b) => a - b),
    );
    for (const row of voiceRows) {
      const { event, child } = onWire.get(row.id as number);
      assert.equal(child.type, 'VoiceComment');
      assert.equal(row.ticket_event_id, event.id);
      assert.equal(row.ticket_id, event.ticket_id);
      assert.equal(row.body, child.body);
      assert.equal(row.public, false);
      assert.equal(child.public, false);
      assert.deepEqual(child.attachments, []);
      assert.equal(row.author_id, child.author_id);
      assert.equal(child.data.answered_by_id, child.author_id);
      assert.deepEqual(Object.keys(child.data).sort(), [
        'answered_by_id',
        'call_duration',
        'call_id',
        'from',
        'location',
        'recording_url',
        'started_at',
        'to',
        'transcription_text',
      ]);
      assert.ok(child.data.recording_url.startsWith(emulator.canonicalBaseUrl + '/'));
      assert.match(child.formatted_from, /^\+1 \(\d{3}\) \d{3}-\d{4}$/);
      assert.match(child.formatted_to, /^\+1 \(\d{3}\) \d{3}-\d{4}$/);
      assert.equal(typeof child.html_body, 'string');
      assert.equal(child.plain_body, child.body);
      assert.deepEqual(row.via, child.via);
      assert.equal(child.via.channel, 'voice');
    }
  });

  test('values are normalised and custom fields typed per definition', async () => {
    const truth = emulator.groundTruth();
    const fields = (await get(emulator, '/api/v2/ticket_fields')).body.ticket_fields;
    const typeOf = new Map(fields.map((f: any) => [String(f.id), f.type]));
    const seen = new Set<string>();
    for (const row of truth.tickets!) {
      for (const [key, value] of Object.entries(row.custom_fields as Record<string, unknown>)) {
        const type = typeOf.get(key);
        assert.ok(type, `custom field ${key} is defined`);
        if (value === null) continue;
        seen.add(type as string);
        if (type === 'checkbox') assert.equal(typeof value, 'boolean');
        else if (type === 'integer' || type === 'decimal') assert.equal(typeof value, 'number');
        else if (type === 'date') assert.match(String(value), /^\d{4}-\d\d-\d\d$/);
        else if (type === 'multiselect') assert.ok(Array.isArray(value));
        else assert.equal(typeof value, 'string');
      }
    }
    for (const t of ['checkbox', 'integer', 'decimal', 'date', 'multiselect', 'tagger', 'text', 'textarea', 'regexp'])
      assert.ok(seen.has(t), t);
    for (const row of truth.users!)
      for (const value of Object.values(row.custom_fields as object))
        if (typeof value === 'string' && /T00:00/.test(value)) assert.fail('user dates are YYYY-MM-DD');
    const field = truth.ticket_fields!.find((r) => r.title === 'Product Line')!;
    assert.equal(field.slug, 'product_line');
    const event = truth.ticket_events![0]!;
    assert.equal(event.ticket_event_id, event.id);
    assert.equal(event.ticket_event_via, event.via);
    assert.equal(typeof event.context_latitude, 'number');
    const metric = truth.ticket_metrics![0]!;
    assert.ok('reply_time_in_minutes_calendar' in metric && 'on_hold_time_in_minutes_business' in metric);
  });

  test('lookback windows and the emulated now limit the export-fed collections', () => {
    const all = emulator.groundTruth();
    const since = emulator.now() - 365 * 86_400;
    const recent = emulator.groundTruth({ ticketsSince: since, ticketEventsSince: since });
    assert.ok(recent.tickets!.length < all.tickets!.length, 'some tickets are older than a year');
    assert.ok(recent.tickets!.every((r) => emulator.store.tickets.get(r.id as number)!.generated_timestamp >= since));
    assert.equal(recent.ticket_metrics!.length, recent.tickets!.length);
    assert.ok(recent.ticket_events!.length < all.ticket_events!.length);
    assert.ok(recent.ticket_comments!.length < all.ticket_comments!.length);
    assert.equal(recent.groups!.length, all.groups!.length, 'lists are not windowed');
    const past = emulator.groundTruth({ now: emulator.now() - 200 * 86_400 });
    assert.ok(past.users!.length < all.users!.length);
  });
});
