/**
 * The embedded default warehouse: a directory of SQLite files, one per schema.
 *
 *   <dir>/<source>.sqlite        the source's collection tables, nothing else
 *   <dir>/zendesk_sync.sqlite    sync state (the metadata area)
 *
 * One connection (knex's better-sqlite3 pool of one) ATTACHes each file under its schema name, so
 * `zendesk_prod.users` works in plain SQL. Users query it the same way:
 *   sqlite3 :memory: "ATTACH 'data/warehouse/zendesk_prod.sqlite' AS zendesk_prod;
 *                     SELECT count(*) FROM zendesk_prod.users"
 * or simply `sqlite3 data/warehouse/zendesk_prod.sqlite "SELECT count(*) FROM users"`.
 *
 * Every file is in WAL mode (readers never block the writer) with synchronous=FULL: the cursor lives
 * in a different file than the rows, so each commit must be on disk before the next cursor write.
 * An upsert touches one schema, hence one file, so it is atomic even across a power loss (SQLite only
 * weakens atomicity for transactions spanning several attached files).
 *
 * knex owns the connection (its pool of one, set up in `afterCreate`) and runs the state queries.
 * Everything that names a source schema runs synchronously on the raw better-sqlite3 handle inside
 * one pool checkout, so "attach the file, then use it" cannot be interleaved with another call. The
 * bulk upsert is one prepared single-row `INSERT … ON CONFLICT DO UPDATE` per table and column set,
 * reused for every row inside one transaction (the fastest way to write SQLite from Node; knex's own
 * multi-row insert is 2-3x slower and capped at 500 rows per statement). Its `DO UPDATE … WHERE`
 * keeps a row whose version is newer than the incoming one (WarehouseTable.versionColumn).
 *
 * Column types: bigint -> INTEGER, double -> REAL, boolean -> INTEGER 0/1, text -> TEXT,
 * timestamp -> TEXT (ISO-8601 UTC, e.g. 2024-01-02T03:04:05Z), date -> TEXT (YYYY-MM-DD),
 * json -> TEXT (JSON; query with json_extract / json_each).
 *
 * SQLite attaches at most 10 files to a connection (the metadata file plus 9 sources); with more
 * sources in one directory, the least recently used source file is detached to make room.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnType } from '../../catalog/types';
import { quoteIdentifier, METADATA_SCHEMA, assertSafeIdentifier, assertSourceSchema, assertValidTable } from '../shared/identifiers';
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
import { FULL_READS_TABLE, FULL_READ_KEYS_TABLE, keyText } from '../shared/fullReads';
import type { Destination, FullReadSweep, RowExclusion, TableBatch, UpsertOptions, WarehouseTable } from '../types';
import { cleanText } from '../shared/textCleaning';
import { exclusionClause } from '../shared/verificationReads';

const SQLITE_TYPES: Record<ColumnType, string> = {
  bigint: 'INTEGER',
  double: 'REAL',
  boolean: 'INTEGER',
  text: 'TEXT',
  timestamp: 'TEXT',
  date: 'TEXT',
  json: 'TEXT',
};

/** Schema names SQLite gives its own databases on every connection. */
const ENGINE_SCHEMAS = ['main', 'temp'];

/** This build's SQLITE_MAX_ATTACHED (the compile-time default), less the metadata file. */
const MAX_ATTACHED_SOURCES = 9;

const q = (name: string) => quoteIdentifier(name, 'sqlite');

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

export class SqliteDestination implements Destination {
  readonly kind = 'sqlite' as const;
  /** Schemas whose file is known to exist (created here or found on disk). */
  private readonly knownSchemas = new Set<string>();
  /** Per connection: attached source schemas, least recently used first (Map keeps insertion order). */
  private readonly attachedSchemas = new WeakMap<Database, Map<string, true>>();
  private readonly upsertStatements = new WeakMap<Database, Map<string, Statement>>();
  private metadataReady: Promise<void> | undefined;

  private constructor(
    readonly directory: string,
    private readonly knex: Knex,
  ) {}

