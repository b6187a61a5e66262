/**
 * Every SQL statement the Snowflake destination sends, as pure functions of table definitions.
 *
 * Identifiers go through `quoteIdentifier(name, 'snowflake')` only: upper-cased and quoted, which is
 * exactly the name Snowflake gives an unquoted identifier, so users query `zendesk_prod.tickets`
 * without quotes, while reserved words (`group`, `order`, `default`) still work as column names.
 * Values are always bound, never spliced into SQL text.
 *
 * Unqualified names (the staging tables) resolve in the session's current schema, which the
 * destination sets to the metadata schema right after login (`USE SCHEMA`).
 */
import type { ColumnType } from '../../catalog/types';
import { quoteIdentifier, METADATA_SCHEMA } from '../shared/identifiers';
import { FULL_READS_TABLE, FULL_READ_KEYS_TABLE } from '../shared/fullReads';
import type { WarehouseColumn, WarehouseTable } from '../types';

const q = (name: string) => quoteIdentifier(name, 'snowflake');
const qualified = (schema: string, table: string) => `${q(schema)}.${q(table)}`;

/** One native type per column type. */
export function snowflakeType(type: ColumnType): string {
  switch (type) {
    case 'bigint':
      return 'NUMBER(38,0)';
    case 'double':
      return 'FLOAT';
    case 'boolean':
      return 'BOOLEAN';
    case 'text':
      return 'VARCHAR';
    case 'timestamp':
      return 'TIMESTAMP_TZ'; // Zendesk sends UTC instants; TZ keeps the offset with them.
    case 'date':
      return 'DATE';
    case 'json':
      return 'VARIANT';
  }
}

/**
 * Staging columns have the target's type, except JSON: a VARIANT cannot be bound in an INSERT's
 * VALUES list, so it is staged as JSON text and parsed in the MERGE's source query.
 */
