/**
 * The Snowflake destination, through snowflake-sdk, behind the same `Destination` interface as
 * SQLite and Postgres.
 *
 * Write path of one `upsert` call, all on one session (temporary tables are per session):
 *   1. per table, de-duplicate the rows by primary key (last wins) and encode every value as text
 *      (the shared coercion rules of `shared/driverValues.ts`, NUL / lone-surrogate cleaning included);
 *   2. load them into a session-private TEMPORARY staging table with array-bound INSERTs, each at
 *      most `maxStatementBytes` of SQL + binds as sent (JSON, escapes included) and at most
 *      `maxBindValuesPerStatement` values, which is also the driver's array-binding threshold, so
 *      binds always travel inline, never through a temporary stage; a row larger than that goes in with
 *      its largest text values appended piece by piece (staging.ts), so no request
 *      exceeds the budget;
 *   3. BEGIN; one MERGE per table from its staging table (JSON parsed into VARIANT there; a matched
 *      row is updated only if the incoming version is not older); for a page of a full read, the
 *      staged keys into ZENDESK_SYNC.FULL_READ_KEYS; COMMIT.
 *      All tables of the call land together or none does. Staging happens before BEGIN because
 *      CREATE TABLE is DDL, which commits an open transaction in Snowflake.
 * Schema DDL (`ensureSchema`, `ensureTable`, the login's setup) runs outside upserts, and only for
 * what INFORMATION_SCHEMA says is missing: an unchanged schema and table need no CREATE or ALTER
 * privilege, let alone ownership, run after run.
 * Sync state lives in the ZENDESK_SYNC schema, which is also the session's current schema (where the
 * unqualified staging tables are created).
 */
import type { ColumnType } from '../../catalog/types';
import {
  addCount,
  emptyResult,
  groupByTable,
  guardingRecordTable,
  lastRowPerKey,
  recordTablesFirst,
  replacedKeyChunks,
  type WriterUpsertResult,
} from '../shared/batchRows';
import { encoderFor, type DriverValue, type Encoder } from '../shared/driverValues';
import {
  deleteRowsWithKeysSql,
  dropStagedRowsOfSql,
  keptNewerKeysSql,
  addColumnsSql,
  appendStagingSql,
  countRowsSql,
  countUnlistedSql,
  createFullReadKeysTableSql,
  createFullReadsTableSql,
  createSchemaSql,
  createStagingTableSql,
  createStateTableSql,
  createTableSql,
  currentFullReadSql,
  deleteUnlistedSql,
  dropStagingTableSql,
  findSchemaSql,
  endFullReadSql,
  forgetFullReadKeysSql,
  forgetOneFullReadKeysSql,
  insertStagingSql,
  listColumnsSql,
  mergeSql,
  readStateSql,
  recordSeenKeysSql,
  STATE_TABLE_NAME,
  stagedAsText,
  startFullReadSql,
  storedName,
  useSchemaSql,
  writeStateSql,
} from './sql';
import { SnowflakeSession, type ResultRow } from './session';
import { planStagingLoad, type BindRow } from './staging';
import {
  DEFAULT_MAX_STATEMENT_BYTES,
  driverConnectionOptions,
  maxBindValuesPerStatement,
  parseSnowflakeUrl,
  type SnowflakeSettings,
} from './settings';
import { FULL_READS_TABLE, FULL_READ_KEYS_TABLE } from '../shared/fullReads';
import { cleanText } from '../shared/textCleaning';
import { exclusionClause } from '../shared/verificationReads';
import { quoteIdentifier, METADATA_SCHEMA, assertSafeIdentifier, assertSourceSchema, assertValidTable } from '../shared/identifiers';
import type { Destination, FullReadSweep, Row, RowExclusion, TableBatch, UpsertOptions, WarehouseTable } from '../types';

export { parseSnowflakeUrl, snowflakeQueryTag, type SnowflakeSettings } from './settings';

export interface SnowflakeOpenOptions {
  /** Overrides applied on top of the URL's settings (e.g. a `queryTag` naming the source and run). */
  snowflake?: Partial<SnowflakeSettings>;
}

