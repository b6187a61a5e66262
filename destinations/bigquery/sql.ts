/**
 * Every SQL statement the BigQuery destination sends, as pure functions of table definitions.
 *
 * Identifiers are always written between backticks (reserved words such as `group`, `order`,
 * `default` are real column names); names reach here already checked by shared/identifiers.ts, so they
 * hold only [a-z0-9_]. Values are always query parameters, never spliced into SQL text.
 *
 * Types: bigint -> INT64, double -> FLOAT64, boolean -> BOOL, text -> STRING, timestamp -> TIMESTAMP,
 * date -> DATE, json -> JSON. Staging tables have the same types except JSON, staged as STRING (the
 * JSON text) and parsed in the MERGE's source query: a JSON column in an NDJSON load would take a
 * JSON *string* value as either a string or an object depending on the engine, PARSE_JSON is exact.
 */
import type { ColumnType } from '../../catalog/types';
import type { WarehouseColumn, WarehouseTable } from '../types';

/** Names the SQL needs besides the table definitions. */
export interface BigQueryNames {
  projectId: string;
  /** Dataset of the sync state and full-read bookkeeping. */
  metadataDataset: string;
}

export const STATE_TABLE = 'state';

export function bigQueryType(type: ColumnType): string {
  switch (type) {
    case 'bigint':
      return 'INT64';
    case 'double':
      return 'FLOAT64';
    case 'boolean':
      return 'BOOL';
    case 'text':
      return 'STRING';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'json':
      return 'JSON';
  }
}

/** The type of a column in a staging table (the load job's schema). */
export function stagingType(type: ColumnType): string {
  return type === 'json' ? 'STRING' : bigQueryType(type);
}

export const q = (name: string): string => `\`${name}\``;

export function tableRef(projectId: string, dataset: string, table: string): string {
  return `${q(projectId)}.${q(dataset)}.${q(table)}`;
}

/**
 * The table, partitioned and clustered for the questions analysts ask:
 *   - partitioned by the DAY of its version column (`updated_at` for tickets, users, organizations…)
 *     when that column is a TIMESTAMP, so "what changed this week" scans only those days, and each
 *     page's MERGE (rows of nearby updated_at, since incremental exports run in updated_at order)
 *     rewrites few partitions;
 *   - clustered by the primary key, so lookups and the MERGE's join by id read few blocks.
 * Tables without a timestamp version column (small lists, events keyed otherwise) are only clustered.
 * BigQuery allows 10,000 partitions per table (27 years of days) and 4,000 per job.
 */
