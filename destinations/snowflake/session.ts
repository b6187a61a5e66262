/**
 * One Snowflake session, used by one caller at a time.
 *
 * Temporary tables, the current schema and an open transaction all belong to the session, so the
 * staging INSERTs, the MERGEs and their BEGIN/COMMIT must run on the same connection without
 * anything else interleaving: `exclusive` queues whole units of work. A session that went down
 * (network loss, expired login) is replaced by a fresh login before the next unit starts.
 */
import snowflake from 'snowflake-sdk';
import type { Bind, Binds, Connection, LogLevel } from 'snowflake-sdk';
import type { DriverConnectionOptions } from './settings';

const LOG_LEVELS: readonly LogLevel[] = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'OFF'];
let driverLoggingConfigured = false;

/**
 * The driver logs every login step at INFO to stdout by default, interleaved with the worker's own
 * structured logs; WARN unless ZS_SNOWFLAKE_LOG_LEVEL asks for more. (Its logger is process-global;
 * it redacts secrets itself.)
 */
function configureDriverLogging(): void {
  if (driverLoggingConfigured) return;
  driverLoggingConfigured = true;
  const wanted = process.env.ZS_SNOWFLAKE_LOG_LEVEL?.toUpperCase() as LogLevel | undefined;
  snowflake.configure({ logLevel: wanted && LOG_LEVELS.includes(wanted) ? wanted : 'WARN' });
}

export type ResultRow = Record<string, unknown>;

export interface SessionStatement {
  sqlText: string;
  binds?: Binds;
}

export class SnowflakeSession {
  private connection: Connection | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** `afterLogin` runs on every new login (session setup such as USE SCHEMA). */
  constructor(
    private readonly options: DriverConnectionOptions,
    private readonly afterLogin: (run: (sqlText: string, binds?: Binds) => Promise<ResultRow[]>) => Promise<void>,
  ) {}

  /** Runs `work` alone on the session, logging in first if needed. */
  exclusive<T>(work: (run: (sqlText: string, binds?: Binds) => Promise<ResultRow[]>) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new Error('Snowflake destination is closed');
      const connection = await this.connected();
      return work((sqlText, binds) => execute(connection, sqlText, binds));
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const connection = this.connection;
    this.connection = null;
    if (connection?.isUp()) {
      await new Promise<void>((resolve) => connection.destroy(() => resolve()));
    }
  }

  private async connected(): Promise<Connection> {
    if (this.connection?.isUp()) return this.connection;
    configureDriverLogging();
    const connection = snowflake.createConnection(this.options);
    await connection.connectAsync();
    try {
      await this.afterLogin((sqlText, binds) => execute(connection, sqlText, binds));
    } catch (err) {
      // A session without its setup (current schema) must not be reused: log in afresh next time.
      await new Promise<void>((resolve) => connection.destroy(() => resolve()));
      throw err;
    }
    this.connection = connection;
    return connection;
  }
}

function execute(connection: Connection, sqlText: string, binds?: Binds): Promise<ResultRow[]> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds: binds as Bind[] } : {}),
      complete: (err, _statement, rows) => {
        if (err) reject(describeError(err, sqlText));
        else resolve((rows ?? []) as ResultRow[]);
      },
    });
  });
}

/** Adds the statement (shortened; binds are never included) so a failure says what failed. */
function describeError(err: Error, sqlText: string): Error {
  const shown = sqlText.length > 300 ? `${sqlText.slice(0, 300)}…` : sqlText;
  err.message = `${err.message} [Snowflake statement: ${shown}]`;
  return err;
}
