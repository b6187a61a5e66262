/**
 * The shape of the collection catalog. A collection is one warehouse table; a stream is one thing
 * fetched from Zendesk. One stream can feed several tables (the ticket export feeds `tickets` and
 * `ticket_metrics`; the ticket-event export feeds `ticket_events`, `ticket_comments` and
 * `attachments`), so the catalog describes both and how records travel from one to the other.
 *
 * Everything here is data: adding a collection means adding an entry in `collections.ts`,
 * never a new code path.
 */

/** Warehouse column types. Every destination maps each of these to one native type. */
export type ColumnType =
  | 'bigint' // ids, counts (Zendesk ids fit below 2^53)
  | 'double' // latitude, decimal custom fields
  | 'boolean'
  | 'text' // unbounded
  | 'timestamp' // with time zone; values are ISO-8601 UTC strings
  | 'date' // YYYY-MM-DD (date custom fields)
  | 'json'; // arrays and objects (tags, via, multiselect values)

/** How a raw value becomes a column value, beyond type coercion. */
export type ValueTransform =
  | 'epoch_to_timestamp' // Unix seconds -> ISO string (ticket_events.timestamp)
  | 'to_text' // any scalar -> its text (users.url is the user id, as Segment writes it)
  | 'slugify'; // "Product Line" -> "product_line" (ticket_fields.slug)

export interface ColumnSpec {
  /** Warehouse column name, exactly as Segment's schema names it. */
  name: string;
  type: ColumnType;
  /**
   * Dotted path into the record (default: the column name). `parent.x` reads field x of the
   * enclosing record when the table is extracted from nested children (ticket comments read
   * `parent.ticket_id`). A list of paths means "first one that is present".
   */
  from?: string | string[];
  transform?: ValueTransform;
  /**
   * A key made of several values (a table whose natural key is a pair, e.g. ticket and tag): the
   * texts of these paths joined with ':'; null when any of them is missing. Replaces `from`.
   */
  joinOf?: string[];
}

/** The four ways Zendesk pages through data; one generic engine exists per style. */
export type PaginationStyle =
  | 'cursor_export' // incremental, cursor-based: start_time once, then cursor / after_cursor
  | 'time_export' // incremental, time-based: start_time -> end_time, boundary duplicates
  | 'cursor_list' // page[size] / meta.has_more / links.next
  | 'offset_list'; // page / next_page

/** Which of the account's rate budgets a request spends. */
export type RateBucket = 'core' | 'export';

/** A value a child's field is compared with (strict equality). */
export type WhereValue = string | number | boolean;

/** One step when walking from a stream record into nested children. */
export interface ExtractStep {
  /** Array-valued key to descend into (top-level page key when `scope` is 'page'). */
  key: string;
  /**
   * Keep only children whose fields match every entry: equal to the value, or to one of the
   * values of a list (`{ event_type: ['Comment', 'VoiceComment'] }`).
   */
  where?: Record<string, WhereValue | readonly WhereValue[]>;
  /**
   * The array holds scalars (a ticket's `tags`): each element becomes the record `{ [scalarAs]: element }`,
   * so one row per element can be derived (`ticket_tags`). Objects in such an array are skipped.
   */
  scalarAs?: string;
  /**
   * Each child names what it changed by a key of its own rather than by a `field_name` property (the
   * ticket-event export's `Create`/`Change` children: `{"id":1,"status":"open","previous_value":"new"}`).
   * The child becomes `{ ...child, [nameAs]: <that key>, [valueAs]: <its value> }`: the key is the first
   * one not listed in `otherKeys`; a child with no such key is skipped.
   */
  changedKey?: { nameAs: string; valueAs: string; otherKeys: readonly string[] };
}

/** How one table's rows are found in a stream's pages. */
export interface TableSource {
  /**
   * 'record': each record of the stream is one row.
   * 'sideload': rows are a top-level array of the page next to the records (e.g. `metric_sets`);
   *   `embeddedKey` names the same object when a server embeds it in each record instead.
   * 'children': rows are found by walking `path` from each record; `parent.*` refers to the
   *   record one level up.
   */
  kind: 'record' | 'sideload' | 'children';
  sideloadKey?: string;
  embeddedKey?: string;
  path?: ExtractStep[];
}