export function createTableSql(projectId: string, dataset: string, table: WarehouseTable): string {
  const columns = table.columns.map((c) => `${q(c.name)} ${bigQueryType(c.type)}${c.name === table.primaryKey ? ' NOT NULL' : ''}`);
  const partition = partitionColumn(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${tableRef(projectId, dataset, table.name)} (${columns.join(', ')})`,
    ...(partition ? [`PARTITION BY TIMESTAMP_TRUNC(${q(partition)}, DAY)`] : []),
    `CLUSTER BY ${q(table.primaryKey)}`,
  ].join(' ');
}

/** The column a table is partitioned by (its TIMESTAMP version column), if any. */
export function partitionColumn(table: WarehouseTable): string | undefined {
  const version = table.versionColumn;
  if (version === undefined) return undefined;
  return table.columns.find((c) => c.name === version)?.type === 'timestamp' ? version : undefined;
}

/** Adds columns a table lacks (never drops or retypes one); null when there is nothing to add. */
export function addColumnsSql(projectId: string, dataset: string, table: string, columns: WarehouseColumn[]): string | null {
  if (columns.length === 0) return null;
  const adds = columns.map((c) => `ADD COLUMN IF NOT EXISTS ${q(c.name)} ${bigQueryType(c.type)}`);
  return `ALTER TABLE ${tableRef(projectId, dataset, table)} ${adds.join(', ')}`;
}

/**
 * Upserts the staged rows (already one per key) into the target. A matched row is updated only when
 * the incoming version is not older (ties and NULLs update). Columns the target has beyond
 * `table.columns` are left untouched.
 */
export function mergeSql(projectId: string, dataset: string, table: WarehouseTable, staging: string): string {
  const selectList = table.columns
    .map((c) => (c.type === 'json' ? `PARSE_JSON(${q(c.name)}, wide_number_mode => 'round') AS ${q(c.name)}` : q(c.name)))
    .join(', ');
  const quotedKey = q(table.primaryKey);
  const updates = table.columns.filter((c) => c.name !== table.primaryKey).map((c) => `${q(c.name)} = incoming.${q(c.name)}`);
  const names = table.columns.map((c) => q(c.name)).join(', ');
  const values = table.columns.map((c) => `incoming.${q(c.name)}`).join(', ');
  return [
    `MERGE ${tableRef(projectId, dataset, table.name)} AS existing`,
    `USING (SELECT ${selectList} FROM ${staging}) AS incoming`,
    `ON existing.${quotedKey} = incoming.${quotedKey}`,
    ...(updates.length > 0 ? [`WHEN MATCHED${versionGuard(table)} THEN UPDATE SET ${updates.join(', ')}`] : []),
    `WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${values})`,
  ].join('\n');
}

/**
 * Deletes the rows derived from records a page writes again (`TableBatch.replaces`), before their new
 * rows are merged, in the same transaction. Keys travel as STRING parameters, one each (the keys of
 * one page: at most a page's records), compared with the column's text.
 */
export function deleteReplacedRowsSql(
  projectId: string,
  dataset: string,
  table: string,
  column: string,
  keyParams: string[],
  keptNewer?: string,
): string {
  const guard = keptNewer === undefined ? '' : ` AND ${q(column)} NOT IN (${keptNewer})`;
  return `DELETE FROM ${tableRef(projectId, dataset, table)} WHERE CAST(${q(column)} AS STRING) IN (${keyParams.map((p) => `@${p}`).join(', ')})${guard}`;
}

/**
 * The keys of a record table's staged rows whose stored row is newer (the MERGE's version guard kept
 * it): the records whose derived rows a page must leave alone (see `TableBatch.replaces`). The same
 * comparison as the guard, so a tie or a NULL is never "newer".
 */
export function keptNewerKeysSql(projectId: string, dataset: string, recordTable: WarehouseTable, staging: string): string {
  const quotedKey = q(recordTable.primaryKey);
  const quotedVersion = q(recordTable.versionColumn!);
  return (
    `SELECT existing.${quotedKey} FROM ${tableRef(projectId, dataset, recordTable.name)} AS existing ` +
    `JOIN ${staging} AS incoming ON existing.${quotedKey} = incoming.${quotedKey} WHERE existing.${quotedVersion} > incoming.${quotedVersion}`
  );
}

/** Drops from a derived table's staged rows those of records whose stored version is newer. */
export function dropStagedRowsOfSql(staging: string, column: string, keptNewer: string): string {
  return `DELETE FROM ${staging} WHERE ${q(column)} IN (${keptNewer})`;
}

function versionGuard(table: WarehouseTable): string {
  if (table.versionColumn === undefined) return '';
  const existing = `existing.${q(table.versionColumn)}`;
  const incoming = `incoming.${q(table.versionColumn)}`;
  return ` AND (${existing} IS NULL OR ${incoming} IS NULL OR ${incoming} >= ${existing})`;
}

/**
 * The statements of one multi-statement transaction (a BigQuery script): all of them apply, or
 * none does. No exception handler on purpose: when a statement (or the COMMIT, after a conflict)
 * fails, BigQuery fails the query and rolls the transaction back itself, and the error keeps its own
 * message (a handler's ROLLBACK after an aborted COMMIT would replace it with its own failure).
 */
export function transactionScript(statements: string[]): string {
  return ['BEGIN TRANSACTION;', ...statements.map((s) => `${s};`), 'COMMIT TRANSACTION;'].join('\n');
}

// ---- sync state and full reads, in the metadata dataset ----------------------------------------

export function createStateTableSql(n: BigQueryNames): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${tableRef(n.projectId, n.metadataDataset, STATE_TABLE)} ` +
    '(`source` STRING NOT NULL, `key` STRING NOT NULL, `value` STRING, `updated_at` TIMESTAMP)'
  );
}

export function createFullReadsTableSql(n: BigQueryNames, name: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${tableRef(n.projectId, n.metadataDataset, name)} ` +
    '(`source` STRING NOT NULL, `table_name` STRING NOT NULL, `read_id` STRING NOT NULL, `started_at` TIMESTAMP)'
  );
}

export function createFullReadKeysTableSql(n: BigQueryNames, name: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${tableRef(n.projectId, n.metadataDataset, name)} ` +
    '(`source` STRING NOT NULL, `table_name` STRING NOT NULL, `read_id` STRING NOT NULL, `key` STRING NOT NULL) ' +
    'CLUSTER BY `source`, `table_name`, `read_id`'
  );
}

/** Params: source, key. */
export function readStateSql(n: BigQueryNames): string {
  return `SELECT \`value\` FROM ${tableRef(n.projectId, n.metadataDataset, STATE_TABLE)} WHERE \`source\` = @source AND \`key\` = @key`;
}