function stagingType(type: ColumnType): string {
  return type === 'json' ? 'VARCHAR' : snowflakeType(type);
}

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${q(schema)}`;
}

export function useSchemaSql(schema: string): string {
  return `USE SCHEMA ${q(schema)}`;
}

export function createTableSql(schema: string, table: WarehouseTable): string {
  const columns = table.columns.map((c) => `${q(c.name)} ${snowflakeType(c.type)}${c.name === table.primaryKey ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table.name)} (${columns.join(', ')}, PRIMARY KEY (${q(table.primaryKey)}))`;
}

/**
 * The name Snowflake stores for an identifier the destination writes: `q` upper-cases and quotes,
 * so the catalog holds the upper-case text.
 */
export function storedName(name: string): string {
  return name.toUpperCase();
}

/**
 * Whether a schema exists (binds: stored schema name): one row, or none. Looked up before CREATE
 * SCHEMA IF NOT EXISTS, which needs the CREATE SCHEMA privilege on the database even when the schema
 * exists (as CREATE TABLE IF NOT EXISTS needs CREATE TABLE on the schema).
 */
export function findSchemaSql(): string {
  return `SELECT "SCHEMA_NAME" FROM INFORMATION_SCHEMA."SCHEMATA" WHERE "SCHEMA_NAME" = ?`;
}

/**
 * The columns a table has (binds: stored schema name, stored table name); no rows when the table
 * does not exist. INFORMATION_SCHEMA of the session's database, unlike SHOW COLUMNS IN TABLE,
 * answers a missing table with no rows rather than an error, and takes binds.
 */
export function listColumnsSql(): string {
  return `SELECT "COLUMN_NAME" FROM INFORMATION_SCHEMA."COLUMNS" WHERE "TABLE_SCHEMA" = ? AND "TABLE_NAME" = ?`;
}

/**
 * Adds the columns a table lacks; null when there is nothing to add. IF NOT EXISTS keeps it safe
 * when another process added one of them since the destination read the table's columns.
 */
export function addColumnsSql(schema: string, table: string, columns: WarehouseColumn[]): string | null {
  if (columns.length === 0) return null;
  const list = columns.map((c) => `${q(c.name)} ${snowflakeType(c.type)}`).join(', ');
  return `ALTER TABLE ${qualified(schema, table)} ADD COLUMN IF NOT EXISTS ${list}`;
}

/** Session-private staging table for one target table (temporary tables live as long as the session). */
export function stagingTableName(table: WarehouseTable): string {
  return q(`zs_stage_${table.name}`);
}

export function createStagingTableSql(table: WarehouseTable): string {
  const columns = table.columns.map((c) => `${q(c.name)} ${stagingType(c.type)}`);
  return `CREATE OR REPLACE TEMPORARY TABLE ${stagingTableName(table)} (${columns.join(', ')})`;
}

export function dropStagingTableSql(table: WarehouseTable): string {
  return `DROP TABLE IF EXISTS ${stagingTableName(table)}`;
}

/** Array-bound: one `?` per column, the driver sends every row's values. */
export function insertStagingSql(table: WarehouseTable): string {
  const names = table.columns.map((c) => q(c.name)).join(', ');
  const placeholders = table.columns.map(() => '?').join(', ');
  return `INSERT INTO ${stagingTableName(table)} (${names}) VALUES (${placeholders})`;
}

/**
 * Appends a piece of text to one column of one staged row (binds: piece, primary key), for rows too
 * large for one INSERT (see staging.ts). The key is cast to its staging type explicitly.
 */
export function appendStagingSql(table: WarehouseTable, column: string): string {
  const key = table.columns.find((c) => c.name === table.primaryKey)!;
  return `UPDATE ${stagingTableName(table)} SET ${q(column)} = ${q(column)} || ? WHERE ${q(key.name)} = CAST(? AS ${stagingType(key.type)})`;
}

/** Whether a column's staging type is text (text and JSON), so values can be appended to it. */
export function stagedAsText(type: ColumnType): boolean {
  return stagingType(type) === 'VARCHAR';
}

/**
 * Upserts the staged rows (already one per key) into the target. JSON text becomes VARIANT here,
 * in the source query, where PARSE_JSON is allowed. Columns the target has beyond `table.columns`
 * are left untouched.
 */
export function mergeSql(schema: string, table: WarehouseTable): string {
  const selectList = table.columns.map((c) => (c.type === 'json' ? `PARSE_JSON(${q(c.name)}) AS ${q(c.name)}` : q(c.name))).join(', ');
  const key = q(table.primaryKey);
  const updates = table.columns.filter((c) => c.name !== table.primaryKey).map((c) => `${q(c.name)} = "INCOMING".${q(c.name)}`);
  const names = table.columns.map((c) => q(c.name)).join(', ');
  const values = table.columns.map((c) => `"INCOMING".${q(c.name)}`).join(', ');
  return [
    `MERGE INTO ${qualified(schema, table.name)} AS "EXISTING"`,
    `USING (SELECT ${selectList} FROM ${stagingTableName(table)}) AS "INCOMING"`,
    `ON "EXISTING".${key} = "INCOMING".${key}`,
    ...(updates.length > 0 ? [`WHEN MATCHED${versionGuard(table)} THEN UPDATE SET ${updates.join(', ')}`] : []),
    `WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${values})`,
  ].join(' ');
}

/** The MERGE's `AND …` that keeps a newer row (WarehouseTable.versionColumn): ties and NULLs update. */
function versionGuard(table: WarehouseTable): string {
  if (table.versionColumn === undefined) return '';
  const existing = `"EXISTING".${q(table.versionColumn)}`;
  const incoming = `"INCOMING".${q(table.versionColumn)}`;
  return ` AND (${existing} IS NULL OR ${incoming} IS NULL OR ${incoming} >= ${existing})`;
}

export function countRowsSql(schema: string, table: string): string {
  return `SELECT COUNT(*) AS "ROW_COUNT" FROM ${qualified(schema, table)}`;
}

// ---- sync state, in the metadata schema -----------------------------------------------------------

export const STATE_TABLE_NAME = 'state';
const STATE_TABLE = qualified(METADATA_SCHEMA, STATE_TABLE_NAME);

export function createStateTableSql(): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} ("SOURCE" VARCHAR NOT NULL, "KEY" VARCHAR NOT NULL, ` +
    `"VALUE" VARCHAR, "UPDATED_AT" TIMESTAMP_TZ, PRIMARY KEY ("SOURCE", "KEY"))`
  );
}

