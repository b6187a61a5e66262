/**
 * Pieces of the differential comparison shared by every warehouse reader (SQLite/Postgres in
 * stack.ts, Snowflake in test/destinations/snowflake/landed-vs-truth.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import type { CustomColumn } from '../sync/customFields';

/**
 * Expected rows that may or may not be in the warehouse: records whose time falls between the
 * earliest and the latest instant the lookback can have started (the first cycle's exact start is
 * not observable from outside). Present, they must be exact; absent, they are no mismatch.
 */
export const rowsAtLookbackEdge = new WeakSet<object>();

/**
 * Compares one row's custom-field columns with the truth: every field the emulator defines must
 * have a column, and that column must hold the field's value. The product's state is used only to
 * find which column a field was given (names are assigned once and survive renames); a field it never
 * recorded, or a column it recorded but never created, is a mismatch.
 */
export function compareCustomFields(
  table: string,
  key: string,
  row: Record<string, unknown>,
  expected: Record<string, unknown>,
  custom: CustomColumn[],
  problems: string[],
  reported: Set<string>,
): void {
  const columnOf = new Map(custom.map((c) => [c.fieldRef, c.column]));
  const once = (message: string) => {
    if (!reported.has(message)) problems.push(message);
    reported.add(message);
  };
  for (const [fieldRef, want] of Object.entries(expected)) {
    const column = columnOf.get(fieldRef);
    if (column === undefined) {
      once(`${table}: custom field ${fieldRef} has no column`);
      continue;
    }
    if (!(column in row)) {
      once(`${table}: custom field ${fieldRef}'s column ${column} is not in the table`);
      continue;
    }
    if (!isDeepStrictEqual(row[column], want)) {
      problems.push(`${table} ${key}.${column}: warehouse ${JSON.stringify(row[column])} != truth ${JSON.stringify(want)}`);
    }
  }
}