/** Params: source, key, value. One MERGE: atomic on its own. */
export function writeStateSql(n: BigQueryNames): string {
  return [
    `MERGE ${tableRef(n.projectId, n.metadataDataset, STATE_TABLE)} AS existing`,
    'USING (SELECT @source AS `source`, @key AS `key`, @value AS `value`, CURRENT_TIMESTAMP() AS `updated_at`) AS incoming',
    'ON existing.`source` = incoming.`source` AND existing.`key` = incoming.`key`',
    'WHEN MATCHED THEN UPDATE SET `value` = incoming.`value`, `updated_at` = incoming.`updated_at`',
    'WHEN NOT MATCHED THEN INSERT (`source`, `key`, `value`, `updated_at`) VALUES (incoming.`source`, incoming.`key`, incoming.`value`, incoming.`updated_at`)',
  ].join('\n');
}

/**
 * Records the staged keys as seen by a full read (params: source, read_id, and `tableParam` for the
 * table name). Keys already recorded (a page written again after a retry) are skipped. Keys are
 * BigQuery's own text of the key, CAST(… AS STRING), the same the sweep compares with.
 */
export function recordSeenKeysSql(n: BigQueryNames, keysTable: string, table: WarehouseTable, staging: string, tableParam: string): string {
  const keys = tableRef(n.projectId, n.metadataDataset, keysTable);
  const stagedKey = `CAST(staged.${q(table.primaryKey)} AS STRING)`;
  return (
    `INSERT INTO ${keys} (\`source\`, \`table_name\`, \`read_id\`, \`key\`) ` +
    `SELECT DISTINCT @source, @${tableParam}, @read_id, ${stagedKey} FROM ${staging} AS staged ` +
    `WHERE ${stagedKey} NOT IN (SELECT \`key\` FROM ${keys} WHERE \`source\` = @source AND \`table_name\` = @${tableParam} AND \`read_id\` = @read_id)`
  );
}

/**
 * beginFullRead's statements for one table (params: source, read_id, `tableParam`): forget the keys
 * of any earlier read of the table, make this read its current one. A DELETE and an INSERT rather
 * than a MERGE: the same effect inside the transaction.
 */
export function startFullReadSql(n: BigQueryNames, readsTable: string, keysTable: string, tableParam: string): string[] {
  const where = `WHERE \`source\` = @source AND \`table_name\` = @${tableParam}`;
  return [
    `DELETE FROM ${tableRef(n.projectId, n.metadataDataset, keysTable)} ${where}`,
    `DELETE FROM ${tableRef(n.projectId, n.metadataDataset, readsTable)} ${where}`,
    `INSERT INTO ${tableRef(n.projectId, n.metadataDataset, readsTable)} (\`source\`, \`table_name\`, \`read_id\`, \`started_at\`) ` +
      `VALUES (@source, @${tableParam}, @read_id, CURRENT_TIMESTAMP())`,
  ];
}

/**
 * finishFullRead as one script (params: source, table_name, read_id): if the read is still the
 * table's current one, count and delete the rows it did not list and forget the read; otherwise
 * forget only this read's keys. Its result is one row: swept, deleted.
 */
export function finishFullReadScript(
  n: BigQueryNames,
  readsTable: string,
  keysTable: string,
  dataset: string,
  table: WarehouseTable,
): string {
  const reads = tableRef(n.projectId, n.metadataDataset, readsTable);
  const keys = tableRef(n.projectId, n.metadataDataset, keysTable);
  const target = tableRef(n.projectId, dataset, table.name);
  const thisTable = '`source` = @source AND `table_name` = @table_name';
  const unlisted =
    `CAST(${q(table.primaryKey)} AS STRING) NOT IN ` + `(SELECT \`key\` FROM ${keys} WHERE ${thisTable} AND \`read_id\` = @read_id)`;
  return [
    'DECLARE is_current BOOL DEFAULT FALSE;',
    'DECLARE unlisted INT64 DEFAULT 0;',
    'BEGIN TRANSACTION;',
    `SET is_current = EXISTS(SELECT 1 FROM ${reads} WHERE ${thisTable} AND \`read_id\` = @read_id);`,
    'IF is_current THEN',
    `  SET unlisted = (SELECT COUNT(*) FROM ${target} WHERE ${unlisted});`,
    `  DELETE FROM ${target} WHERE ${unlisted};`,
    `  DELETE FROM ${keys} WHERE ${thisTable};`,
    `  DELETE FROM ${reads} WHERE ${thisTable};`,
    'ELSE',
    `  DELETE FROM ${keys} WHERE ${thisTable} AND \`read_id\` = @read_id;`,
    'END IF;',
    'COMMIT TRANSACTION;', // an error before it: BigQuery rolls the transaction back itself
    'SELECT is_current AS swept, unlisted AS deleted;',
  ].join('\n');
}
