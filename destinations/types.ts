/**
 * The warehouse interface. SQLite, Postgres and Snowflake all sit behind it unchanged.
 *
 * Rows arrive already mapped to warehouse columns by the catalog mapper:
 *   bigint -> number (or a decimal string beyond 2^53), double -> number, boolean -> boolean,
 *   text -> string, timestamp -> ISO-8601 string, date -> 'YYYY-MM-DD', json -> any JS value,
 *   absent or null -> NULL.
 * Every destination applies the same text rule (see `shared/textCleaning.ts`): NUL characters are stripped and
 * lone UTF-16 surrogates become U+FFFD, in text columns and inside JSON alike.
 */
import type { ColumnType } from '../catalog/types';

export interface WarehouseColumn {
  /** Already a safe identifier (lowercase [a-z0-9_], starts with a letter or _, <= 63 bytes). */
  name: string;
  type: ColumnType;
}

export interface WarehouseTable {
  name: string;
  primaryKey: string;
  columns: WarehouseColumn[];
  /**
   * The column holding the record's version (its updated_at, or an event's time), one of `columns`.
   * When set, an upsert never replaces a row whose version is newer than the incoming row's: a page
   * fetched earlier but written later (a backfill beside a regular cycle) cannot undo a newer write.
   * An equal version still updates (an idempotent rewrite, a change within the same second), and so
   * does a NULL version on either side (it cannot prove the incoming row older). Absent: the last
   * write wins.
   */
  versionColumn?: string;
}

export type Row = Record<string, unknown>;

export interface TableBatch {
  table: WarehouseTable;
  rows: Row[];
  /**
   * Rows whose `column` holds one of `keys` are deleted before this batch's rows are written, in the
   * same transaction (the rows derived from a record are replaced by those of its new version; see
   * `CollectionSpec.replacesRowsOf`). `keys` are already values of the column's type.
   *
   * `recordTable`: the table of the records themselves (tickets for ticket_tags), when the same
   * upsert call writes it too and it has a `versionColumn`. Then the replacement is version-guarded
   * like that table's upsert: the writer writes the record table first, and for a key whose stored
   * record is newer than the call's (the record's upsert kept the newer row) it neither deletes nor
   * inserts derived rows, so a page fetched earlier but written later cannot bring back an older
   * record's rows. A key the record table's batch lacks, or no `recordTable` (the record table is not
   * enabled), replaces unconditionally, as the last write wins.
   */
  replaces?: { column: string; keys: unknown[]; recordTable?: string };
}

export interface UpsertOptions {
  /**
   * The batches are a page of the complete read `fullReadId` (see `beginFullRead`): every row's
   * primary key is recorded as seen by that read, never later than the row itself is committed.
   */
  fullReadId?: string;
}

/** What `finishFullRead` did for one table. */
export interface FullReadSweep {
  /**
   * false: the read was no longer the table's current read (a newer read began, or this one was
   * already finished), so nothing was deleted.
   */
  swept: boolean;
  /** Rows deleted because the read did not list them. */
  deleted: number;
}

export interface UpsertResult {
  /** Rows written per table (after de-duplication within the batch). */
  rowsByTable: Record<string, number>;
}

/**
 * Rows a verification count leaves out: those whose column equals a value (tickets with status
 * 'deleted', users with active false) or is set at all (organizations with deleted_at). A NULL never
 * equals anything, so rows with a NULL there are counted.
 */
export type RowExclusion = { column: string; equals: string | boolean } | { column: string; isSet: true };

export interface Destination {
  readonly kind: 'sqlite' | 'postgres' | 'snowflake' | 'bigquery';
  /** Creates the schema (one per source, named after it) if it does not exist. */
  ensureSchema(schema: string): Promise<void>;
  /**
   * Creates the table if missing; adds any column of `table` it lacks. Never drops, renames or
   * retypes a column, never resets data.
   */
  ensureTable(schema: string, table: WarehouseTable): Promise<void>;
  /**
   * Upserts every batch by primary key in ONE transaction: all tables of a page land together or
   * none does. Idempotent: the same call twice leaves the same rows. Within a batch, a key seen
   * twice keeps its last row. Columns missing from a row are written as NULL.
   */
  upsert(schema: string, batches: TableBatch[], options?: UpsertOptions): Promise<UpsertResult>;
  /**
   * Deletions in collections read in full (lists without an incremental filter). Zendesk says nothing
   * when a list record is deleted; the record is simply no longer listed. So a read of the whole list
   * that reached its last page tells which rows are gone:
   *   1. `beginFullRead` when the read starts from the first page: `readId` becomes each table's
   *      current read, and the seen keys of any earlier, unfinished read of the table are dropped;
   *   2. every page is upserted with `{ fullReadId: readId }` (a retry resuming mid-list keeps the
   *      same id, so the keys seen before the retry still count);
   *   3. `finishFullRead` after the last page, in one transaction: deletes the rows whose key the
   *      read did not see, then forgets the read and its keys.
   * The seen keys live in the metadata area (schema `zendesk_sync`), never in the source schema. A
   * read that does not reach its last page (failed, cancelled, paused, cut short) never gets to
   * step 3 and deletes nothing; a read that is not the table's current read any more deletes nothing.
   */
  beginFullRead(schema: string, tables: string[], readId: string): Promise<void>;
  finishFullRead(schema: string, table: WarehouseTable, readId: string): Promise<FullReadSweep>;
  /**
   * Small key/value store for sync state (cursors, custom-field column names), kept in the
   * destination's own metadata area (schema `zendesk_sync`), never inside a source's schema, so the
   * source schema holds exactly the collection tables.
   */
  readState(source: string, key: string): Promise<string | null>;
  writeState(source: string, key: string, value: string): Promise<void>;
  /**
   * Reads rows back (tests, status, the quick start's row counts, `client.ts verify`): how many rows,
   * leaving out those matching `except`. Not used on the write path.
   */
  countRows(schema: string, table: string, except?: RowExclusion): Promise<number>;
  /**
   * Every non-NULL value of a key column as decimal text (exact beyond 2^53), for `client.ts verify`
   * to compare a table's ids with Zendesk's. Not used on the write path.
   */
  readKeys(schema: string, table: string, column: string): Promise<string[]>;
  close(): Promise<void>;
}
