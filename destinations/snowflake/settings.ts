/**
 * How the Snowflake destination is addressed: a settings object, or a URL
 *
 *   snowflake://USER@ACCOUNT/DATABASE?warehouse=WH&role=ROLE&privateKeyPath=/path/key.p8
 *
 * with optional `host`, `port`, `protocol` (to point at an emulator), `queryTag` and
 * `maxStatementBytes`. Secrets never travel in the URL: the private-key
 * passphrase comes from ZS_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE and the password (fallback when no key
 * is configured) from ZS_SNOWFLAKE_PASSWORD. A URL carrying a password is refused, so it cannot end
 * up in a config file or a log line.
 */
import type { ConnectionOptions } from 'snowflake-sdk';

export const PASSWORD_ENV = 'ZS_SNOWFLAKE_PASSWORD';
export const PRIVATE_KEY_PASSPHRASE_ENV = 'ZS_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE';

/**
 * Snowflake truncates statement text above 1 MB in its metadata and the limit "applies when binding
 * values" (docs: query-size-limits), so each staging statement carries at most this much SQL + binds,
 * counted as the driver sends them: the JSON text of both, escapes included (a control character
 * costs six bytes there). A row larger than this (a 10 MB comment) is inserted without its largest text values, which are
 * then appended in pieces of at most this size (staging.ts).
 */
export const DEFAULT_MAX_STATEMENT_BYTES = 900_000;

/**
 * At most this many bind values (rows × columns) go in one staging INSERT, and the driver's
 * `arrayBindingThreshold` is set to the same number, so its test `values > threshold` never holds
 * and every array bind is sent inline, in the request, never through the driver's stage binding
 * (CREATE TEMPORARY STAGE SYSTEM$BIND + PUT of a CSV + `bindStage`). Why inline, always:
 *   - each INSERT is already cut under `maxStatementBytes`, so staging its binds would add a CREATE
 *     STAGE and a PUT (an upload to the account's cloud storage, which also needs egress to S3 /
 *     Azure / GCS besides the Snowflake host) per statement, for under 1 MB of data;
 *   - the stage path encodes values differently (the driver's own CSV), and no test can run it:
 *     fakesnow cannot serve it (FAKESNOW_GAPS.md gap 13), so it would be untested code in production;
 *   - left unset, the threshold comes from the server's CLIENT_STAGE_ARRAY_BINDING_THRESHOLD, an
 *     account parameter an administrator may change (fakesnow answers 0); the option overrides it.
 * 100,000 is Snowflake's default for that parameter: no INSERT carries more inline values than the
 * driver would send inline on a default account anyway.
 */
export const DEFAULT_MAX_BIND_VALUES_PER_STATEMENT = 100_000;

export interface SnowflakeSettings {
  /** Account identifier, e.g. `myorg-myaccount` or `xy12345.us-east-1`. */
  account: string;
  username: string;
  database: string;
  warehouse?: string;
  role?: string;
  /** Key-pair authentication (preferred): path to a PKCS#8 PEM private key. */
  privateKeyPath?: string;
  /** Key-pair authentication with the PEM text itself instead of a file. */
  privateKey?: string;
  /** Passphrase of an encrypted private key (default: $ZS_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE). */
  privateKeyPass?: string;
  /** Password authentication, only when no private key is given (default: $ZS_SNOWFLAKE_PASSWORD). */
  password?: string;
  /** Overrides of where the driver connects, for an emulator: host, port, `http`/`https`. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** QUERY_TAG of every statement of the session (see `snowflakeQueryTag`). */
  queryTag?: string;
  /** Byte budget of one statement as sent (SQL text + binds, JSON-escaped). Default DEFAULT_MAX_STATEMENT_BYTES. */
  maxStatementBytes?: number;
  /**
   * Bind values per staging INSERT, also the driver's `arrayBindingThreshold` (so binds always go
   * inline). Default DEFAULT_MAX_BIND_VALUES_PER_STATEMENT; settings object only, not a URL parameter.
   */
  maxBindValuesPerStatement?: number;
}

const URL_PARAMETERS = new Set(['warehouse', 'role', 'privateKeyPath', 'host', 'port', 'protocol', 'queryTag', 'maxStatementBytes']);