  static async open(directory: string): Promise<SqliteDestination> {
    const absolute = path.resolve(directory);
    fs.mkdirSync(absolute, { recursive: true });
    let destination: SqliteDestination | undefined;
    const knex = knexFactory({
      client: 'better-sqlite3',
      // The main database is a throwaway in-memory one: every real table lives in an attached file,
      // so each is addressed as "<schema>"."<table>" and nothing lands in an unnamed place.
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (db: Database, done: (err: Error | null, db: Database) => void) => {
          try {
            db.pragma('busy_timeout = 10000');
            destination!.attachFile(db, METADATA_SCHEMA);
            done(null, db);
          } catch (err) {
            done(err as Error, db);
          }
        },
      },
    });
    destination = new SqliteDestination(absolute, knex);
    try {
      await knex.raw('SELECT 1'); // surfaces an unwritable directory now, not on the first write
    } catch (err) {
      await knex.destroy();
      throw err;
    }
    return destination;
  }

  fileOf(schema: string): string {
    return path.join(this.directory, `${schema}.sqlite`);
  }

  async ensureSchema(schema: string): Promise<void> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    await this.withHandle((db) => {
      this.useSchema(db, schema, { create: true });
      this.knownSchemas.add(schema);
    });
  }

  async ensureTable(schema: string, table: WarehouseTable): Promise<void> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    assertValidTable(table);
    const target = `${q(schema)}.${q(table.name)}`;
    await this.withHandle((db) => {
      this.useSchema(db, schema);
      db.transaction(() => {
        const existing = db.prepare(`PRAGMA ${q(schema)}.table_info(${q(table.name)})`).all() as Array<{ name: string }>;
        if (existing.length === 0) {
          const columns = table.columns.map((c) => {
            const key = c.name === table.primaryKey ? ' PRIMARY KEY NOT NULL' : '';
            return `${q(c.name)} ${SQLITE_TYPES[c.type]}${key}`;
          });
          db.prepare(`CREATE TABLE ${target} (${columns.join(', ')})`).run();
          return;
        }
        const present = new Set(existing.map((c) => c.name));
        for (const column of table.columns) {
          if (!present.has(column.name)) {
            db.prepare(`ALTER TABLE ${target} ADD COLUMN ${q(column.name)} ${SQLITE_TYPES[column.type]}`).run();
          }
        }
      }).immediate();
    });
  }

  async upsert(schema: string, batches: TableBatch[], options: UpsertOptions = {}): Promise<WriterUpsertResult> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    batches.forEach((b) => assertValidTable(b.table));
    const result = emptyResult();
    const work = recordTablesFirst(batches).map((batch) => {
      const encoder = rowEncoder(batch.table, 'sqlite');
      const keyed = lastRowPerKey(batch.table, batch.rows, encoder.encoders[encoder.primaryKeyIndex]!);
      addCount(result.rejectedByTable, batch.table.name, keyed.rejected);
      const replaced = replacedKeyChunks(batch, 'sqlite');
      const recordTable = replaced.chunks.length ? guardingRecordTable(batch, batches)?.name : undefined;
      const replacedIndex = batch.table.columns.findIndex((c) => c.name === replaced.column);
      return { table: batch.table, encoder, rows: keyed.rows, replaced, recordTable, replacedIndex };
    });
    /** Tables whose guarded upsert decides a derived table's replacement. */
    const recordTables = new Set(work.flatMap((w) => (w.recordTable === undefined ? [] : [w.recordTable])));
    const { fullReadId } = options;
    if (fullReadId !== undefined) await this.ensureMetadata();
    await this.withHandle((db) => {
      this.useSchema(db, schema);
      if (fullReadId !== undefined) {
        // The seen keys are committed BEFORE the rows, in their own transaction: they live in another
        // file (zendesk_sync.sqlite), and SQLite in WAL mode commits each attached file on its own, so
        // one transaction could, on a crash mid-commit, land the rows without the keys, and the sweep
        // would then delete rows this read did list. Keys without their rows are harmless: the key
        // was listed, and the page is fetched again on the retry (its cursor was never committed).
        const record = db.prepare(
          `INSERT OR IGNORE INTO ${q(METADATA_SCHEMA)}.${q(FULL_READ_KEYS_TABLE)} ` +
            `(${q('source')}, ${q('table_name')}, ${q('read_id')}, ${q('key')}) VALUES (?, ?, ?, ?)`,
        );
        db.transaction(() => {
          for (const { table, encoder, rows } of work) {
            const encodeKey = encoder.encoders[encoder.primaryKeyIndex]!;
            for (const row of rows) record.run(schema, table.name, fullReadId, keyText(encodeKey(row[table.primaryKey]) ?? null));
          }
        }).immediate();
      }
      const writeAll = db.transaction(() => {
        /** Per record table, the keys whose stored row was newer and stayed (the version guard held). */
        const keptNewer = new Map<string, Set<string>>();
        for (const { table, encoder, rows, replaced, recordTable, replacedIndex } of work) {
          // A record whose stored version is newer keeps its derived rows: none deleted, none added.
          const stale = recordTable === undefined ? undefined : keptNewer.get(recordTable);
          // The rows derived from the page's records go first; the page's rows replace them.
          for (const chunk of replaced.chunks) {
            const keys = stale ? chunk.filter((key) => !stale.has(keyText(key))) : chunk;
            if (keys.length === 0) continue;
            db.prepare(`DELETE FROM ${q(schema)}.${q(table.name)} WHERE ${q(replaced.column)} IN (${keys.map(() => '?').join(', ')})`).run(
              keys,
            );
          }
          const statement = this.upsertStatement(db, schema, table);
          const values: DriverValue[] = new Array(encoder.columnNames.length);
          const newer = recordTables.has(table.name) ? (keptNewer.get(table.name) ?? new Set<string>()) : undefined;
          if (newer) keptNewer.set(table.name, newer);
          let coercedToNull = 0;
          for (const row of rows) {
            coercedToNull += encodeRowInto(encoder, row, values);
            if (stale && stale.has(keyText(values[replacedIndex] ?? null))) continue;
            const { changes } = statement.run(values);
            // No change: the upsert's version guard kept a newer stored row.
            if (newer && changes === 0) newer.add(keyText(values[encoder.primaryKeyIndex] ?? null));
          }
          result.rowsByTable[table.name] = (result.rowsByTable[table.name] ?? 0) + rows.length;
          addCount(result.coercedToNullByTable, table.name, coercedToNull);
        }
      });
      writeAll.immediate(); // BEGIN IMMEDIATE: take the write lock up front, never fail half-way on it
    });
    return result;
  }

  async beginFullRead(schema: string, tables: string[], readId: string): Promise<void> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    tables.forEach((t) => assertSafeIdentifier(t, 'table'));
    await this.ensureMetadata();
    await this.withHandle((db) => {
      db.transaction(() => {
        for (const table of tables) {
          db.prepare(
            `DELETE FROM ${q(METADATA_SCHEMA)}.${q(FULL_READ_KEYS_TABLE)} WHERE ${q('source')} = ? AND ${q('table_name')} = ?`,
          ).run(schema, table);
          db.prepare(
            `INSERT INTO ${q(METADATA_SCHEMA)}.${q(FULL_READS_TABLE)} (${q('source')}, ${q('table_name')}, ${q('read_id')}, ${q('started_at')}) ` +
              `VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ON CONFLICT (${q('source')}, ${q('table_name')}) ` +
              `DO UPDATE SET ${q('read_id')} = excluded.${q('read_id')}, ${q('started_at')} = excluded.${q('started_at')}`,
          ).run(schema, table, readId);
        }
      }).immediate();
    });
  }

  async finishFullRead(schema: string, table: WarehouseTable, readId: string): Promise<FullReadSweep> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    assertValidTable(table);
    await this.ensureMetadata();
    const meta = (name: string) => `${q(METADATA_SCHEMA)}.${q(name)}`;
    return this.withHandle((db) => {
      this.useSchema(db, schema);
      return db
        .transaction((): FullReadSweep => {
          const current = db
            .prepare(`SELECT ${q('read_id')} AS id FROM ${meta(FULL_READS_TABLE)} WHERE ${q('source')} = ? AND ${q('table_name')} = ?`)
            .get(schema, table.name) as { id: string } | undefined;
          if (current?.id !== readId) {
            db.prepare(
              `DELETE FROM ${meta(FULL_READ_KEYS_TABLE)} WHERE ${q('source')} = ? AND ${q('table_name')} = ? AND ${q('read_id')} = ?`,
            ).run(schema, table.name, readId);
            return { swept: false, deleted: 0 };
          }
          const key = q(table.primaryKey);
          const deleted = db
            .prepare(
              `DELETE FROM ${q(schema)}.${q(table.name)} WHERE NOT EXISTS (SELECT 1 FROM ${meta(FULL_READ_KEYS_TABLE)} AS k ` +
                `WHERE k.${q('source')} = ? AND k.${q('table_name')} = ? AND k.${q('read_id')} = ? ` +
                `AND k.${q('key')} = CAST(${q(schema)}.${q(table.name)}.${key} AS TEXT))`,
            )
            .run(schema, table.name, readId).changes;
          db.prepare(`DELETE FROM ${meta(FULL_READ_KEYS_TABLE)} WHERE ${q('source')} = ? AND ${q('table_name')} = ?`).run(
            schema,
            table.name,
          );
          db.prepare(`DELETE FROM ${meta(FULL_READS_TABLE)} WHERE ${q('source')} = ? AND ${q('table_name')} = ?`).run(schema, table.name);
          return { swept: true, deleted: Number(deleted) };
        })
        .immediate();
    });
  }

  async readState(source: string, key: string): Promise<string | null> {
    await this.ensureMetadata();
    const rows: Array<{ value: string }> = await this.knex.raw(
      `SELECT ${q('value')} FROM ${q(METADATA_SCHEMA)}.${q('state')} WHERE ${q('source')} = ? AND ${q('key')} = ?`,
      [cleanText(source), cleanText(key)],
    );
    return rows[0]?.value ?? null;
  }

  async writeState(source: string, key: string, value: string): Promise<void> {
    await this.ensureMetadata();
    await this.knex.raw(
      `INSERT INTO ${q(METADATA_SCHEMA)}.${q('state')} (${q('source')}, ${q('key')}, ${q('value')}, ${q('updated_at')}) ` +
        `VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ` +
        `ON CONFLICT (${q('source')}, ${q('key')}) DO UPDATE SET ${q('value')} = excluded.${q('value')}, ` +
        `${q('updated_at')} = excluded.${q('updated_at')}`,
      [cleanText(source), cleanText(key), cleanText(value)],
    );
  }

  async countRows(schema: string, table: string, except?: RowExclusion): Promise<number> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    assertSafeIdentifier(table, 'table');
    // SQLite has no boolean type: booleans are stored (and so compared) as 1 / 0.
    const where = exclusionClause(except, q, (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
    return this.withHandle((db) => {
      this.useSchema(db, schema);
      const row = db.prepare(`SELECT count(*) AS n FROM ${q(schema)}.${q(table)}${where.sql}`).get(...where.bindings) as { n: number };
      return Number(row.n);
    });
  }

  async readKeys(schema: string, table: string, column: string): Promise<string[]> {
    assertSourceSchema(schema, ENGINE_SCHEMAS);
    assertSafeIdentifier(table, 'table');
    assertSafeIdentifier(column, 'column');
    return this.withHandle((db) => {
      this.useSchema(db, schema);
      const rows = db
        .prepare(`SELECT CAST(${q(column)} AS TEXT) AS k FROM ${q(schema)}.${q(table)} WHERE ${q(column)} IS NOT NULL`)
        .all() as Array<{ k: string }>;
      return rows.map((r) => r.k);
    });
  }

  /**
   * Plain SQL (tests and status; never the write path). `schemas` are attached first, so the SQL
   * may name them as `"schema"."table"`.
   */
  async query<T = Record<string, unknown>>(sql: string, bindings: readonly unknown[] = [], schemas: string[] = []): Promise<T[]> {
    return this.withHandle((db) => {
      for (const schema of schemas) this.useSchema(db, schema);
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...bindings) as T[];
      statement.run(...bindings);
      return [];
    });
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  // ---- connection and files ---------------------------------------------------------------------

  /** Runs `fn` synchronously on the raw better-sqlite3 handle that knex's pool holds. */
  private async withHandle<T>(fn: (db: Database) => T): Promise<T> {
    const client = this.knex.client as { acquireConnection(): Promise<Database>; releaseConnection(db: Database): Promise<void> };
    const db = await client.acquireConnection();
    try {
      return fn(db);
    } finally {
      await client.releaseConnection(db);
    }
  }

  /**
   * Makes `schema` usable on this connection: attaches its file (a fresh process has not yet),
   * detaching the least recently used source first when the attach limit is reached. Only
   * `ensureSchema` may create the file, so a typo cannot conjure an empty schema.
   */
  private useSchema(db: Database, schema: string, { create = false } = {}): void {
    let attached = this.attachedSchemas.get(db);
    if (!attached) this.attachedSchemas.set(db, (attached = new Map()));
    if (attached.has(schema)) {
      attached.delete(schema); // move to the most recently used end
      attached.set(schema, true);
      return;
    }
    if (!create && !this.knownSchemas.has(schema)) {
      if (!fs.existsSync(this.fileOf(schema))) {
        throw new Error(`SQLite schema ${schema} does not exist in ${this.directory} (call ensureSchema first)`);
      }
      this.knownSchemas.add(schema);
    }
    if (attached.size >= MAX_ATTACHED_SOURCES) {
      const leastRecent = attached.keys().next().value!;
      db.prepare(`DETACH DATABASE ${q(leastRecent)}`).run();
      attached.delete(leastRecent);
      this.forgetStatements(db, leastRecent);
    }
    this.attachFile(db, schema);
    attached.set(schema, true);
  }

  private attachFile(db: Database, schema: string): void {
    db.prepare(`ATTACH DATABASE ? AS ${q(schema)}`).run(this.fileOf(schema));
    db.pragma(`${q(schema)}.journal_mode = WAL`);
    db.pragma(`${q(schema)}.synchronous = FULL`);
  }

  private ensureMetadata(): Promise<void> {
    this.metadataReady ??= this.withHandle((db) => {
      db.transaction(() => {
        db.prepare(
          `CREATE TABLE IF NOT EXISTS ${q(METADATA_SCHEMA)}.${q('state')} (` +
            `${q('source')} TEXT NOT NULL, ${q('key')} TEXT NOT NULL, ${q('value')} TEXT NOT NULL, ` +
            `${q('updated_at')} TEXT NOT NULL, PRIMARY KEY (${q('source')}, ${q('key')}))`,
        ).run();
        db.prepare(
          `CREATE TABLE IF NOT EXISTS ${q(METADATA_SCHEMA)}.${q(FULL_READS_TABLE)} (` +
            `${q('source')} TEXT NOT NULL, ${q('table_name')} TEXT NOT NULL, ${q('read_id')} TEXT NOT NULL, ` +
            `${q('started_at')} TEXT NOT NULL, PRIMARY KEY (${q('source')}, ${q('table_name')}))`,
        ).run();
        db.prepare(
          `CREATE TABLE IF NOT EXISTS ${q(METADATA_SCHEMA)}.${q(FULL_READ_KEYS_TABLE)} (` +
            `${q('source')} TEXT NOT NULL, ${q('table_name')} TEXT NOT NULL, ${q('read_id')} TEXT NOT NULL, ` +
            `${q('key')} TEXT NOT NULL, PRIMARY KEY (${q('source')}, ${q('table_name')}, ${q('read_id')}, ${q('key')}))`,
        ).run();
      }).immediate();
    }).catch((err: unknown) => {
      this.metadataReady = undefined;
      throw err;
    });
    return this.metadataReady;
  }

  /** One prepared upsert per connection, table and column list, reused for every row and batch. */
  private upsertStatement(db: Database, schema: string, table: WarehouseTable): Statement {
    let cache = this.upsertStatements.get(db);
    if (!cache) this.upsertStatements.set(db, (cache = new Map()));
    const cacheKey = `${schema}.${table.name}(${table.primaryKey}|${table.versionColumn ?? ''}):${table.columns.map((c) => c.name).join(',')}`;
    let statement = cache.get(cacheKey);
    if (!statement) {
      statement = db.prepare(upsertSql(schema, table));
      cache.set(cacheKey, statement);
    }
    return statement;
  }

  private forgetStatements(db: Database, schema: string): void {
    const cache = this.upsertStatements.get(db);
    for (const key of cache?.keys() ?? []) if (key.startsWith(`${schema}.`)) cache!.delete(key);
  }
}

