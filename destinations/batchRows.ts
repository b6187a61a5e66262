/**
 * The dialect-independent half of an upsert: which rows of a batch are written (one per key, the
 * last one seen wins; rows without a usable key are dropped and counted) and how each value is
 * encoded for the driver (counting values that had to become NULL).
 */
import { encoderFor, type DriverValue, type Encoder, type EncodingDialect } from './columnValues';
import type { Row, UpsertResult, WarehouseTable } from './types';

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
}

export function rowEncoder(table: WarehouseTable, dialect: EncodingDialect): RowEncoder {
  return {
    columnNames: table.columns.map((c) => c.name),
    primaryKeyIndex: table.columns.findIndex((c) => c.name === table.primaryKey),
    encoders: table.columns.map((c) => encoderFor(c.type, dialect)),
  };
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
  let coercedToNull = 0;
  const { columnNames, encoders } = encoder;
  for (let i = 0; i < columnNames.length; i++) {
    const value = encoders[i]!(row[columnNames[i]!]);
    if (value === undefined) {
      coercedToNull++;
      out[i] = null;
    } else {
      out[i] = value;
    }
  }
  return coercedToNull;
}

export function emptyResult(): WriterUpsertResult {
  return { rowsByTable: {}, coercedToNullByTable: {}, rejectedByTable: {} };
}

export function addCount(counts: Record<string, number>, table: string, n: number): void {
  if (n > 0) counts[table] = (counts[table] ?? 0) + n;
}
