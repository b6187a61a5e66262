/**
 * Postgres warehouse through knex (pool, DDL, state, counts) and pg (the upsert statements, run on a
 * connection checked out of knex's pool).
 *
 * One schema per source; sync state in the `zendesk_sync` schema. Upserts are
 *   INSERT INTO "s"."t" (…) SELECT * FROM unnest($1::bigint[], $2::text[], …)
 *   ON CONFLICT ("id") DO UPDATE SET … = EXCLUDED.… [WHERE the incoming version is not older]
 * with one array parameter per column, so a statement has as many parameters as the table has
 * columns and the protocol's 65,535-parameter cap never applies; batches are still cut into chunks
 * of at most 5,000 rows / ~32 M characters (measured fastest; keeps one message well under 1 GB).
 * COPY into a temp table then merge was measured slower for upserts (engineering notes §4.1).
 *
 * Every unit of work (an upsert transaction, a DDL step, a state read or write) is retried whole on
 * transient errors (connection refused/reset, admin shutdown, serialization failure, deadlock) with
 * bounded, jittered backoff; that is safe because each unit is idempotent.
 *
 * Column types: bigint, double precision, boolean, text, timestamptz, date, jsonb.
 */
import knexFactory, { type Knex } from 'knex';
import type { Client as PgClient } from 'pg';
import type { ColumnType } from '../../catalog/types';
import {
  quoteIdentifier,
  METADATA_SCHEMA,
  InvalidIdentifierError,
  assertSafeIdentifier,
  assertSourceSchema,
  assertValidTable,
} from '../shared/identifiers';
import {
  addCount,
  emptyResult,
  encodeRowInto,
  guardingRecordTable,
  lastRowPerKey,
  recordTablesFirst,
  replacedKeyChunks,
  rowEncoder,
  type WriterUpsertResult,
} from '../shared/batchRows';
import type { DriverValue } from '../shared/driverValues';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryNotice, type RetryPolicy } from './retry';
import { FULL_READS_TABLE, FULL_READ_KEYS_TABLE, keyText } from '../shared/fullReads';
import type { Destination, FullReadSweep, RowExclusion, TableBatch, UpsertOptions, WarehouseTable } from '../types';
import { cleanText } from '../shared/textCleaning';
import { exclusionClause } from '../shared/verificationReads';

const POSTGRES_TYPES: Record<ColumnType, string> = {
  bigint: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  text: 'text',
  timestamp: 'timestamptz',
  date: 'date',
  json: 'jsonb',
};

const q = (name: string) => quoteIdentifier(name, 'postgres');

/** Postgres refuses to create `pg_*` schemas; information_schema is the catalog's own. */
function assertPostgresSourceSchema(schema: string): void {
  assertSourceSchema(schema, ['information_schema', 'public']);
  if (schema.startsWith('pg_')) throw new InvalidIdentifierError(schema, 'schema', 'Postgres reserves names starting with pg_');
}

/** Serialises DDL across writers (two workers creating one schema or table at once). */
const DDL_LOCK_KEY = 'zendesk_sync:ddl';

export interface PostgresOptions {
  /** Most connections the pool opens (default 4). */
  poolMax?: number;
  /**
   * How long a connect may take, and a call wait for a pooled connection, before it fails (default:
   * pg's no connect timeout, knex's 60 s wait). A server that accepts and never answers then fails
   * the call instead of holding it.
   */
  connectTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called before each retry (for logging; the error never carries the password). */
  onRetry?: (notice: RetryNotice) => void;
  /** Most rows per statement (default 5,000). */
  chunkRows?: number;
  /** Most characters of text/json per statement (default 32 M). */
  chunkChars?: number;
}

/** A pg client as knex's pool hands it out (`__knex__disposed` marks it unusable for the pool). */
type PgConnection = PgClient & { __knex__disposed?: unknown };

interface EncodedChunk {
  /** One array per column, in table column order: the unnest parameters. */
  columns: DriverValue[][];
}

export class PostgresDestination implements Destination {
  readonly kind = 'postgres' as const;
  private readonly retryPolicy: RetryPolicy;
  private readonly chunkRows: number;
  private readonly chunkChars: number;
  private metadataReady: Promise<void> | undefined;