/** Binds: source, key. */
export function readStateSql(): string {
  return `SELECT "VALUE" FROM ${STATE_TABLE} WHERE "SOURCE" = ? AND "KEY" = ?`;
}

/** Binds: source, key, value. */
export function writeStateSql(): string {
  return (
    `MERGE INTO ${STATE_TABLE} AS "EXISTING" ` +
    `USING (SELECT ? AS "SOURCE", ? AS "KEY", ? AS "VALUE", CURRENT_TIMESTAMP() AS "UPDATED_AT") AS "INCOMING" ` +
    `ON "EXISTING"."SOURCE" = "INCOMING"."SOURCE" AND "EXISTING"."KEY" = "INCOMING"."KEY" ` +
    `WHEN MATCHED THEN UPDATE SET "VALUE" = "INCOMING"."VALUE", "UPDATED_AT" = "INCOMING"."UPDATED_AT" ` +
    `WHEN NOT MATCHED THEN INSERT ("SOURCE", "KEY", "VALUE", "UPDATED_AT") ` +
    `VALUES ("INCOMING"."SOURCE", "INCOMING"."KEY", "INCOMING"."VALUE", "INCOMING"."UPDATED_AT")`
  );
}

// ---- full reads (deletions in collections read in full), in the metadata schema ------------------

const FULL_READS = qualified(METADATA_SCHEMA, FULL_READS_TABLE);
const FULL_READ_KEYS = qualified(METADATA_SCHEMA, FULL_READ_KEYS_TABLE);

export function createFullReadsTableSql(): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${FULL_READS} ("SOURCE" VARCHAR NOT NULL, "TABLE_NAME" VARCHAR NOT NULL, ` +
    `"READ_ID" VARCHAR NOT NULL, "STARTED_AT" TIMESTAMP_TZ, PRIMARY KEY ("SOURCE", "TABLE_NAME"))`
  );
}

export function createFullReadKeysTableSql(): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${FULL_READ_KEYS} ("SOURCE" VARCHAR NOT NULL, "TABLE_NAME" VARCHAR NOT NULL, ` +
    `"READ_ID" VARCHAR NOT NULL, "KEY" VARCHAR NOT NULL, PRIMARY KEY ("SOURCE", "TABLE_NAME", "READ_ID", "KEY"))`
  );
}

/**
 * Records the keys of the staged rows as seen by a full read (binds: source, table, read id, twice).
 * Snowflake does not enforce primary keys, so keys already recorded (a page read again) are skipped.
 * Keys are the warehouse's own text of the key (TO_VARCHAR), the same the sweep compares with.
 */
export function recordSeenKeysSql(table: WarehouseTable): string {
  const stagedKeyText = `TO_VARCHAR("STAGED".${q(table.primaryKey)})`;
  return (
    `INSERT INTO ${FULL_READ_KEYS} ("SOURCE", "TABLE_NAME", "READ_ID", "KEY") ` +
    `SELECT DISTINCT ?, ?, ?, ${stagedKeyText} FROM ${stagingTableName(table)} AS "STAGED" ` +
    `WHERE ${stagedKeyText} NOT IN (SELECT "KEY" FROM ${FULL_READ_KEYS} WHERE "SOURCE" = ? AND "TABLE_NAME" = ? AND "READ_ID" = ?)`
  );
}

/** Binds: source, table. */
export function forgetFullReadKeysSql(): string {
  return `DELETE FROM ${FULL_READ_KEYS} WHERE "SOURCE" = ? AND "TABLE_NAME" = ?`;
}

/** Binds: source, table, read id. */
export function forgetOneFullReadKeysSql(): string {
  return `DELETE FROM ${FULL_READ_KEYS} WHERE "SOURCE" = ? AND "TABLE_NAME" = ? AND "READ_ID" = ?`;
}

