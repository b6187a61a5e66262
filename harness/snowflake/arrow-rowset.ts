/**
 * Turns the Arrow IPC stream fakesnow sends for SELECT/DDL results (`rowsetBase64`) into the JSON
 * `rowset` the Node driver reads: one array of strings (or null) per row, each value in Snowflake's
 * JSON text encoding for its column type, as snowflake-sdk's result/column.js parses it.
 *
 * Only the test shim uses this: the production writer never sees Arrow.
 */
import { DataType, tableFromIPC, util, type Field, type Vector } from 'apache-arrow';

/** One entry of a query answer's `rowtype` (only the fields used here). */
export interface RowtypeColumn {
  name: string;
  type: string; // fixed, real, text, boolean, date, time, timestamp_ntz|ltz|tz, variant, object, array, binary
  scale?: number | null;
}

export type JsonRowset = Array<Array<string | null>>;

export function arrowToJsonRowset(rowsetBase64: string, rowtype: RowtypeColumn[]): JsonRowset {
  if (rowsetBase64 === '') return [];
  const table = tableFromIPC(Buffer.from(rowsetBase64, 'base64'));
  const fields = table.schema.fields;
  if (fields.length !== rowtype.length) {
    throw new Error(`Arrow result has ${fields.length} columns but rowtype lists ${rowtype.length}`);
  }
  const columns = fields.map((field, i) => ({ field, vector: table.getChildAt(i)!, meta: rowtype[i]! }));
  const rows: JsonRowset = [];
  for (let r = 0; r < table.numRows; r++) {
    rows.push(columns.map(({ field, vector, meta }) => encodeValue(vector, field, meta, r)));
  }
  return rows;
}

function encodeValue(vector: Vector, field: Field, meta: RowtypeColumn, row: number): string | null {
  if (!vector.isValid(row)) return null;
  const value: unknown = vector.get(row);
  if (value === null || value === undefined) return null;
  const kind = meta.type.toLowerCase();
  switch (kind) {
    case 'fixed':
      return fixedText(value, field, meta.scale ?? 0);
    case 'real':
      return String(Number(value));
    case 'boolean':
      return value ? '1' : '0';
    case 'date':
      // Arrow JS returns a DateDay as epoch milliseconds; Snowflake's JSON form is days since epoch.
      return String(Math.round(Number(value) / 86_400_000));
    case 'time':
      // fakesnow sends TIME as int64 nanoseconds since midnight; JSON form is seconds with fraction.
      return nanosToSeconds(BigInt(value as bigint | number));
    case 'timestamp_ntz':
    case 'timestamp_ltz':
    case 'timestamp_tz':
      return timestampText(value as TimestampStruct, kind === 'timestamp_tz');
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('hex');
    default:
      // text, variant, object, array: strings already in the JSON form.
      return String(value);
  }
}

function fixedText(value: unknown, field: Field, scale: number): string {
  let unscaled: bigint;
  if (DataType.isDecimal(field.type)) {
    unscaled = util.bigNumToBigInt(value as Parameters<typeof util.bigNumToBigInt>[0]);
    scale = field.type.scale;
  } else if (typeof value === 'bigint') {
    unscaled = value;
  } else {
    unscaled = BigInt(value as number);
  }
  return scaledDecimal(unscaled, scale);
}

function scaledDecimal(unscaled: bigint, scale: number): string {
  if (scale <= 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function nanosToSeconds(nanos: bigint): string {
  return scaledDecimal(nanos, 9);
}

interface TimestampStruct {
  epoch: bigint | number | null;
  fraction: number | null;
  timezone?: number | null;
}

/**
 * fakesnow encodes timestamps as Snowflake's Arrow struct {epoch: seconds, fraction: nanoseconds,
 * timezone?: offset minutes + 1440}. The JSON form is "<seconds.fraction>" and, for TIMESTAMP_TZ,
 * "<seconds.fraction> <offset minutes + 1440>". fakesnow builds the struct without a validity
 * bitmap, so a NULL timestamp arrives as a valid struct whose fields are null.
 */
function timestampText(struct: TimestampStruct, withZone: boolean): string | null {
  if (struct.epoch === null || struct.fraction === null) return null;
  const nanos = BigInt(struct.epoch) * 1_000_000_000n + BigInt(struct.fraction);
  const seconds = nanosToSeconds(nanos);
  return withZone ? `${seconds} ${struct.timezone ?? 1440}` : seconds;
}