  private constructor(
    private readonly knex: Knex,
    private readonly options: PostgresOptions,
  ) {
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.chunkRows = options.chunkRows ?? 5_000;
    this.chunkChars = options.chunkChars ?? 32_000_000;
  }

  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresDestination> {
    const parsed = new URL(url);
    const knex = knexFactory({
      client: 'pg',
      connection: {
        connectionString: url,
        // Named connections are easy to spot (and to terminate) in pg_stat_activity.
        ...(parsed.searchParams.has('application_name') ? {} : { application_name: 'zendesk-sync' }),
        ...(options.connectTimeoutMs !== undefined && { connectionTimeoutMillis: options.connectTimeoutMs }),
      },
      pool: { min: 0, max: options.poolMax ?? 4 },
      ...(options.connectTimeoutMs !== undefined && { acquireConnectionTimeout: options.connectTimeoutMs }),
    });
    const destination = new PostgresDestination(knex, options);
    try {
      await destination.retrying(() => knex.raw('SELECT 1'));
    } catch (err) {
      await knex.destroy();
      throw err;
    }
    return destination;
  }

  async ensureSchema(schema: string): Promise<void> {
    assertPostgresSourceSchema(schema);
    await this.ddl(async (trx) => {
      await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    });
  }

  async ensureTable(schema: string, table: WarehouseTable): Promise<void> {
    assertPostgresSourceSchema(schema);
    assertValidTable(table);
    const target = `${q(schema)}.${q(table.name)}`;
    await this.ddl(async (trx) => {
      const existing = await trx.raw<{ rows: Array<{ attname: string }> }>(
        'SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped',
        [target],
      );
      if (existing.rows.length === 0) {
        const columns = table.columns.map((c) => {
          const key = c.name === table.primaryKey ? ' PRIMARY KEY' : '';
          return `${q(c.name)} ${POSTGRES_TYPES[c.type]}${key}`;
        });
        await trx.raw(`CREATE TABLE IF NOT EXISTS ${target} (${columns.join(', ')})`);
        return;
      }
      const present = new Set(existing.rows.map((r) => r.attname));
      const missing = table.columns.filter((c) => !present.has(c.name));
      if (missing.length > 0) {
        const additions = missing.map((c) => `ADD COLUMN IF NOT EXISTS ${q(c.name)} ${POSTGRES_TYPES[c.type]}`);
        await trx.raw(`ALTER TABLE ${target} ${additions.join(', ')}`);
      }
    });
  }

