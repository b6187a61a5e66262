/**
 * Opens a destination from its URL:
 *   sqlite://./data/warehouse       a directory, relative to the working directory (./sqlite/settings.ts)
 *   sqlite:///var/lib/zs/warehouse  an absolute directory
 *   postgres://user:pass@host:5432/db   (or postgresql://…; any libpq-style query parameters pg accepts)
 *   snowflake://USER@ACCOUNT/DATABASE?warehouse=WH&…   (./snowflake/settings.ts)
 *   bigquery://PROJECT/DATASET_PREFIX?location=EU&keyFile=/path/key.json   (./bigquery/settings.ts)
 *
 * Schemes live in a registry of async factories. Built-in writers (each in its own folder) are
 * loaded lazily so opening SQLite never loads pg, the Snowflake driver or BigQuery's client, and vice
 * versa; any other writer can call `registerDestinationScheme`. Passwords never appear in errors: URLs are shown through `redactUrl`
 * (./reference).
 */
import type { BigQueryOpenOptions } from './bigquery/destination';
import type { PostgresOptions } from './postgres/destination';
import type { SnowflakeOpenOptions } from './snowflake/destination';
import { redactUrl, urlScheme } from './reference';
import { sqliteDirectory } from './sqlite/settings';
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
  [
    'snowflake',
    async (url, options) => (await import('./snowflake/destination')).openSnowflakeDestination(url, options as SnowflakeOpenOptions),
  ],
  [
    'bigquery',
    async (url, options) => (await import('./bigquery/destination')).openBigQueryDestination(url, options as BigQueryOpenOptions),
  ],
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
    const schemes = supportedSchemes()
      .map((s) => `${s}://`)
      .join(', ');
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
