/**
 * How one table's rows are loaded into its staging table without any statement exceeding the
 * statement budget (`maxStatementBytes`, below Snowflake's 1 MB limit on statement text + binds) or
 * the bind-value cap (`maxBindValues`, which is also the driver's array-binding threshold, so every
 * array bind is sent inline; see DEFAULT_MAX_BIND_VALUES_PER_STATEMENT).
 *
 * Sizes are what the driver actually sends: its query request is JSON, `sqlText` plus a `bindings`
 * map (snowflake-sdk dist/lib/connection/statement.js, `buildBindsMap`), so a statement costs the
 * JSON text of both, quotes, escapes and separators included. A quote or backslash costs two bytes
 * there, a control character six. (Snowflake may count the decoded text instead; JSON escaping only
 * ever adds bytes, so a statement within the budget as sent is within it either way.)
 *
 * Rows go in array-bound INSERTs sized that way. A row too large for any INSERT (a 10 MB comment)
 * is inserted with its largest text values left empty, and each of those values is then appended
 * in pieces, one `UPDATE … SET c = c || ? WHERE key = ?` per piece, so no request carries more than
 * the budget, however large the value.
 *
 * Why not the driver's stage binding (PUT of a CSV to a temporary stage) for large rows: snowflake-sdk
 * chooses it by the *number* of bind values, never by bytes, so a single huge row is always sent
 * inline; and the destination keeps every array bind inline on purpose (settings.ts).
 * Appends use only plain SQL that every Snowflake (and the emulator) runs the same way.
 */
import type { WarehouseTable } from '../types';

/** Text forms of every value, for binding: Snowflake casts text to each column's type on INSERT. */
export type BindRow = Array<string | null>;

/** Appends `piece` to column `columnIndex` of the staged row whose primary key is `key`. */
export interface StagingAppend {
  columnIndex: number;
  key: string;
  piece: string;
}

export interface StagingLoad {
  /** Array-bound INSERTs, each within the budget. */
  inserts: BindRow[][];
  /** To run after every INSERT, in order: the values the oversize rows were inserted without. */
  appends: StagingAppend[];
}

export interface StagingStatements {
  /** The array-bound INSERT into the staging table (one `?` per column). */
  insertSql: string;
  /** The append UPDATE for a column (binds: piece, key); asked only for appendable columns. */
  appendSql: (columnIndex: number) => string;
  /** Per column: whether its staging type is text (text and JSON), so values can be appended to it. */
  appendable: boolean[];
}

export interface StagingLimits {
  /** Bytes of one statement as sent: JSON of its SQL text plus JSON of its bindings. */
  maxStatementBytes: number;
  /** Bind values (rows × columns) of one array-bound INSERT. */
  maxBindValues: number;
}

