/**
 * Opens a destination from its URL:
 *   sqlite://./data/warehouse       a directory, relative to the working directory
 *   sqlite:///var/lib/zs/warehouse  an absolute directory
 *   postgres://user:pass@host:5432/db   (or postgresql://…; any libpq-style query parameters pg accepts)
 *   bigquery://PROJECT/DATASET_PREFIX?location=EU&keyFile=/path/key.json   (destinations/bigquery/settings.ts)
 *
 * Schemes live in a registry of async factories. Built-in writers are loaded lazily so opening
 * SQLite never loads pg and vice versa. `snowflake://` resolves to `./snowflake/destination`'s
 * `openSnowflakeDestination(url, options)` when that module exists; any other writer can call
 * `registerDestinationScheme`. Passwords never appear in errors: URLs are shown through `redactUrl`
 * (./reference).
 */
import path from 'node:path';
import type { BigQueryOpenOptions } from './bigquery/destination';
import type { PostgresOptions } from './postgres/destination';
import { redactUrl, urlScheme } from './reference';
import type { Destination } from './types';

export interface OpenOptions {
  /** Postgres tuning and retry hooks (ignored by SQLite). */
  postgres?: PostgresOptions;
  /** Free-form options for writers registered by other modules (e.g. Snowflake). */
  [writer: string]: unknown;
}

export type DestinationFactory = (url: string, options: OpenOptions) => Promise<Destination>;

const factories = new Map<string, DestinationFactory>([
  ['sqlite', async (url) => (await import('./sqlite/destination')).openSqliteDestination(sqliteDirectory(url))],
  ['postgres', async (url, options) => (await import('./postgres/destination')).openPostgresDestination(url, options.postgres)],
  ['postgresql', async (url, options) => (await import('./postgres/destination')).openPostgresDestination(url, options.postgres)],
  ['snowflake', openSnowflakeIfPresent],
  ['bigquery', async (url, options) => (await import('./bigquery/destination')).openBigQueryDestination(url, options as BigQueryOpenOptions)],
]);

/** Adds (or replaces) the factory for a URL scheme, given without the `://`. */
export function registerDestinationScheme(scheme: string, factory: DestinationFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

export function supportedSchemes(): string[] {
  return [...factories.keys()];
}

export async function openDestination(url: string, options: OpenOptions = {}): Promise<Destination> {
  const scheme = urlScheme(url);
  const factory = scheme === undefined ? undefined : factories.get(scheme);
  if (!factory) {
    const schemes = supportedSchemes().map((s) => `${s}://`).join(', ');
    throw new Error(`Unsupported destination URL ${redactUrl(url)}: expected one of ${schemes}`);
  }
  try {
    return await factory(url.trim(), options);
  } catch (err) {
    // Driver errors never carry the password, but say which destination failed without it.
    if (err instanceof Error && !err.message.includes(redactUrl(url))) {
      err.message = `Could not open destination ${redactUrl(url)}: ${err.message}`;
    }
    throw err;
  }
}

/** The directory of a `sqlite://` URL, resolved against the working directory. */
export function sqliteDirectory(url: string): string {
  const rest = url.trim().replace(/^sqlite:\/\//i, '');
  if (rest === '' || rest === '/') {
    throw new Error(`SQLite URL ${redactUrl(url)} names no directory: use sqlite://./data/warehouse or sqlite:///absolute/dir`);
  }
  if (/[?#]/.test(rest)) throw new Error(`SQLite URL ${redactUrl(url)} must not have a query or fragment: it is a directory path`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new Error(`SQLite URL ${redactUrl(url)} has an invalid percent-escape`);
  }
  return path.resolve(decoded);
}

async function openSnowflakeIfPresent(url: string, options: OpenOptions): Promise<Destination> {
  let module: { openSnowflakeDestination?: DestinationFactory };
  // A computed specifier so the type-checker does not require the module to exist yet.
  const specifier = './snowflake/destination';
  try {
    module = require(specifier) as typeof module;
  } catch (err) {
    const missing = (err as { code?: string }).code === 'MODULE_NOT_FOUND' && String(err).includes(`'${specifier}'`);
    if (missing) {
      throw new Error('The Snowflake destination is not available in this build (destinations/snowflake/destination.ts is missing)');
    }
    throw err;
  }
  if (typeof module.openSnowflakeDestination !== 'function') {
    throw new Error('destinations/snowflake/destination.ts must export openSnowflakeDestination(url, options)');
  }
  return module.openSnowflakeDestination(url, options);
}