export function upsertSql(schema: string, table: WarehouseTable): string {
  const names = table.columns.map((c) => q(c.name));
  const updates = table.columns.filter((c) => c.name !== table.primaryKey).map((c) => `${q(c.name)} = excluded.${q(c.name)}`);
  const onConflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}${versionGuard(table)}` : 'DO NOTHING';
  return (
    `INSERT INTO ${q(schema)}.${q(table.name)} (${names.join(', ')}) ` +
    `VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT (${q(table.primaryKey)}) ${onConflict}`
  );
}

/**
 * The upsert's `WHERE` that keeps a newer row (see `WarehouseTable.versionColumn`); unqualified names
 * are the existing row. Timestamps are TEXT here, and ISO texts with and without fractional seconds
 * do not sort as instants ('…05Z' > '…05.5Z'), so they are compared through julianday().
 */
function versionGuard(table: WarehouseTable): string {
  const name = table.versionColumn;
  if (name === undefined) return '';
  const column = table.columns.find((c) => c.name === name)!;
  const existing = q(name);
  const incoming = `excluded.${q(name)}`;
  const asOrdered = (sql: string) => (column.type === 'timestamp' || column.type === 'date' ? `julianday(${sql})` : sql);
  return (
    ` WHERE ${existing} IS NULL OR ${incoming} IS NULL OR ${asOrdered(existing)} IS NULL OR ${asOrdered(incoming)} IS NULL` +
    ` OR ${asOrdered(incoming)} >= ${asOrdered(existing)}`
  );
}

export function openSqliteDestination(directory: string): Promise<SqliteDestination> {
  return SqliteDestination.open(directory);
}
