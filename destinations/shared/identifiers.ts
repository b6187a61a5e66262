/**
 * Warehouse names (schemas, tables, columns): how they are made, written and checked, for every
 * destination.
 *
 * Made: names we create (custom-field columns) are sanitised to lowercase `[a-z0-9_]`, start with a
 * letter or underscore, and fit 63 bytes (Postgres' limit, the smallest of our warehouses), so they
 * are valid unquoted identifiers everywhere.
 *
 * Written: every identifier is still emitted quoted (reserved words such as `default`, `group`,
 * `order` are real column names in Segment's schema). Snowflake upper-cases the quoted form, which
 * makes it equal to the unquoted name users type.
 *
 * Checked: writers never sanitise a name themselves: the sync layer already turned every custom-field
 * name into a safe identifier (`sanitizeIdentifier` + `uniqueIdentifier`), and rows arrive keyed by
 * that exact name. Renaming in a writer would create a column the rows do not address, or two columns
 * that collide. So a name that is not already sanitised is a bug upstream, and the writer rejects it
 * with an error naming it, before any SQL runs.
 */
import type { WarehouseTable } from '../types';

export const MAX_IDENTIFIER_BYTES = 63;

export function sanitizeIdentifier(raw: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  let name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: "Café" -> "cafe"
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'field';
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name.slice(0, maxBytes); // ASCII only by now, so characters = bytes
}

/**
 * `base` if free, else `base_2`, `base_3`, ... (truncating `base` so the suffix still fits). The
 * chosen name is added to `taken`.
 */
export function uniqueIdentifier(base: string, taken: Set<string>, maxBytes = MAX_IDENTIFIER_BYTES): string {
  let candidate = base.slice(0, maxBytes);
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `_${n}`;
    candidate = `${base.slice(0, maxBytes - suffix.length)}${suffix}`;
  }
  taken.add(candidate);
  return candidate;
}

export type SqlDialect = 'sqlite' | 'postgres' | 'snowflake';

/** The only way SQL identifiers are written: double-quoted, embedded quotes doubled. */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  const folded = dialect === 'snowflake' ? name.toUpperCase() : name;
  return `"${folded.replace(/"/g, '""')}"`;
}

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
