/**
 * The BigQuery destination, through Google's official client (@google-cloud/bigquery), behind the
 * same `Destination` interface as SQLite, Postgres and Snowflake.
 *
 * Layout: one dataset per source (URL prefix + the source's schema name); the sync state and the
 * full-read bookkeeping in the metadata dataset (prefix + `zendesk_sync`); staging tables in their own
 * dataset (prefix + `zendesk_sync_staging`) whose default table expiration (one day) clears what a
 * crash leaves behind.
 *
 * Write path of one `upsert` call:
 *   1. per table, de-duplicate the rows by primary key (last wins) and encode every value by the
 *      shared coercion rules (shared/driverValues.ts, NUL / lone-surrogate cleaning included);
 *   2. check that every target table has every column of its definition (cached from ensureTable,
 *      looked up again when unknown), so a page for a table or column that does not exist fails
 *      before anything is written;
 *   3. one load job per table (newline-delimited JSON) into a fresh staging table;
 *   4. one multi-statement transaction: a MERGE per table from its staging table (version-guarded),
 *      and for a page of a full read the staged keys into the metadata dataset's full_read_keys.
 *      All tables of the page land together or none does. A transaction that loses a conflict with
 *      a concurrent one on the same table is retried whole (the staging tables are still there);
 *   5. the staging tables are deleted.
 * DDL (datasets, CREATE TABLE, ALTER TABLE ADD COLUMN) runs outside upserts, only for what the table's
 * metadata says is missing: BigQuery cannot run DDL inside a transaction.
 */
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import {
  addCount,
  emptyResult,
  groupByTable,
  guardingRecordTable,
  lastRowPerKey,
  recordTablesFirst,
  rowEncoder,
  type WriterUpsertResult,
} from '../shared/batchRows';
import { encoderFor, type DriverValue } from '../shared/driverValues';
import { FULL_READS_TABLE, FULL_READ_KEYS_TABLE } from '../shared/fullReads';
import { METADATA_SCHEMA, assertSafeIdentifier, assertSourceSchema, assertValidTable } from '../shared/identifiers';
import { cleanText } from '../shared/textCleaning';
import { exclusionClause } from '../shared/verificationReads';
import type { Destination, FullReadSweep, RowExclusion, TableBatch, UpsertOptions, WarehouseTable } from '../types';
import { parseBigQueryUrl, type BigQuerySettings } from './settings';
import {
  addColumnsSql,
  createFullReadKeysTableSql,
  createFullReadsTableSql,
  createStateTableSql,
  createTableSql,
  finishFullReadScript,
  deleteReplacedRowsSql,
  dropStagedRowsOfSql,
  keptNewerKeysSql,
  mergeSql,
  q,
  readStateSql,
  recordSeenKeysSql,
  startFullReadSql,
  STATE_TABLE,
  tableRef,
  transactionScript,
  writeStateSql,
  type BigQueryNames,
} from './sql';
import { loadNdjson, ndjsonLine, stagingSchema, stagingTableName } from './staging';

export { parseBigQueryUrl, type BigQuerySettings } from './settings';

export interface BigQueryOpenOptions {
  bigquery?: {
    /** Overrides applied on top of the URL's settings. */
    settings?: Partial<BigQuerySettings>;
    /**
     * Called with the client before any request (tests: the emulator's request quirks). Never used
     * by the sync itself.
     */
    configureClient?: (client: BigQuery) => void;
    /** Attempts of a transaction that lost a conflict with a concurrent one (default 8, about 30 s in all). */
    conflictAttempts?: number;
  };
}

/** Staging tables older than this are dropped by BigQuery itself (a crash between load and cleanup). */
export const STAGING_TABLE_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export async function openBigQueryDestination(
  target: string | BigQuerySettings,
  options: BigQueryOpenOptions = {},
): Promise<BigQueryDestination> {
  const base = typeof target === 'string' ? parseBigQueryUrl(target) : target;
  const destination = new BigQueryDestination({ ...base, ...options.bigquery?.settings }, options);
  await destination.connect();
  return destination;
}

type QueryParams = Record<string, string | number | boolean> | Array<string | number | boolean>;

interface StagedTable {
  table: WarehouseTable;
  lines: string[];
  stagingTable: string;
}

export class BigQueryDestination implements Destination {
  readonly kind = 'bigquery' as const;
  readonly client: BigQuery;
  readonly settings: BigQuerySettings;
  private readonly names: BigQueryNames;
  private readonly stagingDataset: string;
  private readonly conflictAttempts: number;
  /** Columns each target table is known to have, by `dataset.table` (from ensureTable or a lookup). */
  private readonly knownColumns = new Map<string, Set<string>>();

