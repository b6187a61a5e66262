/**
 * The one text rule every destination applies, so a row reads the same in SQLite, Postgres and
 * Snowflake: NUL (U+0000) is stripped (Postgres refuses it in text and jsonb), and a lone UTF-16
 * surrogate becomes U+FFFD (it cannot be encoded as UTF-8). Applied to text columns and to every
 * string inside JSON values, keys included.
 */

// eslint-disable-next-line no-control-regex -- NUL is exactly what must be removed: Postgres text refuses it.
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(value: string): string {
  // Fast path: most strings have neither problem.
  let out = value.indexOf('\u0000') === -1 ? value : value.replace(NUL, '');
  if (hasSurrogate(out)) out = out.replace(LONE_SURROGATE, '\uFFFD');
  return out;
}

function hasSurrogate(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Deep copy of a JSON-able value with `cleanText` applied to every string. */
export function cleanJsonValue(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[cleanText(k)] = cleanJsonValue(v);
    return out;
  }
  return value;
}

/** JSON text for a json column, cleaned; null stays null. */
export function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(cleanJsonValue(value));
}