/**
 * Opens (and logs in to) a Snowflake destination from a `snowflake://USER@ACCOUNT/DATABASE?...` URL
 * or a settings object. See `./settings.ts` for the URL parameters and credentials.
 */
export async function openSnowflakeDestination(
  target: string | SnowflakeSettings,
  options: SnowflakeOpenOptions = {},
): Promise<SnowflakeDestination> {
  const base = typeof target === 'string' ? parseSnowflakeUrl(target) : target;
  const overrides = options.snowflake;
  if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null)) {
    throw new Error('openSnowflakeDestination: options.snowflake must be an object of settings');
  }
  const destination = new SnowflakeDestination({ ...base, ...overrides });
  await destination.connect();
  return destination;
}

interface StagedTable {
  table: WarehouseTable;
  rows: BindRow[];
}

export class SnowflakeDestination implements Destination {
  readonly kind = 'snowflake' as const;
  private readonly session: SnowflakeSession;
  private readonly maxStatementBytes: number;
  /** Bind values per staging INSERT; the driver's arrayBindingThreshold is the same number (binds stay inline). */
  private readonly maxBindValues: number;

  constructor(settings: SnowflakeSettings) {
    this.maxStatementBytes = settings.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES;
    this.maxBindValues = maxBindValuesPerStatement(settings);
    this.session = new SnowflakeSession(driverConnectionOptions(settings), async (run) => {
      // Looked up first: CREATE … IF NOT EXISTS needs the CREATE privilege even when the object exists.
      const exists = async (table: string) => (await run(listColumnsSql(), [storedName(METADATA_SCHEMA), storedName(table)])).length > 0;
      if (!(await exists(STATE_TABLE_NAME))) {
        await run(createSchemaSql(METADATA_SCHEMA));
        await run(createStateTableSql());
      }
      await run(useSchemaSql(METADATA_SCHEMA));
      if (!(await exists(FULL_READS_TABLE))) await run(createFullReadsTableSql());
      if (!(await exists(FULL_READ_KEYS_TABLE))) await run(createFullReadKeysTableSql());
    });
  }

  /** Logs in now, so wrong credentials or an unreachable account fail at open time. */
  async connect(): Promise<void> {
    await this.session.exclusive(async () => undefined);
  }

  async ensureSchema(schema: string): Promise<void> {
    assertSourceSchema(schema);
    await this.session.exclusive(async (run) => {
      // Looked up first: CREATE SCHEMA IF NOT EXISTS needs CREATE SCHEMA on the database even when it exists.
      const found = await run(findSchemaSql(), [storedName(schema)]);
      if (found.length === 0) await run(createSchemaSql(schema));
    });
  }

  /**
   * Reads the table's columns first and sends DDL only for what is missing: CREATE TABLE when there
   * is no table, one ALTER … ADD COLUMN for the columns it lacks, nothing when it has them all.
   * (ALTER TABLE needs ownership of the table; an unchanged table must not need it on every run.)
   */
  async ensureTable(schema: string, table: WarehouseTable): Promise<void> {
    assertSourceSchema(schema);
    assertValidTable(table);
    await this.session.exclusive(async (run) => {
      const columnsNow = async () =>
        new Set((await run(listColumnsSql(), [storedName(schema), storedName(table.name)])).map((r) => String(r.COLUMN_NAME)));
      let existing = await columnsNow();
      if (existing.size === 0) {
        await run(createTableSql(schema, table));
        // Another process may have created it a moment earlier, from an older definition.
        existing = await columnsNow();
      }
      const alter = addColumnsSql(
        schema,
        table.name,
        table.columns.filter((c) => !existing.has(storedName(c.name))),
      );
      if (alter) await run(alter);
    });
  }

