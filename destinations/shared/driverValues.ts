/**
 * Turns a row value into what a SQL driver binds for the column's type, defensively.
 *
 * Rows normally arrive already coerced by the sync mapper, but a writer must not fail a page because
 * one value has the wrong type (a custom field whose type changed between records, a hand-built
 * row). The rule, identical for SQLite and Postgres:
 *   - null / undefined -> NULL;
 *   - a value that converts losslessly enough to the column type is converted (numeric strings
 *     into bigint/double, "true"/"false"/"1"/"0" into boolean, numbers into text, any object into
 *     its JSON text in a text column, epoch seconds or parseable date strings into timestamps);
 *   - an empty or blank string in a non-text column -> NULL (Zendesk's "no value"), not counted;
 *   - anything else -> NULL, and the writer counts it (`coercedToNullByTable`).
 * Text, and every string inside JSON, gets the NUL / lone-surrogate rule of `textCleaning.ts`.
 *
 * An encoder returns `undefined` to mean "could not be coerced": the caller writes NULL and counts.
 */
import type { ColumnType } from '../../catalog/types';
import { cleanText, jsonText } from './textCleaning';

export type DriverValue = string | number | bigint | boolean | null;
export type Encoder = (value: unknown) => DriverValue | undefined;
export type EncodingDialect = 'sqlite' | 'postgres';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[-+]?\d+$/;
const DECIMAL_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function encoderFor(type: ColumnType, dialect: EncodingDialect): Encoder {
  switch (type) {
    case 'bigint':
      return dialect === 'sqlite' ? encodeBigintForSqlite : encodeBigintForPostgres;
    case 'double':
      return encodeDouble;
    case 'boolean':
      return dialect === 'sqlite' ? encodeBooleanAsInteger : encodeBoolean;
    case 'text':
      return encodeText;
    case 'timestamp':
      return encodeTimestamp;
    case 'date':
      return encodeDate;
    case 'json':
      return encodeJson;
  }
}

// ---- bigint -------------------------------------------------------------------------------------

/**
 * The integer a value stands for: a safe JS number, or a bigint when it exceeds 2^53 (Zendesk ids do
 * not, but custom numeric fields might). `undefined` when it is not an integer within int64.
 * Fractional numbers are truncated toward zero, as the mapper does.
 */
function toInteger(value: unknown): number | bigint | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    if (!Number.isFinite(value)) return undefined;
    const truncated = Math.trunc(value);
    return Number.isSafeInteger(truncated) ? truncated : inInt64(BigInt(truncated));
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    if (INTEGER_TEXT.test(text)) {
      // Up to 15 digits always fits a double exactly; longer ones go through bigint to stay exact.
      if (text.length <= 15) return Number(text);
      const big = inInt64(BigInt(text));
      return big !== undefined && Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
    if (DECIMAL_TEXT.test(text)) return toInteger(Number(text));
    return undefined;
  }
  if (typeof value === 'bigint') {
    const big = inInt64(value);
    return big !== undefined && Number.isSafeInteger(Number(big)) ? Number(big) : big;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

function inInt64(value: bigint): bigint | undefined {
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

function encodeBigintForSqlite(value: unknown): DriverValue | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value; // the common case first
  return toInteger(value); // better-sqlite3 binds a JS bigint as a 64-bit INTEGER
}

function encodeBigintForPostgres(value: unknown): DriverValue | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const integer = toInteger(value);
  return typeof integer === 'bigint' ? integer.toString() : integer; // pg sends array elements as text
}

// ---- double, boolean ----------------------------------------------------------------------------

function encodeDouble(value: unknown): DriverValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    if (!DECIMAL_TEXT.test(text)) return undefined;
    const number = Number(text);
    return Number.isFinite(number) ? number : undefined;
  }
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function toBoolean(value: unknown): boolean | null | undefined {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return null;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    if (text === '') return null;
  }
  return undefined;
}

function encodeBoolean(value: unknown): DriverValue | undefined {
  return toBoolean(value);
}

/** SQLite has no boolean type (and better-sqlite3 refuses to bind one): 1 / 0. */
function encodeBooleanAsInteger(value: unknown): DriverValue | undefined {
  const bool = toBoolean(value);
  return typeof bool === 'boolean' ? (bool ? 1 : 0) : bool;
}

// ---- text, json ---------------------------------------------------------------------------------

/**
 * `cleanText` behind a native check: `isWellFormed` (Node 20+) answers "no lone surrogate" far
 * faster than a character loop, and almost every string passes both checks untouched.
 */
const isWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

export function cleanTextFast(value: string): string {
  if (isWellFormed && value.indexOf('\u0000') === -1 && isWellFormed.call(value)) return value;
  return cleanText(value);
}

function encodeText(value: unknown): DriverValue | undefined {
  if (typeof value === 'string') return cleanTextFast(value);
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  // An object where text was expected: keep it readable and lose nothing.
  return encodeJson(value);
}

/**
 * JSON.stringify (ES2019+) writes NUL as `\u0000` and a lone surrogate as a `\udXXX` escape; when
 * neither escape appears, the text already obeys the NUL / surrogate rule and the deep-cleaning copy
 * of `jsonText` can be skipped. (A literal backslash-u in the data can trigger the slow path
 * needlessly, never wrongly.)
 */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;

export function encodeJson(value: unknown): DriverValue | undefined {
  if (value === null || value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined; // a BigInt or a cycle: not representable as JSON
  }
  if (text === undefined) return undefined; // a function or a symbol
  if (text.indexOf('\\u0000') === -1 && !ESCAPED_SURROGATE.test(text)) return text;
  return jsonText(value);
}

// ---- timestamp, date ----------------------------------------------------------------------------

/** `YYYY-MM-DD`, optional time (`T` or space), optional fraction, optional zone (`Z` or ±HH[:MM]). */
const DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Already ISO-8601 UTC as Zendesk writes it: stored unchanged once its fields are checked. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** ISO-8601 UTC, whole seconds unless the instant has milliseconds; `undefined` if out of range. */
function isoFromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** A timestamp string, read as UTC when it has no zone; `undefined` when it is not a real instant. */
function parseTimestampText(text: string): string | undefined {
  if (CANONICAL_UTC.test(text)) {
    const valid =
      validCalendarDate(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)) &&
      digits(text, 11, 2) < 24 &&
      digits(text, 14, 2) < 60 &&
      digits(text, 17, 2) < 60;
    return valid ? text : undefined;
  }
  const m = DATE_TIME_TEXT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!validCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const zoneDigits = zone.replace(':', '');
    const zoneHours = Number(zoneDigits.slice(1, 3));
    const zoneMinutes = zoneDigits.length > 3 ? Number(zoneDigits.slice(3, 5)) : 0;
    if (zoneHours > 15 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0);
  return isoFromMillis(date.getTime() - offsetMinutes * 60_000);
}

function encodeTimestamp(value: unknown): DriverValue | undefined {
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? null : parseTimestampText(text);
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return isoFromMillis(value * 1000); // epoch seconds, as Zendesk's exports
  if (value instanceof Date) return isoFromMillis(value.getTime());
  return undefined;
}

function encodeDate(value: unknown): DriverValue | undefined {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    if (text.length === 10 && /^\d{4}-\d{2}-\d{2}$/.test(text)) {
      return validCalendarDate(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)) ? text : undefined;
    }
  }
  const timestamp = encodeTimestamp(value);
  return typeof timestamp === 'string' ? timestamp.slice(0, 10) : timestamp;
}
