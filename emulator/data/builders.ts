import type { IdAllocator } from '../ids';
import type { Attachment, ChildEvent, Comment, SystemInfo, TicketEvent, ViaObject } from '../model';
import type { Random } from '../random';
import { isoFromEpoch } from '../time';
import type { TextPools } from './textPools';

/** Pieces shared by the generator and by runtime mutations, so both produce identical shapes. */

/** The export's string `via` and the matching via object of the comment. */
export const VIA_KINDS: Array<{ label: string; channel: string }> = [
  { label: 'Web form', channel: 'web' },
  { label: 'Mail', channel: 'email' },
  { label: 'Web service', channel: 'api' },
  { label: 'Chat', channel: 'chat' },
  { label: 'Mobile', channel: 'mobile' },
];

// Records never mutate nested objects in place (changes replace the record), so identical nested
// values are shared between records: it keeps a 100k-ticket account's heap small.
const VIA_BY_CHANNEL = new Map<string, ViaObject>();

export function viaObject(channel: string): ViaObject {
  let via = VIA_BY_CHANNEL.get(channel);
  if (!via) VIA_BY_CHANNEL.set(channel, (via = { channel, source: { from: {}, to: {}, rel: null } }));
  return via;
}

export function systemInfo(random: Random, pools: TextPools): SystemInfo {
  return random.pick(pools.systems);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function htmlBody(body: string): string {
  const paragraphs = body.split(/\n{2,}/).map((p) => `<p dir="auto">${escapeHtml(p).replace(/\r?\n/g, '<br>')}</p>`);
  return `<div class="zd-comment" dir="auto">${paragraphs.join('')}</div>`;
}

export function makeAttachment(random: Random, ids: IdAllocator, pools: TextPools): Attachment {
  const file = random.pick(pools.fileNames);
  const image = file.image;
  return {
    id: ids.next(),
    token: random.token(25),
    file_name: file.name,
    content_type: file.type,
    size: random.int(120, 4_000_000),
    width: image ? random.int(64, 2400) : null,
    height: image ? random.int(64, 1600) : null,
    inline: image && random.chance(0.3),
    deleted: false,
    malware_access_override: false,
    malware_scan_result: random.pick(['malware_not_found', 'not_scanned', 'malware_not_found']),
  };
}

export interface CommentSpec {
  ticketId: number;
  auditId: number;
  authorId: number;
  body: string;
  public: boolean;
  createdAt: number;
  channel: string;
  system: SystemInfo;
  attachments: Attachment[];
}

export function makeComment(ids: IdAllocator, spec: CommentSpec): Comment {
  return {
    id: ids.next(),
    ticket_id: spec.ticketId,
    type: 'Comment',
    author_id: spec.authorId,
    body: spec.body,
    public: spec.public,
    attachments: spec.attachments,
    audit_id: spec.auditId,
    via: viaObject(spec.channel),
    created_at: isoFromEpoch(spec.createdAt),
    system: spec.system,
  };
}

const EMPTY_METADATA: Record<string, never> = {};

export function makeEvent(
  id: number,
  ticketId: number,
  timestamp: number,
  updaterId: number,
  via: string,
  system: SystemInfo,
  children: ChildEvent[],
): TicketEvent {
  return {
    id,
    ticket_id: ticketId,
    timestamp,
    created_at: isoFromEpoch(timestamp),
    updater_id: updaterId,
    via,
    system,
    metadata: EMPTY_METADATA,
    event_type: 'Audit',
    child_events: children,
  };
}