  async upsert(schema: string, batches: TableBatch[], options: UpsertOptions = {}): Promise<WriterUpsertResult> {
    const { fullReadId } = options;
    assertSourceSchema(schema);
    for (const batch of batches) assertValidTable(batch.table);
    const result = emptyResult();
    const staged: StagedTable[] = [];
    const replacements: Array<{ table: WarehouseTable; column: string; chunks: DriverValue[][]; recordTable: WarehouseTable | undefined }> =
      [];
    const grouped = recordTablesFirst(groupByTable(batches));
    for (const batch of grouped) {
      const { table, rows } = batch;
      const replaced = replacedKeyChunks(batch, ENCODING);
      if (replaced.chunks.length) replacements.push({ table, ...replaced, recordTable: guardingRecordTable(batch, grouped) });
      const keyEncoder = encoderFor(primaryKeyType(table), ENCODING);
      const keyed = lastRowPerKey(table, rows, keyEncoder);
      addCount(result.rejectedByTable, table.name, keyed.rejected);
      result.rowsByTable[table.name] = keyed.rows.length;
      const encoders = table.columns.map((c) => encoderFor(c.type, ENCODING));
      let coerced = 0;
      const bindRows = keyed.rows.map((row) => {
        const { values, coercedToNull } = encodeRow(table, encoders, row);
        coerced += coercedToNull;
        return values;
      });
      addCount(result.coercedToNullByTable, table.name, coerced);
      if (bindRows.length > 0) staged.push({ table, rows: bindRows });
    }
    if (staged.length === 0 && replacements.length === 0) return result;

    await this.session.exclusive(async (run) => {
      try {
        for (const { table, rows } of staged) {
          await run(createStagingTableSql(table));
          const insert = insertStagingSql(table);
          const load = planStagingLoad(
            table,
            rows,
            {
              insertSql: insert,
              appendSql: (columnIndex) => appendStagingSql(table, table.columns[columnIndex]!.name),
              appendable: table.columns.map((c) => stagedAsText(c.type)),
            },
            { maxStatementBytes: this.maxStatementBytes, maxBindValues: this.maxBindValues },
          );
          for (const chunk of load.inserts) await run(insert, chunk);
          for (const { columnIndex, key, piece } of load.appends) {
            await run(appendStagingSql(table, table.columns[columnIndex]!.name), [piece, key]);
          }
        }
        await run('BEGIN');
        try {
          // Record tables first (recordTablesFirst), so a derived table sees what their guarded MERGE kept.
          const stagedNames = new Set(staged.map((s) => s.table.name));
          for (const { table } of grouped) {
            const replacement = replacements.find((r) => r.table.name === table.name);
            const isStaged = stagedNames.has(table.name);
            // A record whose stored version is newer keeps its derived rows: none deleted, none added.
            const recordTable = replacement?.recordTable;
            const keptNewer = recordTable && stagedNames.has(recordTable.name) ? keptNewerKeysSql(schema, recordTable) : undefined;
            // The rows derived from the page's records go first; the page's rows replace them.
            for (const keys of replacement?.chunks ?? []) {
              await run(deleteRowsWithKeysSql(schema, table, replacement!.column, keys.length, keptNewer), keys.map(bindText));
            }
            if (!isStaged) continue;
            if (keptNewer !== undefined) await run(dropStagedRowsOfSql(table, replacement!.column, keptNewer));
            await run(mergeSql(schema, table));
            // The keys this full read saw, committed with the rows (same transaction).
            if (fullReadId !== undefined)
              await run(recordSeenKeysSql(table), [schema, table.name, fullReadId, schema, table.name, fullReadId]);
          }
          await run('COMMIT');
        } catch (err) {
          await run('ROLLBACK').catch(() => undefined); // the MERGE's error is the one worth reporting
          throw err;
        }
      } finally {
        // Staging tables would vanish with the session anyway; dropping frees their storage now.
        for (const { table } of staged) await run(dropStagingTableSql(table)).catch(() => undefined);
      }
    });
    return result;
  }

  async beginFullRead(schema: string, tables: string[], readId: string): Promise<void> {
    assertSourceSchema(schema);
    tables.forEach((t) => assertSafeIdentifier(t, 'table'));
    await this.session.exclusive((run) =>
      inTransaction(run, async () => {
        for (const table of tables) {
          await run(forgetFullReadKeysSql(), [schema, table]);
          await run(startFullReadSql(), [schema, table, readId]);
        }
      }),
    );
  }

