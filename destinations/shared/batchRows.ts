/**
 * The dialect-independent half of an upsert: which rows of a batch are written (one per key, the
 * last one seen wins; rows without a usable key are dropped and counted) and how each value is
 * encoded for the driver (counting values that had to become NULL).
 */
import { encoderFor, type DriverValue, type Encoder, type EncodingDialect } from './driverValues';
import type { Row, TableBatch, UpsertResult, WarehouseTable } from '../types';

/** What SQL writers report beyond the `Destination` contract. */
export interface WriterUpsertResult extends UpsertResult {
  /** Values that did not fit their column's type and were written as NULL, per table. */
  coercedToNullByTable: Record<string, number>;
  /** Rows dropped because their primary key was missing or not coercible to its type, per table. */
  rejectedByTable: Record<string, number>;
}

export interface RowEncoder {
  readonly columnNames: string[];
  readonly primaryKeyIndex: number;
  readonly encoders: Encoder[];
  /** `encodeRowInto` for this column list, generated once per column list and dialect. */
  readonly encodeRow: (row: Row, out: DriverValue[]) => number;
}

/** Generated row encoders by dialect and column list (a handful per worker; bounded anyway). */
const rowEncoderCache = new Map<string, RowEncoder>();
const ROW_ENCODER_CACHE_LIMIT = 512;

export function rowEncoder(table: WarehouseTable, dialect: EncodingDialect): RowEncoder {
  const signature = `${dialect}|${table.primaryKey}|${table.columns.map((c) => `${c.name}:${c.type}`).join(',')}`;
  let encoder = rowEncoderCache.get(signature);
  if (!encoder) {
    const columnNames = table.columns.map((c) => c.name);
    const encoders = table.columns.map((c) => encoderFor(c.type, dialect));
    encoder = {
      columnNames,
      primaryKeyIndex: table.columns.findIndex((c) => c.name === table.primaryKey),
      encoders,
      encodeRow: compileRowEncoding(columnNames, encoders),
    };
    if (rowEncoderCache.size >= ROW_ENCODER_CACHE_LIMIT) rowEncoderCache.clear();
    rowEncoderCache.set(signature, encoder);
  }
  return encoder;
}

/**
 * The column loop of `encodeRowInto` unrolled for one column list: each column becomes a named
 * property read and a call to its own encoder, so every read and call site sees one row shape and
 * one function (the generic loop sees all of them, which V8 can only handle by slow lookups). The
 * generated text embeds only numbers and the column names, as JSON string literals.
 */
function compileRowEncoding(columnNames: string[], encoders: Encoder[]): (row: Row, out: DriverValue[]) => number {
  const source = [
    "'use strict';",
    ...encoders.map((_, i) => `const encode${i} = encoders[${i}];`),
    'return function encodeRow(row, out) {',
    'let coercedToNull = 0;',
    'let value;',
    ...columnNames.flatMap((name, i) => [
      `value = encode${i}(row[${JSON.stringify(name)}]);`,
      `if (value === undefined) { coercedToNull++; value = null; }`,
      `out[${i}] = value;`,
    ]),
    'return coercedToNull;',
    '};',
  ].join('\n');
  return (new Function('encoders', source) as (encoders: Encoder[]) => (row: Row, out: DriverValue[]) => number)(encoders);
}

export interface KeyedRows {
  /** One row per key, in first-seen order, holding the last row seen for that key. */
  rows: Row[];
  rejected: number;
}

export function lastRowPerKey(table: WarehouseTable, rows: Row[], keyEncoder: Encoder): KeyedRows {
  const positionByKey = new Map<DriverValue, number>();
  const kept: Row[] = [];
  let rejected = 0;
  for (const row of rows) {
    const key = keyEncoder(row[table.primaryKey]);
    if (key === null || key === undefined) {
      rejected++;
      continue;
    }
    const position = positionByKey.get(key);
    if (position === undefined) {
      positionByKey.set(key, kept.length);
      kept.push(row);
    } else {
      kept[position] = row;
    }
  }
  return { rows: kept, rejected };
}

/**
 * Encodes `row` into `out` (reused between rows so the hot loop allocates nothing) and returns how
 * many values had to become NULL.
 */