  constructor(settings: BigQuerySettings, options: BigQueryOpenOptions = {}) {
    this.settings = settings;
    const clientOptions: BigQueryOptions = { projectId: settings.projectId, location: settings.location };
    if (settings.keyFilename) clientOptions.keyFilename = settings.keyFilename;
    if (settings.apiEndpoint) clientOptions.apiEndpoint = settings.apiEndpoint;
    this.client = new BigQuery(clientOptions);
    options.bigquery?.configureClient?.(this.client);
    this.names = { projectId: settings.projectId, metadataDataset: `${settings.datasetPrefix}${METADATA_SCHEMA}` };
    this.stagingDataset = `${settings.datasetPrefix}${METADATA_SCHEMA}_staging`;
    this.conflictAttempts = options.bigquery?.conflictAttempts ?? 8;
  }

  /** The dataset of a source schema. */
  datasetFor(schema: string): string {
    return `${this.settings.datasetPrefix}${schema}`;
  }

  /** Creates the metadata and staging datasets and tables if missing; fails now on wrong credentials. */
  async connect(): Promise<void> {
    await this.ensureDataset(this.names.metadataDataset);
    await this.ensureDataset(this.stagingDataset, { defaultTableExpirationMs: String(STAGING_TABLE_EXPIRATION_MS) });
    const metadata = this.client.dataset(this.names.metadataDataset);
    const tables: Array<[string, string]> = [
      [STATE_TABLE, createStateTableSql(this.names)],
      [FULL_READS_TABLE, createFullReadsTableSql(this.names, FULL_READS_TABLE)],
      [FULL_READ_KEYS_TABLE, createFullReadKeysTableSql(this.names, FULL_READ_KEYS_TABLE)],
    ];
    for (const [name, ddl] of tables) {
      // Looked up first: an unchanged setup needs no CREATE rights run after run.
      const [exists] = await metadata.table(name).exists();
      if (!exists) await this.query(ddl);
    }
  }

  async ensureSchema(schema: string): Promise<void> {
    assertSourceSchema(schema);
    await this.ensureDataset(this.datasetFor(schema));
  }

  async ensureTable(schema: string, table: WarehouseTable): Promise<void> {
    assertSourceSchema(schema);
    assertValidTable(table);
    const dataset = this.datasetFor(schema);
    let existing: Set<string> | null = await this.columnsOf(dataset, table.name);
    if (existing === null) {
      await this.query(createTableSql(this.settings.projectId, dataset, table));
      // Another process may have created it a moment earlier, from an older definition.
      existing = (await this.columnsOf(dataset, table.name)) ?? new Set<string>();
    }
    const have: Set<string> = existing;
    const alter = addColumnsSql(
      this.settings.projectId,
      dataset,
      table.name,
      table.columns.filter((c) => !have.has(c.name)),
    );
    if (alter) {
      await this.query(alter);
      existing = (await this.columnsOf(dataset, table.name)) ?? existing;
    }
    this.knownColumns.set(`${dataset}.${table.name}`, existing);
  }