/** Where custom-field values live on a record and where their definitions come from. */
export interface CustomFieldSource {
  /**
   * 'id_value_list': `custom_fields: [{id, value}]` (tickets); definitions keyed by id.
   * 'keyed_object': `user_fields: {key: value}` (users, organizations); definitions keyed by `key`.
   */
  shape: 'id_value_list' | 'keyed_object';
  recordKey: string;
  /** Core API list endpoint holding the definitions (ticket_fields, user_fields, organization_fields). */
  definitionsPath: string;
  definitionsKey: string;
}

/** The connectors a comparison is made with (README, "Collections"). */
export type AnchorConnector = 'fivetran' | 'airbyte' | 'databricks';
export const ANCHOR_CONNECTORS: readonly AnchorConnector[] = ['fivetran', 'airbyte', 'databricks'];

export interface CollectionSpec {
  /** Warehouse table name (= Segment's collection name). */
  name: string;
  description: string;
  enabledByDefault: boolean;
  primaryKey: string;
  columns: ColumnSpec[];
  /** The stream that carries this collection's records. */
  stream: string;
  source: TableSource;
  /**
   * Field whose larger value means a newer version of the same row; used to keep the newest copy
   * when a page or batch holds one id twice. Absent = last seen wins.
   */
  freshness?: string;
  /**
   * The warehouse column an upsert compares to never write an older version of a row over a newer one
   * (see `WarehouseTable.versionColumn`). Default: the freshness field, when it is a column. Needed
   * only when the freshness field is not stored (tickets).
   */
  versionColumn?: string;
  customFields?: CustomFieldSource;
  /**
   * Which anchor connectors offer this table, each with its own name for it (`{ fivetran: 'ticket' }`),
   * as their published table lists show. A connector left out does not list it; the whole field
   * absent means nobody has looked yet (docs/collections.md shows "?").
   */
  offeredBy?: Partial<Record<AnchorConnector, string>>;
  /**
   * The table holds, for each record of its stream, the rows derived from that record (a ticket's
   * tags, a user's identities), and a record's new version replaces them all: on every page, the rows
   * whose `column` equals the `recordKey` of one of the page's records are deleted, in the page's
   * transaction, before the page's rows are written. So a tag removed from a ticket leaves the table
   * when the ticket next changes. `column` must be one of the table's columns. `recordCollection`:
   * the collection of the records themselves (tickets); when it is enabled too and has a version
   * column, only a record whose version is not older than the stored one replaces its rows (see
   * `TableBatch.replaces`); when it is not enabled, the last page written replaces them.
   */
  replacesRowsOf?: { recordKey: string; column: string; recordCollection?: string };
}