export function parseSnowflakeUrl(url: string): SnowflakeSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('Snowflake URL is not a valid URL: expected snowflake://USER@ACCOUNT/DATABASE?warehouse=...');
  }
  if (parsed.protocol !== 'snowflake:') throw new Error(`Snowflake URL must start with snowflake://, not ${parsed.protocol}//`);
  if (parsed.password) {
    throw new Error(`Snowflake URL must not contain a password: set ${PASSWORD_ENV}, or better, use privateKeyPath`);
  }
  const username = decodeURIComponent(parsed.username);
  const account = decodeURIComponent(parsed.hostname);
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  if (!username) throw new Error('Snowflake URL names no user: snowflake://USER@ACCOUNT/DATABASE');
  if (!account) throw new Error('Snowflake URL names no account: snowflake://USER@ACCOUNT/DATABASE');
  if (!database || database.includes('/'))
    throw new Error('Snowflake URL must name exactly one database: snowflake://USER@ACCOUNT/DATABASE');
  const settings: SnowflakeSettings = { account, username, database };
  for (const [name, value] of parsed.searchParams) {
    if (name === 'arrayBindingThreshold') {
      throw new Error(
        'Snowflake URL parameter arrayBindingThreshold is no longer accepted: the destination sets it itself so that ' +
          'every array bind is sent inline (each statement is already under maxStatementBytes); remove it from the URL',
      );
    }
    if (!URL_PARAMETERS.has(name)) {
      throw new Error(`Unknown Snowflake URL parameter ${JSON.stringify(name)}; known: ${[...URL_PARAMETERS].join(', ')}`);
    }
    switch (name) {
      case 'port':
      case 'maxStatementBytes':
        settings[name] = positiveInteger(name, value);
        break;
      case 'protocol':
        if (value !== 'http' && value !== 'https') throw new Error('Snowflake URL parameter protocol must be http or https');
        settings.protocol = value;
        break;
      default:
        settings[name as 'warehouse' | 'role' | 'privateKeyPath' | 'host' | 'queryTag'] = value;
    }
  }
  return settings;
}

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Snowflake URL parameter ${name} must be a positive integer`);
  return n;
}

/**
 * A QUERY_TAG naming the application, the source and the run, as JSON so warehouse cost can be
 * grouped by any of them (`QUERY_HISTORY` → `PARSE_JSON(query_tag):source`). Snowflake caps tags at
 * 2000 characters.
 */
export function snowflakeQueryTag(parts: { source: string; run?: string }): string {
  const part = (text: string) => text.slice(0, 900); // both parts together stay within the cap, as valid JSON
  return JSON.stringify({ app: 'zendesk-sync', source: part(parts.source), ...(parts.run ? { run: part(parts.run) } : {}) });
}

/**
 * `port` and `protocol` are read by the driver (connection_config.js builds the access URL from
 * them) but missing from its 3.3 type definitions.
 */
export type DriverConnectionOptions = ConnectionOptions & { port?: number; protocol?: 'http' | 'https' };

export function maxBindValuesPerStatement(settings: SnowflakeSettings): number {
  const limit = settings.maxBindValuesPerStatement ?? DEFAULT_MAX_BIND_VALUES_PER_STATEMENT;
  // 0 would be ignored by the driver (falsy), which would then stage every array bind.
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error('Snowflake setting maxBindValuesPerStatement must be a positive integer');
  return limit;
}

/** The driver's connection options: key-pair auth when a key is configured, else password. */
export function driverConnectionOptions(settings: SnowflakeSettings, env: NodeJS.ProcessEnv = process.env): DriverConnectionOptions {
  const options: DriverConnectionOptions = {
    account: settings.account,
    username: settings.username,
    database: settings.database,
    application: 'zendesk-sync',
    queryTag: settings.queryTag ?? snowflakeQueryTag({ source: 'all' }),
  };
  if (settings.warehouse) options.warehouse = settings.warehouse;
  if (settings.role) options.role = settings.role;
  if (settings.host) options.host = settings.host;
  if (settings.port !== undefined) options.port = settings.port;
  if (settings.protocol) options.protocol = settings.protocol;
  // Always set (see DEFAULT_MAX_BIND_VALUES_PER_STATEMENT): the staging load never exceeds it.
  options.arrayBindingThreshold = maxBindValuesPerStatement(settings);
  if (settings.privateKeyPath || settings.privateKey) {
    options.authenticator = 'SNOWFLAKE_JWT';
    if (settings.privateKeyPath) options.privateKeyPath = settings.privateKeyPath;
    else options.privateKey = settings.privateKey;
    const passphrase = settings.privateKeyPass ?? env[PRIVATE_KEY_PASSPHRASE_ENV];
    if (passphrase) options.privateKeyPass = passphrase;
  } else {
    const password = settings.password ?? env[PASSWORD_ENV];
    if (!password) {
      throw new Error(`Snowflake destination has no credentials: set privateKeyPath (key-pair, preferred) or ${PASSWORD_ENV}`);
    }
    options.authenticator = 'SNOWFLAKE';
    options.password = password;
  }
  return options;
}