/** Binds: source, table, read id. */
export function startFullReadSql(): string {
  return (
    `MERGE INTO ${FULL_READS} AS "EXISTING" ` +
    `USING (SELECT ? AS "SOURCE", ? AS "TABLE_NAME", ? AS "READ_ID", CURRENT_TIMESTAMP() AS "STARTED_AT") AS "INCOMING" ` +
    `ON "EXISTING"."SOURCE" = "INCOMING"."SOURCE" AND "EXISTING"."TABLE_NAME" = "INCOMING"."TABLE_NAME" ` +
    `WHEN MATCHED THEN UPDATE SET "READ_ID" = "INCOMING"."READ_ID", "STARTED_AT" = "INCOMING"."STARTED_AT" ` +
    `WHEN NOT MATCHED THEN INSERT ("SOURCE", "TABLE_NAME", "READ_ID", "STARTED_AT") ` +
    `VALUES ("INCOMING"."SOURCE", "INCOMING"."TABLE_NAME", "INCOMING"."READ_ID", "INCOMING"."STARTED_AT")`
  );
}

/** Binds: source, table. */
export function currentFullReadSql(): string {
  return `SELECT "READ_ID" FROM ${FULL_READS} WHERE "SOURCE" = ? AND "TABLE_NAME" = ?`;
}

/** Binds: source, table. */
export function endFullReadSql(): string {
  return `DELETE FROM ${FULL_READS} WHERE "SOURCE" = ? AND "TABLE_NAME" = ?`;
}

/** The rows a full read did not list (binds: source, table, read id), as a WHERE condition on the target. */
function unlistedRows(table: WarehouseTable): string {
  return (
    `TO_VARCHAR(${q(table.primaryKey)}) NOT IN (SELECT "KEY" FROM ${FULL_READ_KEYS} ` +
    `WHERE "SOURCE" = ? AND "TABLE_NAME" = ? AND "READ_ID" = ?)`
  );
}

/** Binds: source, table, read id. */
export function countUnlistedSql(schema: string, table: WarehouseTable): string {
  return `SELECT COUNT(*) AS "ROW_COUNT" FROM ${qualified(schema, table.name)} WHERE ${unlistedRows(table)}`;
}

/** Binds: source, table, read id. */
export function deleteUnlistedSql(schema: string, table: WarehouseTable): string {
  return `DELETE FROM ${qualified(schema, table.name)} WHERE ${unlistedRows(table)}`;
}

/**
 * Deletes the rows whose `column` holds one of `count` bound keys (a batch's replaced records; see
 * `TableBatch.replaces`). Keys are bound as text and compared with the column's text, as the
 * full-read sweep compares keys, so one form serves every column type.
 */
export function deleteRowsWithKeysSql(schema: string, table: WarehouseTable, column: string, count: number, keptNewer?: string): string {
  const guard = keptNewer === undefined ? '' : ` AND ${q(column)} NOT IN (${keptNewer})`;
  return `DELETE FROM ${qualified(schema, table.name)} WHERE TO_VARCHAR(${q(column)}) IN (${new Array(count).fill('?').join(', ')})${guard}`;
}

/**
 * The keys of a record table's staged rows whose stored row is newer (the MERGE's version guard kept
 * it): the records whose derived rows a page must leave alone (see `TableBatch.replaces`). The same
 * comparison as the guard, so a tie or a NULL is never "newer".
 */
export function keptNewerKeysSql(schema: string, recordTable: WarehouseTable): string {
  const quotedKey = q(recordTable.primaryKey);
  const quotedVersion = q(recordTable.versionColumn!);
  return (
    `SELECT "EXISTING".${quotedKey} FROM ${qualified(schema, recordTable.name)} AS "EXISTING" ` +
    `JOIN ${stagingTableName(recordTable)} AS "INCOMING" ON "EXISTING".${quotedKey} = "INCOMING".${quotedKey} ` +
    `WHERE "EXISTING".${quotedVersion} > "INCOMING".${quotedVersion}`
  );
}

/** Drops from a derived table's staged rows those of records whose stored version is newer. */
export function dropStagedRowsOfSql(table: WarehouseTable, column: string, keptNewer: string): string {
  return `DELETE FROM ${stagingTableName(table)} WHERE ${q(column)} IN (${keptNewer})`;
}
