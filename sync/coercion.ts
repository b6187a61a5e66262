/**
 * Coercion of raw Zendesk values to warehouse column types. Zendesk is loose (integers sent as
 * strings, dates as either `YYYY-MM-DD` or full timestamps), so every value is coerced here, once,
 * by the column's declared type. A value that cannot be coerced becomes null rather than failing the
 * page: one odd record must not stop a sync (the caller counts these).
 */
import type { ColumnType, ValueTransform } from '../catalog/types';

export interface CoercionIssue {
  column: string;
  value: unknown;
  type: ColumnType;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Returns `undefined` when the value cannot be represented (the caller stores null and counts it). */
export function coerce(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
      if (typeof value === 'number') return Number.isInteger(value) ? value : Math.trunc(value);
      if (typeof value === 'string') {
        const s = value.trim();
        if (INTEGER.test(s)) {
          const n = Number(s);
          return Number.isSafeInteger(n) ? n : s; // beyond 2^53 keep the exact digits
        }
        if (DECIMAL.test(s)) return Math.trunc(Number(s));
        return s === '' ? null : undefined;
      }
      if (typeof value === 'boolean') return value ? 1 : 0;
      return undefined;
    case 'double':
      if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
      if (typeof value === 'string') {
        const s = value.trim();
        if (DECIMAL.test(s)) return Number(s);
        return s === '' ? null : undefined;
      }
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const s = value.trim().toLowerCase();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
        return s === '' ? null : undefined;
      }
      return undefined;
    case 'text':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return JSON.stringify(value); // an object where text was expected: keep it readable, lose nothing
    case 'timestamp':
      return toIsoTimestamp(value);
    case 'date': {
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return value.trim();
      const iso = toIsoTimestamp(value);
      return typeof iso === 'string' ? iso.slice(0, 10) : iso;
    }
    case 'json':
      return value;
  }
}

export type Coercer = (value: unknown) => unknown;

/**
 * `coerce` specialised to one column type, for the mapper's per-value loop: the value the type
 * expects (a safe integer, a string, a boolean, Zendesk's own timestamp form…) is returned at once,
 * anything else goes through `coerce`, so the result is always exactly `coerce(value, type)`.
 */
export function coercerFor(type: ColumnType): Coercer {
  return COERCERS[type];
}

/** One function per type, shared by every column of that type (so they warm up together). */
const COERCERS: Record<ColumnType, Coercer> = {
  bigint: (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? value : coerce(value, 'bigint')),
  double: (value) => (typeof value === 'number' && Number.isFinite(value) ? value : coerce(value, 'double')),
  boolean: (value) => (typeof value === 'boolean' ? value : coerce(value, 'boolean')),
  text: (value) => (typeof value === 'string' ? value : coerce(value, 'text')),
  timestamp: (value) => (typeof value === 'string' && isCanonicalUtcSeconds(value) ? value : coerce(value, 'timestamp')),
  date: (value) => {
    if (typeof value === 'string') {
      if (value.length === 10 && PLAIN_DATE.test(value)) return value;
      if (isUtcSecondsForDate(value)) return value.slice(0, 10);
    }
    return coerce(value, 'date');
  },
  json: (value) => (value === undefined ? null : value),
};

/** ISO-8601 UTC with whole seconds (`2024-01-02T03:04:05Z`), as Zendesk writes them. */
function toIsoTimestamp(value: unknown): unknown {
  if (typeof value === 'string') {
    // Zendesk's own form (almost every value): already what the slow path would return.
    if (isCanonicalUtcSeconds(value)) return value;
    if (value.trim() === '') return null;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : isoSeconds(ms);
  }
  if (typeof value === 'number') return isoSecondsInRange(value * 1000); // epoch seconds
  return undefined;
}

/** Largest |ms| a Date holds (±275,760 years); beyond it there is no instant to write. */
const MAX_DATE_MS = 8.64e15;

/** `isoSeconds`, or undefined where no Date exists (NaN, ±Infinity, out of range) instead of a throw. */
function isoSecondsInRange(ms: number): string | undefined {
  return ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS ? isoSeconds(ms) : undefined;
}

const CANONICAL_UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|\+00:00)$/;
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ` naming a real instant (a real calendar day, hour < 24, minute and second
 * < 60): `Date.parse` then `isoSeconds` gives back exactly this text, so it can be kept as is.
 * Anything else (day 30 of February, hour 24, a fraction, an offset, spaces) takes the slow path,
 * which stays the definition.
 */
function isCanonicalUtcSeconds(text: string): boolean {
  return text.length === 20 && CANONICAL_UTC_SECONDS.test(text) && realUtcFields(text);
}

/**
 * `YYYY-MM-DDTHH:MM:SS` then `Z` or `+00:00`, naming a real instant: the slow path's date is then
 * exactly the first ten characters (a zero offset moves nothing).
 */
function isUtcSecondsForDate(text: string): boolean {
  return (text.length === 20 || text.length === 25) && UTC_SECONDS.test(text) && realUtcFields(text);
}

/** The date and time fields of `YYYY-MM-DDTHH:MM:SS…` (digits already checked) name a real instant. */
function realUtcFields(text: string): boolean {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return false;
  return digitsAt(text, 11, 2) < 24 && digitsAt(text, 14, 2) < 60 && digitsAt(text, 17, 2) < 60;
}

/** `00`..`99`, for formatting without padding calls. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const MS_PER_DAY = 86_400_000;
/** First instant of year 10000: from there on `toISOString` writes six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;

export function isoSeconds(ms: number): string {
  // Integral instants from 1970 to 9999 are formatted by hand (toISOString is ~10x slower); others
  // (before 1970, far future, fractional or invalid, which throws as before) go through Date.
  if (!(ms >= 0 && ms < YEAR_10000_MS && Number.isInteger(ms))) {
    const iso = new Date(ms).toISOString();
    return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
  }
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const head =
    `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}` +
    `T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}`;
  return millis === 0 ? `${head}Z` : `${head}.${String(1000 + millis).slice(1)}Z`;
}

export function applyTransform(value: unknown, transform: ValueTransform | undefined): unknown {
  if (value === null || value === undefined || !transform) return value;
  switch (transform) {
    case 'epoch_to_timestamp':
      // Out of a Date's range, the number stays as it is (its column's coercion then stores null).
      return typeof value === 'number' || (typeof value === 'string' && INTEGER.test(value))
        ? (isoSecondsInRange(Number(value) * 1000) ?? value)
        : value;
    case 'to_text':
      return String(value);
    case 'slugify':
      return String(value)
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, '_')
        .replace(/^_+|_+$/g, '');
  }
}
