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

/** ISO-8601 UTC with whole seconds (`2024-01-02T03:04:05Z`), as Zendesk writes them. */
function toIsoTimestamp(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : isoSeconds(ms);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return isoSeconds(value * 1000); // epoch seconds
  return undefined;
}

export function isoSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function applyTransform(value: unknown, transform: ValueTransform | undefined): unknown {
  if (value === null || value === undefined || !transform) return value;
  switch (transform) {
    case 'epoch_to_timestamp':
      return typeof value === 'number' || (typeof value === 'string' && INTEGER.test(value))
        ? isoSeconds(Number(value) * 1000)
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