  async upsert(schema: string, batches: TableBatch[], options: UpsertOptions = {}): Promise<WriterUpsertResult> {
    const { fullReadId } = options;
    assertSourceSchema(schema);
    for (const batch of batches) assertValidTable(batch.table);
    const dataset = this.datasetFor(schema);
    const result = emptyResult();
    const staged: StagedTable[] = [];
    /** Rows derived from these records are replaced: deleted first, in the page's transaction. */
    const replacements: Array<{ table: WarehouseTable; column: string; keys: string[]; recordTable: WarehouseTable | undefined }> = [];
    const grouped = recordTablesFirst(groupByTable(batches));
    for (const batch of grouped) {
      const { table, rows, replaces } = batch;
      if (replaces && replaces.keys.length > 0) {
        const recordTable = guardingRecordTable(batch, grouped);
        replacements.push({ table, column: replaces.column, keys: [...new Set(replaces.keys.map((k) => String(k)))], recordTable });
      }
      const keyType = table.columns.find((c) => c.name === table.primaryKey)!.type;
      const keyed = lastRowPerKey(table, rows, encoderFor(keyType, ENCODING));
      addCount(result.rejectedByTable, table.name, keyed.rejected);
      result.rowsByTable[table.name] = keyed.rows.length;
      const encoder = rowEncoder(table, ENCODING);
      const values: DriverValue[] = new Array(table.columns.length);
      let coerced = 0;
      const lines = keyed.rows.map((row) => {
        coerced += encoder.encodeRow(row, values);
        return ndjsonLine(encoder.columnNames, values);
      });
      addCount(result.coercedToNullByTable, table.name, coerced);
      if (lines.length > 0) staged.push({ table, lines, stagingTable: stagingTableName(dataset, table.name) });
    }
    if (staged.length === 0 && replacements.length === 0) return result;

    for (const { table } of staged) await this.assertColumnsExist(dataset, table);
    for (const { table } of replacements) await this.assertColumnsExist(dataset, table);
    try {
      await Promise.all(
        staged.map(({ table, lines, stagingTable }) =>
          loadNdjson(this.client, this.stagingDataset, stagingTable, stagingSchema(table), lines, this.settings.location),
        ),
      );
      const params: Record<string, string> = {};
      const statements: string[] = [];
      const stagingOf = (name: string) => {
        const found = staged.find((s) => s.table.name === name);
        return found && tableRef(this.settings.projectId, this.stagingDataset, found.stagingTable);
      };
      // Record tables first (recordTablesFirst), so a derived table sees what their guarded MERGE kept.
      grouped.forEach(({ table }, i) => {
        const replacement = replacements.find((r) => r.table.name === table.name);
        const staging = stagingOf(table.name);
        // A record whose stored version is newer keeps its derived rows: none deleted, none added.
        const recordStaging = replacement?.recordTable && stagingOf(replacement.recordTable.name);
        const keptNewer = recordStaging
          ? keptNewerKeysSql(this.settings.projectId, dataset, replacement!.recordTable!, recordStaging)
          : undefined;
        if (replacement) {
          // The rows derived from the page's records go first; the page's rows replace them.
          const names = replacement.keys.map((key, j) => {
            params[`replaced_${i}_${j}`] = key;
            return `replaced_${i}_${j}`;
          });
          statements.push(deleteReplacedRowsSql(this.settings.projectId, dataset, table.name, replacement.column, names, keptNewer));
        }
        if (!staging) return;
        if (keptNewer !== undefined) statements.push(dropStagedRowsOfSql(staging, replacement!.column, keptNewer));
        statements.push(mergeSql(this.settings.projectId, dataset, table, staging));
        if (fullReadId !== undefined) {
          params[`table_${i}`] = table.name;
          statements.push(recordSeenKeysSql(this.names, FULL_READ_KEYS_TABLE, table, staging, `table_${i}`));
        }
      });
      if (fullReadId !== undefined) Object.assign(params, { source: schema, read_id: fullReadId });
      await this.retryingConflicts(() => this.query(transactionScript(statements), params));
    } finally {
      await Promise.all(
        staged.map(
          ({ stagingTable }) =>
            this.client
              .dataset(this.stagingDataset)
              .table(stagingTable)
              .delete({ ignoreNotFound: true })
              .catch(() => undefined), // the dataset's table expiration removes it anyway
        ),
      );
    }
    return result;
  }

  async beginFullRead(schema: string, tables: string[], readId: string): Promise<void> {
    assertSourceSchema(schema);
    tables.forEach((t) => assertSafeIdentifier(t, 'table'));
    if (tables.length === 0) return;
    const params: Record<string, string> = { source: schema, read_id: readId };
    const statements = tables.flatMap((table, i) => {
      params[`table_${i}`] = table;
      return startFullReadSql(this.names, FULL_READS_TABLE, FULL_READ_KEYS_TABLE, `table_${i}`);
    });
    await this.retryingConflicts(() => this.query(transactionScript(statements), params));
  }

  async finishFullRead(schema: string, table: WarehouseTable, readId: string): Promise<FullReadSweep> {
    assertSourceSchema(schema);
    assertValidTable(table);
    const script = finishFullReadScript(this.names, FULL_READS_TABLE, FULL_READ_KEYS_TABLE, this.datasetFor(schema), table);
    const rows = await this.retryingConflicts(() => this.query(script, { source: schema, table_name: table.name, read_id: readId }));
    const swept = rows[0]?.swept === true;
    return { swept, deleted: swept ? Number(rows[0]?.deleted ?? 0) : 0 };
  }

  async readState(source: string, key: string): Promise<string | null> {
    const rows = await this.query(readStateSql(this.names), { source: cleanText(source), key: cleanText(key) });
    const value = rows[0]?.value;
    return value === undefined || value === null ? null : String(value);
  }

  async writeState(source: string, key: string, value: string): Promise<void> {
    await this.retryingConflicts(() =>
      this.query(writeStateSql(this.names), { source: cleanText(source), key: cleanText(key), value: cleanText(value) }),
    );
  }