  async upsert(schema: string, batches: TableBatch[], options: UpsertOptions = {}): Promise<WriterUpsertResult> {
    assertPostgresSourceSchema(schema);
    batches.forEach((b) => assertValidTable(b.table));
    const result = emptyResult();
    const { fullReadId } = options;
    // Encode once, before the transaction, so a retried transaction resends the same arrays.
    const work = recordTablesFirst(batches).map((batch) => {
      const encoder = rowEncoder(batch.table, 'postgres');
      const encodeKey = encoder.encoders[encoder.primaryKeyIndex]!;
      const keyed = lastRowPerKey(batch.table, batch.rows, encodeKey);
      addCount(result.rejectedByTable, batch.table.name, keyed.rejected);
      const { chunks, coercedToNull } = this.encodeChunks(encoder, keyed.rows);
      addCount(result.coercedToNullByTable, batch.table.name, coercedToNull);
      result.rowsByTable[batch.table.name] = (result.rowsByTable[batch.table.name] ?? 0) + keyed.rows.length;
      const seenKeys = fullReadId === undefined ? [] : keyed.rows.map((row) => keyText(encodeKey(row[batch.table.primaryKey]) ?? null));
      const replaced = replacedKeyChunks(batch, 'postgres');
      const replaceSql = replaced.chunks.length
        ? `DELETE FROM ${q(schema)}.${q(batch.table.name)} WHERE ${q(replaced.column)} = ANY($1::${POSTGRES_TYPES[batch.table.columns.find((c) => c.name === replaced.column)!.type]}[])`
        : '';
      const recordTable = replaced.chunks.length ? guardingRecordTable(batch, batches)?.name : undefined;
      const replacedIndex = batch.table.columns.findIndex((c) => c.name === replaced.column);
      const primaryKeyIndex = encoder.primaryKeyIndex;
      return {
        table: batch.table,
        sql: upsertSql(schema, batch.table),
        chunks,
        seenKeys,
        replaceSql,
        replaced: replaced.chunks,
        recordTable,
        replacedIndex,
        primaryKeyIndex,
      };
    });
    /** Tables whose guarded upsert decides a derived table's replacement. */
    const recordTables = new Set(work.flatMap((w) => (w.recordTable === undefined ? [] : [w.recordTable])));
    if (fullReadId !== undefined) await this.ensureMetadata();
    await this.retrying(() =>
      this.inTransaction(async (connection) => {
        /** Per record table, the keys whose stored row was newer and stayed (the version guard held). */
        const keptNewer = new Map<string, Set<string>>();
        for (const { table, sql, chunks, seenKeys, replaceSql, replaced, recordTable, replacedIndex, primaryKeyIndex } of work) {
          // A record whose stored version is newer keeps its derived rows: none deleted, none added.
          const stale = recordTable === undefined ? undefined : keptNewer.get(recordTable);
          // The rows derived from the page's records go first; the page's rows replace them.
          for (const chunk of replaced) {
            const keys = stale ? chunk.filter((key) => !stale.has(keyText(key))) : chunk;
            if (keys.length > 0) await connection.query(replaceSql, [keys]);
          }
          if (recordTables.has(table.name)) {
            // The rows the guarded upsert inserted or updated come back; the others kept a newer row.
            const newer = keptNewer.get(table.name) ?? new Set<string>();
            keptNewer.set(table.name, newer);
            const returning = `${sql} RETURNING ${q(table.primaryKey)}::text AS "written_key"`;
            for (const chunk of chunks) {
              const written = new Set(
                (await connection.query(returning, chunk.columns)).rows.map((r: { written_key: string }) => r.written_key),
              );
              for (const key of chunk.columns[primaryKeyIndex]!) if (!written.has(keyText(key))) newer.add(keyText(key));
            }
          } else {
            for (const chunk of chunks) {
              const columns = stale ? withoutKeys(chunk.columns, replacedIndex, stale) : chunk.columns;
              if (columns[0]!.length > 0) await connection.query(sql, columns);
            }
          }
          // The keys this full read saw, committed with the rows (same transaction).
          if (seenKeys.length > 0) await connection.query(recordSeenKeysSql(), [schema, table.name, fullReadId, seenKeys]);
        }
      }),
    );
    return result;
  }

  async beginFullRead(schema: string, tables: string[], readId: string): Promise<void> {
    assertPostgresSourceSchema(schema);
    tables.forEach((t) => assertSafeIdentifier(t, 'table'));
    await this.ensureMetadata();
    await this.retrying(() =>
      this.inTransaction(async (connection) => {
        for (const table of tables) {
          await connection.query(`DELETE FROM ${meta(FULL_READ_KEYS_TABLE)} WHERE "source" = $1 AND "table_name" = $2`, [schema, table]);
          await connection.query(
            `INSERT INTO ${meta(FULL_READS_TABLE)} ("source", "table_name", "read_id") VALUES ($1, $2, $3) ` +
              'ON CONFLICT ("source", "table_name") DO UPDATE SET "read_id" = EXCLUDED."read_id", "started_at" = now()',
            [schema, table, readId],
          );
        }
      }),
    );
  }

  async finishFullRead(schema: string, table: WarehouseTable, readId: string): Promise<FullReadSweep> {
    assertPostgresSourceSchema(schema);
    assertValidTable(table);
    await this.ensureMetadata();
    let outcome: FullReadSweep = { swept: false, deleted: 0 };
    await this.retrying(() =>
      this.inTransaction(async (connection) => {
        // FOR UPDATE: a read beginning meanwhile waits, so it cannot slip between the check and the sweep.
        const current = await connection.query<{ read_id: string }>(
          `SELECT "read_id" FROM ${meta(FULL_READS_TABLE)} WHERE "source" = $1 AND "table_name" = $2 FOR UPDATE`,
          [schema, table.name],
        );
        if (current.rows[0]?.read_id !== readId) {
          await connection.query(`DELETE FROM ${meta(FULL_READ_KEYS_TABLE)} WHERE "source" = $1 AND "table_name" = $2 AND "read_id" = $3`, [
            schema,
            table.name,
            readId,
          ]);
          outcome = { swept: false, deleted: 0 };
          return;
        }
        const deleted = await connection.query(
          `DELETE FROM ${q(schema)}.${q(table.name)} AS "t" WHERE NOT EXISTS (SELECT 1 FROM ${meta(FULL_READ_KEYS_TABLE)} AS "k" ` +
            `WHERE "k"."source" = $1 AND "k"."table_name" = $2 AND "k"."read_id" = $3 AND "k"."key" = "t".${q(table.primaryKey)}::text)`,
          [schema, table.name, readId],
        );
        await connection.query(`DELETE FROM ${meta(FULL_READ_KEYS_TABLE)} WHERE "source" = $1 AND "table_name" = $2`, [schema, table.name]);
        await connection.query(`DELETE FROM ${meta(FULL_READS_TABLE)} WHERE "source" = $1 AND "table_name" = $2`, [schema, table.name]);
        outcome = { swept: true, deleted: deleted.rowCount ?? 0 };
      }),
    );
    return outcome;
  }

