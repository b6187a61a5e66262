/**
 * What a writer accepts as a schema, table or column name.
 *
 * Writers never sanitise a name themselves: the sync layer already turned every custom-field name
 * into a safe identifier (`sanitizeIdentifier` + `uniqueIdentifier`), and rows arrive keyed by that
 * exact name. Renaming here would create a column the rows do not address, or two columns that
 * collide. So a name that is not already sanitised is a bug upstream, and the writer rejects it
 * with an error naming it, before any SQL runs. Accepted names are still always written through
 * `quoteIdentifier`, so reserved words (`default`, `group`, `order`) work as column names.
 */
import { MAX_IDENTIFIER_BYTES } from './identifiers';
import type { WarehouseTable } from '../types';

/** Lowercase ASCII letters, digits and `_`, not starting with a digit; the output of `sanitizeIdentifier`. */
const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The metadata area (sync state); a source schema may not take its name. */
export const METADATA_SCHEMA = 'zendesk_sync';

export class InvalidIdentifierError extends Error {
  constructor(
    readonly identifier: string,
    readonly role: string,
    reason: string,
  ) {
    super(
      `Invalid ${role} name ${JSON.stringify(identifier)}: ${reason}. Names must be sanitised with ` +
        `sanitizeIdentifier() (lowercase a-z, 0-9 and _, not starting with a digit, at most ` +
        `${MAX_IDENTIFIER_BYTES} bytes) before they reach a destination.`,
    );
    this.name = 'InvalidIdentifierError';
  }
}

export function assertSafeIdentifier(name: string, role: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidIdentifierError(String(name), role, 'it is empty');
  if (name.length > MAX_IDENTIFIER_BYTES) {
    throw new InvalidIdentifierError(name, role, `it is ${name.length} bytes long`);
  }
  if (!SAFE_IDENTIFIER.test(name)) throw new InvalidIdentifierError(name, role, 'it contains characters outside [a-z0-9_]');
}

/** A source schema: a safe identifier that is not the metadata area nor a name the engine reserves. */
export function assertSourceSchema(schema: string, reserved: readonly string[] = []): void {
  assertSafeIdentifier(schema, 'schema');
  if (schema === METADATA_SCHEMA || reserved.includes(schema)) {
    throw new InvalidIdentifierError(schema, 'schema', 'it is reserved for the destination itself');
  }
}

/** Checks every name of a table definition, and that its primary key is one of its columns. */
export function assertValidTable(table: WarehouseTable): void {
  assertSafeIdentifier(table.name, 'table');
  const seen = new Set<string>();
  for (const column of table.columns) {
    assertSafeIdentifier(column.name, `column (table ${table.name})`);
    if (seen.has(column.name)) {
      throw new InvalidIdentifierError(column.name, `column (table ${table.name})`, 'it appears twice in the table definition');
    }
    seen.add(column.name);
  }
  if (!seen.has(table.primaryKey)) {
    throw new Error(`Table ${table.name}: primary key ${JSON.stringify(table.primaryKey)} is not one of its columns`);
  }
  if (table.versionColumn !== undefined && !seen.has(table.versionColumn)) {
    throw new Error(`Table ${table.name}: version column ${JSON.stringify(table.versionColumn)} is not one of its columns`);
  }
}