export function encodeRowInto(encoder: RowEncoder, row: Row, out: DriverValue[]): number {
  return encoder.encodeRow(row, out);
}

export function emptyResult(): WriterUpsertResult {
  return { rowsByTable: {}, coercedToNullByTable: {}, rejectedByTable: {} };
}

export function addCount(counts: Record<string, number>, table: string, n: number): void {
  if (n > 0) counts[table] = (counts[table] ?? 0) + n;
}

/** How many keys one `DELETE … IN (…)` of a replacement binds at most (well under every driver's limit). */
export const REPLACE_CHUNK = 500;

/**
 * The keys whose rows a batch replaces (`TableBatch.replaces`), encoded for the driver like values of
 * their column, de-duplicated, in chunks of at most `REPLACE_CHUNK`. Empty when the batch replaces nothing.
 */
export function replacedKeyChunks(batch: TableBatch, dialect: EncodingDialect): { column: string; chunks: DriverValue[][] } {
  const replaces = batch.replaces;
  if (!replaces || replaces.keys.length === 0) return { column: '', chunks: [] };
  const column = batch.table.columns.find((c) => c.name === replaces.column);
  if (!column) throw new Error(`Table ${batch.table.name}: replaced column ${JSON.stringify(replaces.column)} is not one of its columns`);
  const encode = encoderFor(column.type, dialect);
  const keys = new Set<DriverValue>();
  for (const key of replaces.keys) {
    const value = encode(key);
    if (value !== null && value !== undefined) keys.add(value);
  }
  const all = [...keys];
  const chunks: DriverValue[][] = [];
  for (let i = 0; i < all.length; i += REPLACE_CHUNK) chunks.push(all.slice(i, i + REPLACE_CHUNK));
  return { column: column.name, chunks };
}

/**
 * The batches with the tables of records first, then the tables whose rows are derived from them
 * (`TableBatch.replaces.recordTable`): a derived table's replacement looks at what the record's
 * guarded upsert kept, so that upsert must already be done. Otherwise in the given order.
 */
export function recordTablesFirst<T extends TableBatch>(batches: T[]): T[] {
  return [...batches.filter((b) => b.replaces?.recordTable === undefined), ...batches.filter((b) => b.replaces?.recordTable !== undefined)];
}

/**
 * The record table that guards a batch's replacement (see `TableBatch.replaces`): the batch of the
 * same call that writes it, when there is one and it has a version column; undefined otherwise (the
 * replacement is then unconditional).
 */
export function guardingRecordTable(batch: TableBatch, batches: TableBatch[]): WarehouseTable | undefined {
  const name = batch.replaces?.recordTable;
  if (name === undefined) return undefined;
  const records = batches.find((b) => b.table.name === name && b.rows.length > 0);
  return records?.table.versionColumn === undefined ? undefined : records.table;
}

/** Batches of one table arrive together; two batches of one table merge into one (later rows win). */
export function groupByTable(batches: TableBatch[]): TableBatch[] {
  const byName = new Map<string, TableBatch>();
  for (const { table, rows, replaces } of batches) {
    const existing = byName.get(table.name);
    if (!existing) {
      byName.set(table.name, { table, rows: [...rows], ...(replaces ? { replaces: { ...replaces, keys: [...replaces.keys] } } : {}) });
      continue;
    }
    if (JSON.stringify(existing.table) !== JSON.stringify(table)) {
      throw new Error(`upsert: two batches for table ${table.name} with different definitions`);
    }
    existing.rows.push(...rows);
    if (replaces) {
      // A later batch's replacement would delete the earlier batch's rows: replace both records' rows up front.
      if (existing.replaces && existing.replaces.column !== replaces.column)
        throw new Error(`upsert: two replacement columns for table ${table.name}`);
      // Guarded only when both are guarded by the same record table.
      const recordTable = !existing.replaces || existing.replaces.recordTable === replaces.recordTable ? replaces.recordTable : undefined;
      existing.replaces = {
        column: replaces.column,
        keys: [...(existing.replaces?.keys ?? []), ...replaces.keys],
        ...(recordTable === undefined ? {} : { recordTable }),
      };
    }
  }
  return [...byName.values()];
}