  async readState(source: string, key: string): Promise<string | null> {
    await this.ensureMetadata();
    const result = await this.retrying(() =>
      this.knex.raw<{ rows: Array<{ value: string }> }>(
        `SELECT ${q('value')} FROM ${q(METADATA_SCHEMA)}.${q('state')} WHERE ${q('source')} = ? AND ${q('key')} = ?`,
        [cleanText(source), cleanText(key)],
      ),
    );
    return result.rows[0]?.value ?? null;
  }

  async writeState(source: string, key: string, value: string): Promise<void> {
    await this.ensureMetadata();
    await this.retrying(() =>
      this.knex.raw(
        `INSERT INTO ${q(METADATA_SCHEMA)}.${q('state')} (${q('source')}, ${q('key')}, ${q('value')}) VALUES (?, ?, ?) ` +
          `ON CONFLICT (${q('source')}, ${q('key')}) DO UPDATE SET ${q('value')} = EXCLUDED.${q('value')}, ` +
          `${q('updated_at')} = now()`,
        [cleanText(source), cleanText(key), cleanText(value)],
      ),
    );
  }

  async countRows(schema: string, table: string, except?: RowExclusion): Promise<number> {
    assertPostgresSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    const where = exclusionClause(except, q);
    const result = await this.retrying(() =>
      this.knex.raw<{ rows: Array<{ n: string }> }>(`SELECT count(*) AS n FROM ${q(schema)}.${q(table)}${where.sql}`, where.bindings),
    );
    return Number(result.rows[0]!.n);
  }

  async readKeys(schema: string, table: string, column: string): Promise<string[]> {
    assertPostgresSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    assertSafeIdentifier(column, 'column');
    const result = await this.retrying(() =>
      this.knex.raw<{ rows: Array<{ k: string }> }>(
        `SELECT ${q(column)}::text AS k FROM ${q(schema)}.${q(table)} WHERE ${q(column)} IS NOT NULL`,
      ),
    );
    return result.rows.map((r) => r.k);
  }