  async countRows(schema: string, table: string, except?: RowExclusion): Promise<number> {
    assertSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    const where = exclusionClause(except, q);
    // Every parameter goes as a string with its type stated (the REST API's own form); a bare JSON
    // boolean is refused by stricter servers (the emulator).
    const rows = await this.query(
      `SELECT COUNT(*) AS row_count FROM ${tableRef(this.settings.projectId, this.datasetFor(schema), table)}${where.sql}`,
      where.bindings.map(String),
      where.bindings.map((b) => (typeof b === 'boolean' ? 'BOOL' : typeof b === 'number' ? 'INT64' : 'STRING')),
    );
    return Number(rows[0]?.row_count ?? 0);
  }

  async readKeys(schema: string, table: string, column: string): Promise<string[]> {
    assertSourceSchema(schema);
    assertSafeIdentifier(table, 'table');
    assertSafeIdentifier(column, 'column');
    const rows = await this.query(
      `SELECT CAST(${q(column)} AS STRING) AS k FROM ${tableRef(this.settings.projectId, this.datasetFor(schema), table)} WHERE ${q(column)} IS NOT NULL`,
    );
    return rows.map((r) => String(r.k));
  }

  /** Runs one query (or script) and returns its rows (tests, status; the writer's own statements). */
  async query(sql: string, params?: QueryParams, types?: string[]): Promise<Array<Record<string, unknown>>> {
    const hasParams = params !== undefined && (Array.isArray(params) ? params.length > 0 : Object.keys(params).length > 0);
    const [rows] = await this.client.query({
      query: sql,
      location: this.settings.location,
      ...(hasParams ? { params } : {}),
      ...(hasParams && types ? { types } : {}),
    });
    return rows as Array<Record<string, unknown>>;
  }

  async close(): Promise<void> {
    // The client holds no connection: every call is its own HTTPS request.
  }

  private async ensureDataset(name: string, metadata: Record<string, unknown> = {}): Promise<void> {
    const dataset = this.client.dataset(name);
    const [exists] = await dataset.exists();
    if (exists) return;
    try {
      await dataset.create({ location: this.settings.location, ...metadata });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err; // 409: created meanwhile by another worker
    }
  }

  /** The table's column names, or null when it does not exist. */
  private async columnsOf(dataset: string, table: string): Promise<Set<string> | null> {
    try {
      const [metadata] = await this.client.dataset(dataset).table(table).getMetadata();
      const fields = (metadata as { schema?: { fields?: Array<{ name: string }> } }).schema?.fields ?? [];
      return new Set(fields.map((f) => f.name.toLowerCase()));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return null;
      throw err;
    }
  }

  /**
   * Fails before anything is written when the target table or one of its columns is missing (the
   * transaction would roll back too; this keeps the staging load and the job from even starting).
   */
  private async assertColumnsExist(dataset: string, table: WarehouseTable): Promise<void> {
    const cacheKey = `${dataset}.${table.name}`;
    let known = this.knownColumns.get(cacheKey);
    if (!known || table.columns.some((c) => !known!.has(c.name))) {
      const found = await this.columnsOf(dataset, table.name);
      if (found === null) throw new Error(`upsert: table ${dataset}.${table.name} does not exist (ensureTable first)`);
      this.knownColumns.set(cacheKey, found);
      known = found;
    }
    const missing = table.columns.filter((c) => !known!.has(c.name)).map((c) => c.name);
    if (missing.length > 0) {
      throw new Error(`upsert: table ${dataset}.${table.name} has no column ${missing.join(', ')} (ensureTable first)`);
    }
  }

  /**
   * Reruns `work` when BigQuery aborted it for a concurrent transaction on the same table (its
   * writes are serialised per table; the loser is rolled back whole, so running it again is safe).
   */
  private async retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= this.conflictAttempts || !isConcurrentUpdateConflict(err)) throw err;
        const delayMs = Math.min(8_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** BigQuery's words for a transaction or DML statement that lost a conflict with a concurrent one. */
export function isConcurrentUpdateConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /concurrent update|aborted due to concurrent|Could not serialize access|Transaction is aborted due to/i.test(message);
}

/**
 * The Postgres flavour of the shared coercion rules is what a load job reads: integers beyond 2^53
 * as decimal text, booleans as booleans, timestamps as ISO-8601 UTC, dates as YYYY-MM-DD, JSON as
 * cleaned JSON text.
 */
const ENCODING = 'postgres' as const;
