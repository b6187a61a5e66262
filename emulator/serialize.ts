import { htmlBody } from './data/builders';
import type { Attachment, Comment, Photo, Ticket, TicketEvent, User } from './model';
import type { Store, Table } from './store';

/**
 * Turns internal records into the JSON text Zendesk sends. Each record is rendered once and cached
 * in its table — as a string for the list endpoints, as UTF-8 bytes for export pages — and pages are
 * then built by joining cached pieces, which keeps a 1000-record export page cheap. Records that
 * embed other records (skips embed a ticket, activities embed users) are spliced from the embedded
 * record's cached text, so a change to the embedded record needs no cross-table invalidation.
 */
export class Serializer {
  constructor(
    private readonly store: Store,
    private readonly baseUrl: () => string,
  ) {}

  private url(path: string): string {
    return `${this.baseUrl()}/api/v2/${path}`;
  }

  /** `{...}` + extra keys spliced before the closing brace. */
  private static splice(objectJson: string, extra: string): string {
    return objectJson.slice(0, -1) + extra + '}';
  }

  // --- renderers (uncached) ------------------------------------------------------------------------

  // Records are stringified as they are and spliced, not spread into new objects first: spreading a
  // 40-key record cost more than the stringify itself.

  /** `{"url":"…",` + the record's own keys + extra keys. */
  private withUrl(url: string, recordJson: string, extra = ''): string {
    const inner = recordJson.slice(1, -1);
    return `{"url":${JSON.stringify(url)}${inner ? ',' + inner : ''}${extra}}`;
  }

  private renderTicket = (t: Ticket): string =>
    this.withUrl(this.url(`tickets/${t.id}.json`), JSON.stringify(t), `,"fields":${JSON.stringify(t.custom_fields)}`);

  private renderUser = (u: User): string =>
    this.withUrl(
      this.url(`users/${u.id}.json`),
      JSON.stringify(u, (key, value) => (key === 'photo' ? this.photo(value as Photo | null) : value)),
    );

  private renderPlain(record: { id: number }, urlPath: string | null): string {
    return urlPath === null ? JSON.stringify(record) : this.withUrl(this.url(`${urlPath}/${record.id}.json`), JSON.stringify(record));
  }

  private renderComment = (c: Comment): string => {
    const common = {
      id: c.id,
      type: c.type,
      author_id: c.author_id,
      body: c.body,
      html_body: htmlBody(c.body),
      plain_body: c.body,
      public: c.public,
      attachments: c.attachments.map((a) => this.attachment(a)),
      audit_id: c.audit_id,
      via: c.via,
      created_at: c.created_at,
      metadata: { system: c.system, custom: {} },
    };
    if (!c.voice) return JSON.stringify(common);
    const call = c.voice;
    return JSON.stringify({
      ...common,
      data: {
        from: call.from,
        to: call.to,
        recording_url: `${this.baseUrl()}/api/v2/channels/voice/calls/${call.call_id}/twilio/call/recording`,
        call_id: call.call_id,
        call_duration: call.call_duration,
        answered_by_id: call.answered_by_id,
        transcription_text: call.transcription_text,
        started_at: call.started_at,
        location: call.location,
      },
      formatted_from: call.formatted_from,
      formatted_to: call.formatted_to,
    });
  };

  /**
   * A ticket event as the export sends it. `withComments` = `include=comment_events`: comment
   * children become full comment objects; otherwise they are reduced to comment_present/public flags.
   * A child's event_type is its comment's type: `Comment` or `VoiceComment`.
   */
  private renderTicketEvent(e: TicketEvent, withComments: boolean): string {
    const head = {
      id: e.id,
      ticket_id: e.ticket_id,
      timestamp: e.timestamp,
      created_at: e.created_at,
      updater_id: e.updater_id,
      via: e.via,
      system: e.system,
      metadata: e.metadata,
      event_type: e.event_type,
    };
    const children = e.child_events.map((child) => {
      if (child.event_type === 'Comment') {
        const comment = this.store.comments.get(child.comment_id);
        if (!comment) return 'null';
        if (withComments) return Serializer.splice(this.renderComment(comment), `,"event_type":"${comment.type}"`);
        return JSON.stringify({
          id: comment.id,
          via: e.via,
          via_reference_id: null,
          comment_present: true,
          comment_public: comment.public,
          event_type: comment.type,
        });
      }
      const out: Record<string, unknown> = { id: child.id, via: e.via, via_reference_id: null };
      out[child.field_name] = child.value;
      if (child.event_type === 'Change') out.previous_value = child.previous_value ?? null;
      out.event_type = child.event_type;
      return JSON.stringify(out);
    });
    return Serializer.splice(JSON.stringify(head), `,"child_events":[${children.join(',')}]`);
  }