  /** Plain SQL (tests and status); never used on the write path. */
  async query<T = Record<string, unknown>>(sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
    const result = await this.knex.raw<{ rows: T[] }>(sql, bindings as Knex.RawBinding[]);
    return result.rows;
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  // ---- internals ---------------------------------------------------------------------------------

  private retrying<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.retryPolicy, this.options.onRetry);
  }

  /**
   * A transaction on a connection of knex's pool, driven through pg directly: the upsert's bindings
   * are a few large arrays, and knex's raw path walks every element (undefined checks, binding
   * preparation) for nothing. On failure the original error is thrown, never the ROLLBACK's; a
   * connection whose ROLLBACK failed is marked so knex's pool discards it instead of reusing it.
   */
  private async inTransaction(work: (connection: PgConnection) => Promise<void>): Promise<void> {
    const pool = this.knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
    const connection = await pool.acquireConnection();
    try {
      await connection.query('BEGIN');
      try {
        await work(connection);
        await connection.query('COMMIT');
      } catch (err) {
        await connection.query('ROLLBACK').catch((rollbackError: unknown) => {
          connection.__knex__disposed = rollbackError;
        });
        throw err;
      }
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  /** DDL in a transaction holding a cluster-wide advisory lock, so concurrent writers do not race. */
  private ddl(work: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    return this.retrying(() =>
      this.knex.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [DDL_LOCK_KEY]);
        await work(trx);
      }),
    );
  }

  private ensureMetadata(): Promise<void> {
    this.metadataReady ??= this.ddl(async (trx) => {
      await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${q(METADATA_SCHEMA)}`);
      await trx.raw(
        `CREATE TABLE IF NOT EXISTS ${q(METADATA_SCHEMA)}.${q('state')} (` +
          `${q('source')} text NOT NULL, ${q('key')} text NOT NULL, ${q('value')} text NOT NULL, ` +
          `${q('updated_at')} timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (${q('source')}, ${q('key')}))`,
      );
      await trx.raw(
        `CREATE TABLE IF NOT EXISTS ${meta(FULL_READS_TABLE)} ("source" text NOT NULL, "table_name" text NOT NULL, ` +
          '"read_id" text NOT NULL, "started_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("source", "table_name"))',
      );
      await trx.raw(
        `CREATE TABLE IF NOT EXISTS ${meta(FULL_READ_KEYS_TABLE)} ("source" text NOT NULL, "table_name" text NOT NULL, ` +
          '"read_id" text NOT NULL, "key" text NOT NULL, PRIMARY KEY ("source", "table_name", "read_id", "key"))',
      );
    }).catch((err: unknown) => {
      this.metadataReady = undefined;
      throw err;
    });
    return this.metadataReady;
  }

  /** Column arrays for unnest, cut so no statement carries more than chunkRows rows or chunkChars characters. */
  private encodeChunks(
    encoder: ReturnType<typeof rowEncoder>,
    rows: TableBatch['rows'],
  ): { chunks: EncodedChunk[]; coercedToNull: number } {
    const width = encoder.columnNames.length;
    const chunks: EncodedChunk[] = [];
    const values: DriverValue[] = new Array(width);
    let columns: DriverValue[][] = [];
    let rowsInChunk = 0;
    let charsInChunk = 0;
    let coercedToNull = 0;
    for (const row of rows) {
      if (rowsInChunk === 0) columns = Array.from({ length: width }, () => []);
      coercedToNull += encodeRowInto(encoder, row, values);
      for (let i = 0; i < width; i++) {
        const value = values[i]!;
        if (typeof value === 'string') charsInChunk += value.length;
        columns[i]!.push(value);
      }
      rowsInChunk++;
      if (rowsInChunk >= this.chunkRows || charsInChunk >= this.chunkChars) {
        chunks.push({ columns });
        rowsInChunk = 0;
        charsInChunk = 0;
      }
    }
    if (rowsInChunk > 0) chunks.push({ columns });
    return { chunks, coercedToNull };
  }
}

const meta = (table: string) => `${q(METADATA_SCHEMA)}.${q(table)}`;

/** Binds: source, table, read id, keys (text[]). A page read again on a retry adds nothing. */
function recordSeenKeysSql(): string {
  return (
    `INSERT INTO ${meta(FULL_READ_KEYS_TABLE)} ("source", "table_name", "read_id", "key") ` +
    'SELECT $1, $2, $3, "k" FROM unnest($4::text[]) AS "k" ON CONFLICT DO NOTHING'
  );
}

/** The column arrays of a chunk without the rows whose `index` column holds one of `keys` (as key text). */
function withoutKeys(columns: DriverValue[][], index: number, keys: Set<string>): DriverValue[][] {
  const keep = columns[index]!.map((value) => !keys.has(keyText(value)));
  return columns.map((values) => values.filter((_, row) => keep[row]));
}

export function upsertSql(schema: string, table: WarehouseTable): string {
  const names = table.columns.map((c) => q(c.name));
  const arrays = table.columns.map((c, i) => `$${i + 1}::${POSTGRES_TYPES[c.type]}[]`);
  const updates = table.columns.filter((c) => c.name !== table.primaryKey).map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`);
  // A newer row stays (WarehouseTable.versionColumn): ties and NULLs update.
  const version = table.versionColumn === undefined ? undefined : q(table.versionColumn);
  const guard = version
    ? ` WHERE "existing".${version} IS NULL OR EXCLUDED.${version} IS NULL OR EXCLUDED.${version} >= "existing".${version}`
    : '';
  const onConflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}${guard}` : 'DO NOTHING';
  return (
    `INSERT INTO ${q(schema)}.${q(table.name)} AS "existing" (${names.join(', ')}) ` +
    `SELECT * FROM unnest(${arrays.join(', ')}) ON CONFLICT (${q(table.primaryKey)}) ${onConflict}`
  );
}

export function openPostgresDestination(url: string, options?: PostgresOptions): Promise<PostgresDestination> {
  return PostgresDestination.open(url, options);
}
