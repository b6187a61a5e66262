/**
 * The SQL shared by every writer's verification reads (`client.ts verify`): which rows a count leaves
 * out. NULL is never "equal", so a row whose column is NULL is always counted (a ticket without a
 * status is not a deleted ticket).
 */
import { assertSafeIdentifier } from './identifiers';
import type { RowExclusion } from '../types';

/**
 * `WHERE …` (with a leading space) and its bindings for a count that leaves out `except`; empty when
 * nothing is left out. `bindValue` adapts a value to the driver (SQLite binds booleans as 1/0).
 */
export function exclusionClause(
  except: RowExclusion | undefined,
  quote: (name: string) => string,
  bindValue: (value: string | boolean) => string | number | boolean = (v) => v,
): { sql: string; bindings: Array<string | number | boolean> } {
  if (!except) return { sql: '', bindings: [] };
  assertSafeIdentifier(except.column, 'column');
  const column = quote(except.column);
  if ('isSet' in except) return { sql: ` WHERE ${column} IS NULL`, bindings: [] };
  return { sql: ` WHERE (${column} IS NULL OR ${column} <> ?)`, bindings: [bindValue(except.equals)] };
}
