import type {
  Activity,
  AuditLog,
  Comment,
  Group,
  GroupMembership,
  KeyedField,
  Organization,
  OrganizationMembership,
  SatisfactionRating,
  Skip,
  Ticket,
  TicketEvent,
  TicketField,
  TicketForm,
  TicketMetric,
  TicketMetricEvent,
  User,
} from './model';
import { epochFromIso } from './time';
import type { IdAllocator } from './ids';
import type { HelpCenterTables } from './data/helpCenter';
import { ConfigurationStore } from './data/configuration';

interface TimeIndex<T> {
  version: number;
  records: T[];
  /** ts[i] is the export timestamp of records[i]; both sorted by (ts, id). */
  ts: Float64Array;
}

/**
 * One kind of record, by id, with what makes serving fast: a cache of each record's serialised JSON
 * (per variant, dropped when the record changes) and sorted views rebuilt only after a change.
 */
export class Table<T extends { id: number }> {
  readonly rows = new Map<number, T>();
  private readonly jsonCache = new Map<string, Map<number, string | Buffer>>();
  private version = 0;
  private timeIndex: TimeIndex<T> | null = null;
  private readonly orderCache = new Map<string, { version: number; records: T[] }>();
  private renderCount = 0;

  /** `exportTimestamp` is the field an incremental export orders and filters on. */
  constructor(
    readonly name: string,
    private readonly exportTimestamp: ((record: T) => number) | null = null,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get(id: number): T | undefined {
    return this.rows.get(id);
  }

  /** Insert or replace; the caller must not mutate a stored record in place without calling this. */
  put(record: T): T {
    this.rows.set(record.id, record);
    this.invalidate(record.id);
    return record;
  }

  remove(id: number): boolean {
    const existed = this.rows.delete(id);
    if (existed) this.invalidate(id);
    return existed;
  }

  all(): T[] {
    return [...this.rows.values()];
  }

  invalidate(id: number): void {
    for (const cache of this.jsonCache.values()) cache.delete(id);
    this.version++;
  }

  clearJsonCache(): void {
    this.jsonCache.clear();
  }

  /** How many times a record's JSON had to be rendered (a cache miss); tests use it to prove warmth. */
  get renders(): number {
    return this.renderCount;
  }

  json(record: T, variant: string, build: (record: T) => string): string {
    return this.cached(record, variant, build);
  }

  /**
   * The record's JSON as UTF-8 bytes, for export pages. Buffers live outside the V8 heap and are
   * concatenated without re-encoding, so a 100k-ticket account's cached pages neither hit the heap
   * limit nor cost an encode per request.
   */
  bytes(record: T, variant: string, render: (record: T) => string): Buffer {
    return this.cached(record, `${variant}:bytes`, (r) => Buffer.from(render(r), 'utf8'));
  }

  private cached<V extends string | Buffer>(record: T, variant: string, build: (record: T) => V): V {
    let cache = this.jsonCache.get(variant);
    if (!cache) this.jsonCache.set(variant, (cache = new Map()));
    let value = cache.get(record.id) as V | undefined;
    if (value === undefined) {
      this.renderCount++;
      value = build(record);
      cache.set(record.id, value);
    }
    return value;
  }

  /** Records sorted by (export timestamp, id), as the incremental exports walk them. */
  byExportTime(): TimeIndex<T> {
    if (!this.exportTimestamp) throw new Error(`${this.name} has no export timestamp`);
    if (this.timeIndex && this.timeIndex.version === this.version) return this.timeIndex;
    const tsOf = this.exportTimestamp;
    const keyed = [...this.rows.values()].map((record) => ({ record, ts: tsOf(record) }));
    keyed.sort((a, b) => a.ts - b.ts || a.record.id - b.record.id);
    const ts = new Float64Array(keyed.length);
    const records = keyed.map((k, i) => {
      ts[i] = k.ts;
      return k.record;
    });
    this.timeIndex = { version: this.version, records, ts };
    return this.timeIndex;
  }

  exportTimestampOf(record: T): number {
    if (!this.exportTimestamp) throw new Error(`${this.name} has no export timestamp`);
    return this.exportTimestamp(record);
  }

  /** Records in a list endpoint's order; cached until the table changes. */
  ordered(orderName: string, order: { key: (record: T) => [number | string, number]; desc: boolean }): T[] {
    const hit = this.orderCache.get(orderName);
    if (hit && hit.version === this.version) return hit.records;
    // Keys computed once per record, not once per comparison (they may parse timestamps).
    const keyed = [...this.rows.values()].map((record) => ({ record, key: order.key(record) }));
    keyed.sort((a, b) => {
      const primary = a.key[0] < b.key[0] ? -1 : a.key[0] > b.key[0] ? 1 : 0;
      return (order.desc ? -primary : primary) || a.key[1] - b.key[1];
    });
    const records = keyed.map((k) => k.record);
    this.orderCache.set(orderName, { version: this.version, records });
    return records;
  }
}

/** Every record of the emulated account. */
export class Store {
  readonly tickets = new Table<Ticket>('tickets', (t) => t.generated_timestamp);
  readonly ticketMetrics = new Table<TicketMetric>('ticket_metrics');
  readonly ticketEvents = new Table<TicketEvent>('ticket_events', (e) => e.timestamp);
  readonly comments = new Table<Comment>('comments');
  readonly ticketMetricEvents = new Table<TicketMetricEvent>('ticket_metric_events', (e) => epochFromIso(e.time));
  readonly users = new Table<User>('users', (u) => epochFromIso(u.updated_at));
  readonly organizations = new Table<Organization>('organizations', (o) => epochFromIso(o.updated_at));
  readonly groups = new Table<Group>('groups');
  readonly groupMemberships = new Table<GroupMembership>('group_memberships');
  readonly organizationMemberships = new Table<OrganizationMembership>('organization_memberships');
  readonly ticketFields = new Table<TicketField>('ticket_fields');
  readonly userFields = new Table<KeyedField>('user_fields');
  readonly organizationFields = new Table<KeyedField>('organization_fields');
  readonly ticketForms = new Table<TicketForm>('ticket_forms');
  readonly activities = new Table<Activity>('activities');
  readonly satisfactionRatings = new Table<SatisfactionRating>('satisfaction_ratings');
  readonly skips = new Table<Skip>('skips');
  readonly auditLogs = new Table<AuditLog>('audit_logs');