  private photo(photo: Photo | null): unknown {
    if (!photo) return null;
    const content = `${this.baseUrl()}/system/photos/${photo.id}/${photo.file_name}`;
    return {
      url: this.url(`attachments/${photo.id}.json`),
      id: photo.id,
      file_name: photo.file_name,
      content_url: content,
      mapped_content_url: content,
      content_type: photo.content_type,
      size: photo.size,
      width: photo.width,
      height: photo.height,
      inline: false,
      deleted: false,
      thumbnails: [],
    };
  }

  attachment(a: Attachment): Record<string, unknown> {
    const content = `${this.baseUrl()}/attachments/token/${a.token}/?name=${encodeURIComponent(a.file_name)}`;
    return {
      url: this.url(`attachments/${a.id}.json`),
      id: a.id,
      file_name: a.file_name,
      content_url: content,
      mapped_content_url: content,
      content_type: a.content_type,
      size: a.size,
      width: a.width,
      height: a.height,
      inline: a.inline,
      deleted: a.deleted,
      malware_access_override: a.malware_access_override,
      malware_scan_result: a.malware_scan_result,
      thumbnails: [],
    };
  }

  // --- cached strings (list endpoints, embedding) ---------------------------------------------------

  ticket(ticket: Ticket): string {
    return this.store.tickets.json(ticket, 'api', this.renderTicket);
  }

  ticketById(id: number): string {
    const ticket = this.store.tickets.get(id);
    return ticket ? this.ticket(ticket) : 'null';
  }

  metricSet(ticketId: number): string | null {
    const metric = this.store.metricOf(ticketId);
    return metric ? this.store.ticketMetrics.json(metric, 'api', (m) => this.renderPlain(m, 'ticket_metrics')) : null;
  }

  user(user: User): string {
    return this.store.users.json(user, 'api', this.renderUser);
  }

  userById(id: number): string {
    const user = this.store.users.get(id);
    return user ? this.user(user) : 'null';
  }

  comment(comment: Comment): string {
    return this.store.comments.json(comment, 'api', this.renderComment);
  }

  /** Plain records: the API object is the record plus its `url` (none when urlPath is null). */
  plain<T extends { id: number }>(table: Table<T>, record: T, urlPath: string | null): string {
    return table.json(record, 'api', (r) => this.renderPlain(r, urlPath));
  }

  /** An activity embeds its user and actor as full user objects. */
  activity(activityJson: string, userId: number, actorId: number): string {
    return Serializer.splice(activityJson, `,"user":${this.userById(userId)},"actor":${this.userById(actorId)}`);
  }

  /** A skip embeds the full ticket. */
  skip(skipJson: string, ticketId: number): string {
    return Serializer.splice(skipJson, `,"ticket":${this.ticketById(ticketId)}`);
  }

  // --- cached bytes (export pages) -------------------------------------------------------------------

  ticketBytes(ticket: Ticket): Buffer {
    return this.store.tickets.bytes(ticket, 'api', this.renderTicket);
  }

  metricSetBytes(ticketId: number): Buffer | null {
    const metric = this.store.metricOf(ticketId);
    return metric ? this.store.ticketMetrics.bytes(metric, 'api', (m) => this.renderPlain(m, 'ticket_metrics')) : null;
  }

  userBytes(user: User): Buffer {
    return this.store.users.bytes(user, 'api', this.renderUser);
  }

  plainBytes<T extends { id: number }>(table: Table<T>, record: T, urlPath: string | null): Buffer {
    return table.bytes(record, 'api', (r) => this.renderPlain(r, urlPath));
  }

  ticketEventBytes(event: TicketEvent, withComments: boolean): Buffer {
    return this.store.ticketEvents.bytes(event, withComments ? 'comments' : 'plain', (e) => this.renderTicketEvent(e, withComments));
  }
}

/** Joins cached record bytes into `prefix item,item,... suffix` without re-encoding. */
export function joinBytes(prefix: string, items: Buffer[], suffix: string): Buffer {
  const parts: Buffer[] = [Buffer.from(prefix, 'utf8')];
  const comma = Buffer.from(',');
  items.forEach((item, i) => {
    if (i > 0) parts.push(comma);
    parts.push(item);
  });
  parts.push(Buffer.from(suffix, 'utf8'));
  return Buffer.concat(parts);
}
