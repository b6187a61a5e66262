/**
 * Privacy controls, applied in the worker before any row reaches a warehouse:
 *   exclude: columns never created nor written;
 *   hash:    columns replaced by HMAC-SHA256(salt, text of the value) as lowercase hex (a text
 *            column), so equal values still join across tables and syncs while the value is hidden.
 * The salt is a reference (`env:VAR` or `file:<path>`) resolved here, never carried in workflow input.
 */
import { createHmac } from 'node:crypto';
import { readOwnerOnlyFileSync } from '../credentials/ownerOnly';
import type { SourceConfig } from '../config/sourceConfig';
import type { Destination, Row, TableBatch, WarehouseTable } from '../destinations/types';
import { InvalidSettingsError } from '../failures/vocabulary';

export type PrivacySettings = NonNullable<SourceConfig['privacy']>;

export function resolveSalt(ref: string): string {
  let salt: string | undefined;
  if (ref.startsWith('env:')) salt = process.env[ref.slice(4)];
  else if (ref.startsWith('file:')) {
    try {
      // A secret like a credential: owner-only (chmod 600), or refused.
      salt = readOwnerOnlyFileSync(ref.slice(5), 'privacy.saltRef: salt file', (message) => new InvalidSettingsError(message)).trim();
    } catch (err) {
      if (err instanceof InvalidSettingsError) throw err;
      throw new InvalidSettingsError(`privacy.saltRef: salt file ${ref.slice(5)} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
  } else throw new InvalidSettingsError('privacy.saltRef: must be env:<VAR> or file:<path>');
  if (!salt || salt.length < 16) {
    throw new InvalidSettingsError(`privacy.saltRef: ${ref} must hold a salt of at least 16 characters (e.g. openssl rand -hex 32)`);
  }
  return salt;
}

export function hashValue(salt: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return createHmac('sha256', salt).update(text, 'utf8').digest('hex');
}

export interface PrivacyTransform {
  table(table: WarehouseTable): WarehouseTable;
  rows(table: string, rows: Row[]): Row[];
}

/** Returns undefined when the settings change nothing. */
export function privacyTransform(settings: PrivacySettings | undefined): PrivacyTransform | undefined {
  const exclude = settings?.exclude ?? {};
  const hash = settings?.hash ?? {};
  const active = (m: Record<string, string[]>) => Object.values(m).some((c) => c.length > 0);
  if (!active(exclude) && !active(hash)) return undefined;
  let salt: string | undefined;
  if (active(hash)) {
    if (!settings?.saltRef)
      throw new InvalidSettingsError('privacy.saltRef: hashing columns needs a salt: set "saltRef": "env:ZS_SALT" or "file:<path>"');
    salt = resolveSalt(settings.saltRef);
  }
  const excluded = (t: string) => new Set(exclude[t] ?? []);
  const hashed = (t: string) => new Set(hash[t] ?? []);
  return {
    table(table) {
      const ex = excluded(table.name);
      const hs = hashed(table.name);
      if (ex.has(table.primaryKey) || hs.has(table.primaryKey)) {
        throw new InvalidSettingsError(`privacy: ${table.name}.${table.primaryKey} is the primary key and cannot be excluded or hashed`);
      }
      const transformed: WarehouseTable = {
        ...table,
        columns: table.columns.filter((c) => !ex.has(c.name)).map((c) => (hs.has(c.name) ? { ...c, type: 'text' } : c)),
      };
      // An excluded or hashed version column cannot order versions any more: the last write wins.
      if (table.versionColumn !== undefined && (ex.has(table.versionColumn) || hs.has(table.versionColumn)))
        delete transformed.versionColumn;
      return transformed;
    },
    rows(tableName, rows) {
      const ex = [...excluded(tableName)];
      const hs = [...hashed(tableName)];
      if (!ex.length && !hs.length) return rows;
      return rows.map((row) => {
        const out: Row = { ...row };
        for (const c of ex) delete out[c];
        for (const c of hs) if (c in out) out[c] = hashValue(salt!, out[c]);
        return out;
      });
    },
  };
}

/** A destination that applies the privacy settings to every table it creates and row it writes. */
export function withPrivacy(destination: Destination, settings: PrivacySettings | undefined): Destination {
  const transform = privacyTransform(settings);
  if (!transform) return destination;
  const wrapped: Destination = {
    kind: destination.kind,
    ensureSchema: (schema) => destination.ensureSchema(schema),
    ensureTable: (schema, table) => destination.ensureTable(schema, transform.table(table)),
    upsert: (schema, batches: TableBatch[], options) =>
      destination.upsert(
        schema,
        batches.map((b) => ({ table: transform.table(b.table), rows: transform.rows(b.table.name, b.rows) })),
        options,
      ),
    beginFullRead: (schema, tables, readId) => destination.beginFullRead(schema, tables, readId),
    finishFullRead: (schema, table, readId) => destination.finishFullRead(schema, transform.table(table), readId),
    readState: (source, key) => destination.readState(source, key),
    writeState: (source, key, value) => destination.writeState(source, key, value),
    countRows: (schema, table, except) => destination.countRows(schema, table, except),
    readKeys: (schema, table, column) => destination.readKeys(schema, table, column),
    close: () => destination.close(),
  };
  return wrapped;
}