export interface StreamSpec {
  name: string;
  style: PaginationStyle;
  /** Path under the account's base URL, e.g. `/api/v2/incremental/tickets/cursor.json`. */
  path: string;
  /** Top-level key of the page that holds the records. */
  recordsKey: string;
  bucket: RateBucket;
  /** Fixed query parameters sent on the first request (the engine re-appends them to next links). */
  params?: Record<string, string>;
  /** Sideloads asked for with `include=`, each only when one of the listed tables is enabled. */
  includes?: Array<{ value: string; forTables: string[] }>;
  /**
   * Incremental exports: how far back the first sync starts. `null` = from the beginning of the
   * account (start_time=0); a number = that many days before the first sync.
   */
  initialLookbackDays?: number | null;
  /** Lists with no incremental filter are read in full each run. */
  fullRefresh: boolean;
  /**
   * Lists read in full that Zendesk also lets filter by time: between reconciliations (a full read,
   * see the source setting `reconcileEveryHours`) a cycle reads only the records the filter returns
   * from the start of the last complete read minus `overlapSeconds`, and upserts them without
   * deleting anything. Absent: the list is read in full every cycle.
   */
  incrementalFilter?: IncrementalListFilter;
  /**
   * Lists read in full: after a read that reached the last page, rows the read did not list are
   * deleted from the warehouse (Zendesk deleted them, or aged them out). true keeps them instead: for
   * records Zendesk never deletes, only drops after its retention period, so the warehouse keeps
   * the history Zendesk no longer serves.
   */
  keepUnlisted?: boolean;
  /**
   * Collections that Zendesk gates by plan or role: a 403/404 skips the stream with a warning
   * instead of failing the sync.
   */
  skipWhenForbidden: boolean;
  /**
   * The Zendesk plan, add-on or setting the endpoint needs, in words (`'Enterprise'`); absent = every
   * plan. Shown by `client.ts collections` and docs/collections.md beside `skipWhenForbidden`.
   */
  requires?: string;
  /**
   * Exports: the field the export orders records by (epoch seconds or an ISO time). Time-based
   * exports dedupe boundary duplicates on it (keeping the largest); a backfill with an end time
   * stops once a page reaches past that end.
   */
  timeField?: string;
  /**
   * Records Zendesk lists only per parent record (article comments and votes, post comments, a
   * schedule's holidays, a skill type's values): the
   * path holds `{parent_id}`, and each cycle lists the parent stream's ids (read the cheap way that
   * stream is read), then reads this list (in its `style`) once per parent, in id order. Lists read
   * this way are read in full each run (`fullRefresh`), so deletions sweep as for any full list.
   */
  perParent?: PerParentSpec;
}

/**
 * A list's time filter, as Zendesk's reference gives it (zendesk-api.md §5). The value sent is the
 * start of the stream's last complete read minus `overlapSeconds`; the overlap covers clock skew
 * between the worker and Zendesk, records committed while that read was under way, and changes that
 * do not move `field` when they happen within the overlap after the record's creation. Changes the
 * filter still misses land at the next reconciliation.
 *
 * Shape 'newest_first' is for a list with no time filter that Zendesk serves newest first when asked
 * (`param=desc`, e.g. skips' `sort_order`): the read stops after the first page that reaches before
 * that same lower bound. Only for records that never change after creation (a change would not bring
 * a record back to the front). The order is checked on every page: a list that does not come newest
 * first is read to its end (correct, at a full read's cost).
 */
export interface IncrementalListFilter {
  /** The query parameter (`start_time`, `since`, `filter[created_at][]`; `sort_order` for newest_first). */
  param: string;
  /**
   * How the time is written: Unix seconds or ISO-8601 UTC (`2024-01-31T12:00:00Z`); for
   * newest_first, how the records carry `field`.
   */
  format: 'epoch' | 'iso';
  /**
   * 'from': the parameter once, the lower bound. 'range': the parameter twice, the lower then an
   * upper bound (Zendesk applies a created_at range only with both), the upper one a day past the
   * read's start so that no clock skew hides a record. 'newest_first': the parameter set to `desc`,
   * the lower bound applied by stopping (see above).
   */
  shape: 'from' | 'range' | 'newest_first';
  /** The record field Zendesk compares (newest_first: the field the list is ordered by and stopped on). */
  field: string;
  overlapSeconds: number;
  /** Why this filter and overlap are safe for this collection. */
  why: string;
}

export interface PerParentSpec {
  /** The stream whose records are the parents (e.g. `articles`). */
  stream: string;
  /**
   * Field of each child record set to its parent's id when Zendesk leaves it out (a schedule's
   * holidays carry no schedule_id). Absent: children are kept as Zendesk sends them.
   */
  parentIdField?: string;
  /**
   * The most parents a cycle reads children for: above it the stream fails with a message naming
   * the bound, never silently reading only some parents. Bounds the requests a cycle spends on it.
   */
  maxParents: number;
}

export interface Catalog {
  streams: StreamSpec[];
  collections: CollectionSpec[];
}