/** Bytes a bound value takes in the request: its JSON text (`null`, or the quoted, escaped string). */
export function jsonBytes(value: string | null): number {
  return value === null ? 4 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The `bindings` map of a query request, built the way snowflake-sdk 3.3's `buildBindsMap` builds it
 * for the binds the destination sends (strings or null, so every type is TEXT): one entry per
 * placeholder, holding one value, or for an array bind (rows) the column's values of every row.
 */
export function requestBindings(binds: BindRow | BindRow[]): Record<string, { type: 'TEXT'; value: string | null | Array<string | null> }> {
  const map: Record<string, { type: 'TEXT'; value: string | null | Array<string | null> }> = {};
  const isArrayBind = binds.length > 0 && Array.isArray(binds[0]);
  const width = isArrayBind ? (binds[0] as BindRow).length : binds.length;
  for (let i = 0; i < width; i++) {
    map[String(i + 1)] = {
      type: 'TEXT',
      value: isArrayBind ? (binds as BindRow[]).map((row) => row[i]!) : (binds as BindRow)[i]!,
    };
  }
  return map;
}

/** Exact bytes of a statement as the driver sends it: JSON of `sqlText` plus JSON of `bindings`. */
export function sentStatementBytes(sqlText: string, binds?: BindRow | BindRow[]): number {
  const sql = Buffer.byteLength(JSON.stringify(sqlText), 'utf8');
  return binds === undefined ? sql : sql + Buffer.byteLength(JSON.stringify(requestBindings(binds)), 'utf8');
}

function valuesBytes(row: BindRow): number {
  let bytes = 0;
  for (const value of row) bytes += jsonBytes(value);
  return bytes;
}

/**
 * An array-bound INSERT's size, kept incrementally and exactly: the SQL and the bindings map with
 * empty value lists (`base`), plus each row's values, plus one comma per column for every row after
 * the first (`[a,b]` per column).
 */
class InsertSize {
  readonly base: number;
  constructor(
    insertSql: string,
    private readonly width: number,
  ) {
    this.base = sentStatementBytes(insertSql, [new Array<string | null>(width).fill(null)]) - width * jsonBytes(null);
  }
  /** Bytes of an INSERT of `rows` rows whose values take `values` bytes together. */
  of(rows: number, values: number): number {
    return this.base + values + (rows > 0 ? (rows - 1) * this.width : 0);
  }
}

/** Plans a table's staging load: INSERTs within both limits, and appends for the values of oversize rows. */
export function planStagingLoad(table: WarehouseTable, rows: BindRow[], statements: StagingStatements, limits: StagingLimits): StagingLoad {
  const width = table.columns.length;
  if (width > limits.maxBindValues) {
    throw new Error(`upsert: ${table.name} has ${width} columns, more bind values than one statement may carry (${limits.maxBindValues})`);
  }
  const keyIndex = table.columns.findIndex((c) => c.name === table.primaryKey);
  const size = new InsertSize(statements.insertSql, width);
  const appends: StagingAppend[] = [];
  const fitted = rows.map((row) => {
    if (size.of(1, valuesBytes(row)) <= limits.maxStatementBytes) return row;
    const { head, deferred } = withoutLargestValues(table, row, keyIndex, size, statements, limits);
    const key = row[keyIndex]!;
    for (const columnIndex of deferred) {
      // What one append of this column may bind as its piece, the SQL and the key taken out.
      const pieceBytes = limits.maxStatementBytes - (sentStatementBytes(statements.appendSql(columnIndex), ['', key]) - jsonBytes(''));
      if (pieceBytes < MIN_PIECE_BYTES) {
        throw new Error(`upsert: a ${table.name} primary key is too long to append values to its row within maxStatementBytes`);
      }
      for (const piece of jsonPieces(row[columnIndex]!, pieceBytes)) appends.push({ columnIndex, key, piece });
    }
    return head;
  });
  return { inserts: [...chunkRows(fitted, size, limits)], appends };
}

/** The smallest piece budget that always makes progress: quotes plus the longest escape (`\u001f`). */
const MIN_PIECE_BYTES = 2 + 6;

/** The row with its largest text values emptied until it fits, and which columns were emptied. */
function withoutLargestValues(
  table: WarehouseTable,
  row: BindRow,
  keyIndex: number,
  size: InsertSize,
  statements: StagingStatements,
  limits: StagingLimits,
): { head: BindRow; deferred: number[] } {
  const head = [...row];
  const deferred: number[] = [];
  let bytes = valuesBytes(row);
  const candidates = row
    .map((value, index) => ({ index, bytes: jsonBytes(value) }))
    .filter(({ index }) => index !== keyIndex && row[index] !== null && statements.appendable[index])
    .sort((a, b) => b.bytes - a.bytes);
  for (const candidate of candidates) {
    if (size.of(1, bytes) <= limits.maxStatementBytes) break;
    // '' rather than NULL: NULL || piece would stay NULL.
    head[candidate.index] = '';
    bytes -= candidate.bytes - jsonBytes('');
    deferred.push(candidate.index);
  }
  if (size.of(1, bytes) > limits.maxStatementBytes) {
    throw new Error(
      `upsert: a ${table.name} row is ${size.of(1, bytes)} bytes even without its text values, more than one statement may ` +
        `carry (${limits.maxStatementBytes}); raise maxStatementBytes`,
    );
  }
  return { head, deferred };
}

/**
 * Splits text into pieces whose JSON text (quotes and escapes included) takes at most `maxBytes`
 * bytes, cutting only between characters (never inside a surrogate pair), so every piece is valid
 * text and the pieces concatenate to the original.
 */
export function jsonPieces(text: string, maxBytes: number): string[] {
  const limit = Math.max(MIN_PIECE_BYTES, Math.floor(maxBytes)) - 2; // the two quotes around the piece
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const units = pair ? 2 : 1;
    const cost = pair ? 4 : escapedBytes(code);
    if (bytes + cost > limit) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += cost;
    i += units;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/** Bytes JSON.stringify writes for one UTF-16 unit that is not half of a surrogate pair. */
function escapedBytes(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2; // \" \\
  if (code < 0x20) return code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6; // \n … \u0001
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 6; // a lone surrogate: \udxxx
  return 3;
}

/**
 * Splits rows into INSERTs within both limits: the statement's bytes as sent and its bind values
 * (a row too large alone is not expected here: `planStagingLoad` has made sure none is).
 */
function* chunkRows(rows: BindRow[], size: InsertSize, limits: StagingLimits): Generator<BindRow[]> {
  const width = rows[0]?.length ?? 0;
  let chunk: BindRow[] = [];
  let values = 0;
  for (const row of rows) {
    const rowValues = valuesBytes(row);
    const full =
      chunk.length > 0 &&
      (size.of(chunk.length + 1, values + rowValues) > limits.maxStatementBytes || (chunk.length + 1) * width > limits.maxBindValues);
    if (full) {
      yield chunk;
      chunk = [];
      values = 0;
    }
    chunk.push(row);
    values += rowValues;
  }
  if (chunk.length > 0) yield chunk;
}
