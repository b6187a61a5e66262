/**
 * The warehouse interface. SQLite, Postgres and Snowflake all sit behind it unchanged.
 *
 * Rows arrive already mapped to warehouse columns by the catalog mapper:
 *   bigint -> number (or a decimal string beyond 2^53), double -> number, boolean -> boolean,
 *   text -> string, timestamp -> ISO-8601 string, date -> 'YYYY-MM-DD', json -> any JS value,
 *   absent or null -> NULL.
 * Every destination applies the same text rule (see `values.ts`): NUL characters are stripped and
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
}

export type Row = Record<string, unknown>;

export interface TableBatch {
  table: WarehouseTable;
  rows: Row[];
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
  readonly kind: 'sqlite' | 'postgres' | 'snowflake';
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
  upsert(schema: string, batches: TableBatch[]): Promise<UpsertResult>;
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
