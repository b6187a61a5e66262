/**
 * Identifier rules shared by every destination.
 *
 * Names we create (custom-field columns) are sanitised to lowercase `[a-z0-9_]`, start with a letter
 * or underscore, and fit 63 bytes (Postgres' limit, the smallest of our warehouses), so they are valid
 * unquoted identifiers everywhere. Every identifier is still emitted quoted (reserved words such as
 * `default`, `group`, `order` are real column names in Segment's schema). Snowflake upper-cases the
 * quoted form, which makes it equal to the unquoted name users type.
 */

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