  /** Ticket id -> its metric set id, event ids and comment ids (in creation order). */
  readonly metricIdByTicket = new Map<number, number>();
  readonly eventIdsByTicket = new Map<number, number[]>();
  readonly commentIdsByTicket = new Map<number, number[]>();

  /** Help Center and community records (emulator/data/helpCenter.ts), set when the account is generated. */
  helpCenter!: HelpCenterTables;
  /** Configuration, service levels and routing (data/configuration.ts); replaced by the generator. */
  configuration = new ConfigurationStore(0);

  /** The user ids behind the emulator's credentials. */
  adminUserId = 0;
  agentUserId = 0;
  /** The next ticket "nice id". */
  nextTicketId = 1;

  constructor(readonly ids: IdAllocator) {}

  tables(): Array<Table<{ id: number }>> {
    return [
      this.tickets,
      this.ticketMetrics,
      this.ticketEvents,
      this.comments,
      this.ticketMetricEvents,
      this.users,
      this.organizations,
      this.groups,
      this.groupMemberships,
      this.organizationMemberships,
      this.ticketFields,
      this.userFields,
      this.organizationFields,
      this.ticketForms,
      this.activities,
      this.satisfactionRatings,
      this.skips,
      this.auditLogs,
      ...(this.helpCenter?.tables() ?? []),
    ] as unknown as Array<Table<{ id: number }>>;
  }

  /** After a base-URL change every cached JSON string holds stale urls. */
  clearJsonCaches(): void {
    for (const table of this.tables()) table.clearJsonCache();
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const table of this.tables()) out[table.name] = table.size;
    return out;
  }

  addEvent(event: TicketEvent): void {
    this.ticketEvents.put(event);
    let ids = this.eventIdsByTicket.get(event.ticket_id);
    if (!ids) this.eventIdsByTicket.set(event.ticket_id, (ids = []));
    ids.push(event.id);
  }

  addComment(comment: Comment): void {
    this.comments.put(comment);
    let ids = this.commentIdsByTicket.get(comment.ticket_id);
    if (!ids) this.commentIdsByTicket.set(comment.ticket_id, (ids = []));
    ids.push(comment.id);
  }

  addMetric(metric: TicketMetric): void {
    this.ticketMetrics.put(metric);
    this.metricIdByTicket.set(metric.ticket_id, metric.id);
  }

  metricOf(ticketId: number): TicketMetric | undefined {
    const id = this.metricIdByTicket.get(ticketId);
    return id === undefined ? undefined : this.ticketMetrics.get(id);
  }
}
