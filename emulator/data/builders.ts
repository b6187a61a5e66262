import type { IdAllocator } from '../ids';
import type { Attachment, ChildEvent, Comment, Json, SystemInfo, TicketEvent, ViaObject, VoiceCall } from '../model';
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

/** A North American number as Zendesk Talk shows it: E.164 and "+1 (415) 555-0123". */
function phoneNumber(random: Random): { e164: string; formatted: string } {
  const area = random.int(201, 989);
  const exchange = random.int(200, 999);
  const line = String(random.int(0, 9999)).padStart(4, '0');
  return { e164: `+1${area}${exchange}${line}`, formatted: `+1 (${area}) ${exchange}-${line}` };
}

export interface VoiceCallSpec {
  /** Calls are numbered in a series of their own (they are not Support records). */
  callId: number;
  startedAt: number;
  answeredById: number;
  answeredByName: string;
  transcription: string;
}

/** An inbound call answered by an agent: the voice comment's `data` and its text. */
export function makeVoiceCall(random: Random, pools: TextPools, spec: VoiceCallSpec): { call: VoiceCall; body: string } {
  const caller = phoneNumber(random);
  const line = phoneNumber(random);
  const duration = random.int(15, 1800);
  const call: VoiceCall = {
    call_id: spec.callId,
    from: caller.e164,
    to: line.e164,
    formatted_from: caller.formatted,
    formatted_to: line.formatted,
    call_duration: duration,
    answered_by_id: spec.answeredById,
    transcription_text: spec.transcription,
    started_at: isoFromEpoch(spec.startedAt),
    location: random.pick(pools.places).location,
  };
  const minutes = Math.floor(duration / 60);
  const body = [
    `Inbound call from ${caller.formatted}`,
    `Call to: ${line.formatted}`,
    `Time of call: ${call.started_at}`,
    `Location: ${call.location}`,
    `Answered by: ${spec.answeredByName}`,
    `Length of phone call: ${minutes} minutes ${duration % 60} seconds`,
    '',
    `Transcription: ${spec.transcription}`,
  ].join('\n');
  return { call, body };
}

/** The via of a voice comment: Zendesk Talk puts the phone numbers in `source`. */
export function voiceVia(call: VoiceCall, callerName: string): ViaObject {
  const from: Record<string, Json> = { formatted_phone: call.formatted_from, phone: call.from, name: callerName };
  const to: Record<string, Json> = { formatted_phone: call.formatted_to, phone: call.to, name: 'Support line', brand_id: 360000358316 };
  return { channel: 'voice', source: { from, to, rel: 'inbound' } };
}

/**
 * Turns a comment into the voice comment of a call: private, no attachments, the call's text as its
 * body. The comment keeps its id, so making a comment a call allocates no id and shifts no other
 * record of the account.
 */
export function asVoiceComment(comment: Comment, call: VoiceCall, body: string, callerName: string): Comment {
  return { ...comment, type: 'VoiceComment', body, public: false, attachments: [], via: voiceVia(call, callerName), voice: call };
}