  async finishFullRead(schema: string, table: WarehouseTable, readId: string): Promise<FullReadSweep> {
    assertSourceSchema(schema);
    assertValidTable(table);
    return this.session.exclusive((run) =>
      inTransaction(run, async (): Promise<FullReadSweep> => {
        const current = await run(currentFullReadSql(), [schema, table.name]);
        if (current[0]?.READ_ID !== readId) {
          await run(forgetOneFullReadKeysSql(), [schema, table.name, readId]);
          return { swept: false, deleted: 0 };
        }
        const unlisted = await run(countUnlistedSql(schema, table), [schema, table.name, readId]);
        await run(deleteUnlistedSql(schema, table), [schema, table.name, readId]);
        await run(forgetFullReadKeysSql(), [schema, table.name]);
        await run(endFullReadSql(), [schema, table.name]);
        return { swept: true, deleted: Number(unlisted[0]?.ROW_COUNT ?? 0) };
      }),
    );
  }

  async readState(source: string, key: string): Promise<string | null> {
    // The same cleaning as writeState (NUL dropped, lone surrogates replaced), so such a key is found again.
    const rows = await this.session.exclusive((run) => run(readStateSql(), [cleanText(source), cleanText(key)]));
    const value = rows[0]?.VALUE;
    return value === undefined || value === null ? null : String(value);
  }

  async writeState(source: string, key: string, value: string): Promise<void> {
    await this.session.exclusive((run) => run(writeStateSql(), [cleanText(source), cleanText(key), cleanText(value)]));
  }

  async countRows(schema: string, table: string, except?: RowExclusion): Promise<number> {
    assertSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    const where = exclusionClause(except, (name) => quoteIdentifier(name, 'snowflake'));
    const rows = await this.session.exclusive((run) => run(`${countRowsSql(schema, table)}${where.sql}`, where.bindings));
    return Number(rows[0]?.ROW_COUNT ?? 0);
  }

  async readKeys(schema: string, table: string, column: string): Promise<string[]> {
    assertSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    assertSafeIdentifier(column, 'column');
    const q = (name: string) => quoteIdentifier(name, 'snowflake');
    const rows = await this.session.exclusive((run) =>
      run(`SELECT TO_VARCHAR(${q(column)}) AS "K" FROM ${q(schema)}.${q(table)} WHERE ${q(column)} IS NOT NULL`),
    );
    return rows.map((r) => String(r.K));
  }

  /** Runs any statement on the destination's session (tests, status). Not used on the write path. */
  query(sqlText: string, binds?: Array<string | number | boolean | null>): Promise<ResultRow[]> {
    return this.session.exclusive((run) => run(sqlText, binds));
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

type Run = (sqlText: string, binds?: Array<string | number | boolean | null>) => Promise<ResultRow[]>;

/** BEGIN … COMMIT around `work`, rolled back (reporting work's error, not the ROLLBACK's) if it fails. */
async function inTransaction<T>(run: Run, work: () => Promise<T>): Promise<T> {
  await run('BEGIN');
  try {
    const result = await work();
    await run('COMMIT');
    return result;
  } catch (err) {
    await run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The Postgres flavour of the shared coercion rules yields exactly what Snowflake needs once turned
 * into text: integers beyond 2^53 already as decimal text, booleans as booleans, timestamps as
 * ISO-8601 UTC, dates as YYYY-MM-DD, JSON as cleaned JSON text.
 */
const ENCODING = 'postgres' as const;

function primaryKeyType(table: WarehouseTable): ColumnType {
  return table.columns.find((c) => c.name === table.primaryKey)!.type;
}

function encodeRow(table: WarehouseTable, encoders: Encoder[], row: Row): { values: BindRow; coercedToNull: number } {
  const values: BindRow = new Array(table.columns.length);
  let coercedToNull = 0;
  for (let i = 0; i < table.columns.length; i++) {
    const value = encoders[i]!(row[table.columns[i]!.name]);
    if (value === undefined) coercedToNull++;
    values[i] = bindText(value ?? null);
  }
  return { values, coercedToNull };
}

/**
 * Every value is bound as text: the driver types an array-bind column by its first row, so a
 * column whose first value is 3 and a later one 2.5 would otherwise be sent as FIXED and fail.
 */
function bindText(value: DriverValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return typeof value === 'string' ? value : String(value);
}
