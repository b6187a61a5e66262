/**
 * Records/s the client parses from a local stub serving 1000-ticket cursor-export pages, with no
 * rate limit. Pages are built and compressed before timing so the stub's own work is not measured.
 *   npx tsx test/zendesk/throughput.bench.ts [pages=30] [gzip=1]
 */
import { gzipSync } from 'node:zlib';
import { streams } from '../../catalog/collections';
import { createZendeskClient } from '../../zendesk';
import { startStub } from './stubServer';

function ticket(id: number, ts: number) {
  const iso = new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    url: `https://acme.zendesk.com/api/v2/tickets/${id}.json`,
    id,
    external_id: null,
    via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
    created_at: iso,
    updated_at: iso,
    generated_timestamp: ts,
    type: null,
    subject: `Printer on fire #${id}`,
    raw_subject: `Printer on fire #${id}`,
    description: 'The printer is on fire and the extinguisher is out of toner. '.repeat(4),
    priority: 'low',
    status: id % 7 === 0 ? 'deleted' : 'open',
    recipient: null,
    requester_id: 361089721035 + id,
    submitter_id: 360786799676,
    assignee_id: null,
    organization_id: null,
    group_id: 6130852536346,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: ['vip', 'printer'],
    custom_fields: [
      { id: 26155630658963, value: null },
      { id: 27648, value: 'yes' },
    ],
    satisfaction_rating: { score: 'offered' },
    sharing_agreement_ids: [],
    custom_status_id: 4044376,
    fields: [
      { id: 26155630658963, value: null },
      { id: 27648, value: 'yes' },
    ],
    followup_ids: [],
    ticket_form_id: 360000084116,
    brand_id: 360000358316,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

async function main() {
  const pageCount = Number(process.argv[2] ?? 30);
  const gzip = (process.argv[3] ?? '1') !== '0';
  const bodies: Buffer[] = [];
  let rawBytes = 0;
  for (let p = 0; p < pageCount; p++) {
    const tickets = Array.from({ length: 1000 }, (_, i) => ticket(p * 1000 + i + 1, 1_700_000_000 + p * 1000 + i));
    const json = JSON.stringify({
      tickets,
      after_url: `https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=c${p + 1}`,
      before_url: null,
      after_cursor: `c${p + 1}`,
      before_cursor: null,
      end_of_stream: p === pageCount - 1,
    });
    rawBytes += json.length;
    bodies.push(gzip ? gzipSync(json) : Buffer.from(json));
  }
  const stub = await startStub((request, res) => {
    const cursor = request.query.get('cursor');
    const index = cursor === null ? 0 : Number(cursor.slice(1));
    const body = bodies[index]!;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(body.length),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  });
  const client = createZendeskClient({
    baseUrl: stub.baseUrl,
    auth: { type: 'oauth', accessToken: 'bench' },
    rate: false,
  });
  const tickets = streams.find((s) => s.name === 'tickets')!;
  const started = process.hrtime.bigint();
  let records = 0;
  for await (const page of client.paginate(tickets, { startTime: 0, includes: [] })) records += page.records.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.close();
  await stub.close();
  console.log(
    JSON.stringify({
      pages: pageCount,
      records,
      gzip,
      rawMBPerPage: +(rawBytes / pageCount / 1e6).toFixed(2),
      seconds: +seconds.toFixed(2),
      recordsPerSecond: Math.round(records / seconds),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
