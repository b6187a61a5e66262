/**
 * How one table's rows are loaded into its staging table without any request exceeding the
 * statement budget (`maxStatementBytes`, below Snowflake's 1 MB limit on statement text + binds).
 *
 * Rows go in array-bound INSERTs sized by bytes. A row too large for any INSERT (a 10 MB comment)
 * is inserted with its largest text values left empty, and each of those values is then appended
 * in pieces, one `UPDATE … SET c = c || ? WHERE key = ?` per piece, so no request carries more than
 * the budget, however large the value.
 *
 * Why not the driver's stage binding (PUT of a CSV to a temporary stage): snowflake-sdk chooses it
 * by the *number* of bind values (rows × columns above CLIENT_STAGE_ARRAY_BINDING_THRESHOLD), never
 * by bytes, so a single huge row is always sent inline; the threshold is per connection, and another
 * connection cannot see this session's temporary staging table. Appends use only plain SQL that
 * every Snowflake (and the emulator) runs the same way.
 */
import type { WarehouseTable } from './types';

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

/** Bytes a value adds to a request: its UTF-8 text plus the JSON quoting and separator around it. */
export function bindBytes(value: string | null): number {
  return value === null ? 5 : Buffer.byteLength(value, 'utf8') + 3;
}

function rowBytes(row: BindRow): number {
  let bytes = 0;
  for (const value of row) bytes += bindBytes(value);
  return bytes;
}

/**
 * Plans a table's staging load.
 * - `insertBudget`: bytes of binds one INSERT may carry (the budget minus the INSERT's text);
 * - `appendBudget`: bytes of binds one append may carry (the budget minus the longest append's text);
 * - `appendable`: per column, whether its staging type is text (only text can be appended to; JSON
 *   is staged as text, so it qualifies).
 */
export function planStagingLoad(
  table: WarehouseTable,
  rows: BindRow[],
  options: { insertBudget: number; appendBudget: number; appendable: boolean[] },
): StagingLoad {
  const keyIndex = table.columns.findIndex((c) => c.name === table.primaryKey);
  const appends: StagingAppend[] = [];
  const fitted = rows.map((row) => {
    if (rowBytes(row) <= options.insertBudget) return row;
    const { head, deferred } = withoutLargestValues(table, row, keyIndex, options);
    const key = row[keyIndex]!;
    // Each piece travels with the key: both must fit the append budget.
    const pieceBytes = options.appendBudget - bindBytes(key) - bindBytes('');
    for (const columnIndex of deferred) {
      for (const piece of utf8Pieces(row[columnIndex]!, pieceBytes)) appends.push({ columnIndex, key, piece });
    }
    return head;
  });
  return { inserts: [...chunksByBytes(fitted, options.insertBudget)], appends };
}

/** The row with its largest text values emptied until it fits, and which columns were emptied. */
function withoutLargestValues(
  table: WarehouseTable,
  row: BindRow,
  keyIndex: number,
  options: { insertBudget: number; appendBudget: number; appendable: boolean[] },
): { head: BindRow; deferred: number[] } {
  const head = [...row];
  const deferred: number[] = [];
  let bytes = rowBytes(row);
  const candidates = row
    .map((value, index) => ({ index, bytes: bindBytes(value) }))
    .filter(({ index }) => index !== keyIndex && row[index] !== null && options.appendable[index])
    .sort((a, b) => b.bytes - a.bytes);
  for (const candidate of candidates) {
    if (bytes <= options.insertBudget) break;
    // '' rather than NULL: NULL || piece would stay NULL.
    head[candidate.index] = '';
    bytes -= candidate.bytes - bindBytes('');
    deferred.push(candidate.index);
  }
  if (bytes > options.insertBudget) {
    throw new Error(
      `upsert: a ${table.name} row is ${bytes} bytes even without its text values, more than one statement may ` +
        `carry (${options.insertBudget}); raise maxStatementBytes`,
    );
  }
  if (bindBytes(row[keyIndex]!) + 2 * bindBytes('') >= options.appendBudget) {
    throw new Error(`upsert: a ${table.name} primary key is too long to append values to its row`);
  }
  return { head, deferred };
}

/**
 * Splits text into pieces of at most `maxBytes` bytes of UTF-8, cutting only between characters, so
 * every piece is valid text and the pieces concatenate to the original. (Sizes are measured as the
 * other staging estimates are: bound text, before the request's JSON escaping.)
 */
export function utf8Pieces(text: string, maxBytes: number): string[] {
  const limit = Math.max(4, Math.floor(maxBytes)); // a character takes at most 4 bytes
  const bytes = Buffer.from(text, 'utf8');
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Back off to the start of a character: continuation bytes are 10xxxxxx.
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    pieces.push(bytes.toString('utf8', start, end));
    start = end;
  }
  return pieces;
}

/**
 * Splits rows so each INSERT's binds stay within `budget` bytes (a row larger than the budget goes
 * alone; `planStagingLoad` makes sure none is). The estimate is the UTF-8 size plus the JSON
 * quoting the driver's request adds per value.
 */
export function* chunksByBytes(rows: BindRow[], budget: number): Generator<BindRow[]> {
  let chunk: BindRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = rowBytes(row);
    if (chunk.length > 0 && bytes + size > budget) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
