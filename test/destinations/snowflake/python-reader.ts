/**
 * Landed rows as the Python Snowflake connector reads them straight from fakesnow's server
 * (read_landed_rows.py): the independent check of what the Snowflake destination wrote. The other
 * read-back path (read-back.ts) goes through the project's own driver shim and Arrow decoder, so a
 * bug there could hide a bug in the writer; this one shares no code with the Node side.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { WarehouseTable } from '../../../destinations/types';
import { FAKESNOW_PYTHON } from '../../../harness/snowflake/fakesnow-process';

const SCRIPT = path.join(__dirname, 'read_landed_rows.py');

export interface LandedTableRequest {
  schema: string;
  table: WarehouseTable;
}

export interface LandedTable {
  /** False when the table does not exist (then `rows` is empty). */
  exists: boolean;
  /** INFORMATION_SCHEMA.COLUMNS.DATA_TYPE of each requested column, by its lowercase name. */
  declaredTypes: Record<string, string>;
  /** Rows ordered by primary key, keyed by lowercase column name; values typed as the script documents. */
  rows: Array<Record<string, unknown>>;
}

/**
 * Reads every requested table in one Python process (the connector takes ~1 s to import).
 * `fakesnowPort` is fakesnow's own port, not the shim's.
 */
export function readLandedRows(fakesnowPort: number, database: string, tables: LandedTableRequest[]): Promise<LandedTable[]> {
  const request = {
    port: fakesnowPort,
    database,
    tables: tables.map(({ schema, table }) => ({
      schema,
      table: table.name,
      primaryKey: table.primaryKey,
      columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
    })),
  };
  return new Promise((resolve, reject) => {
    const child = execFile(FAKESNOW_PYTHON, [SCRIPT], { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`read_landed_rows.py failed (${err.message.split('\n')[0]}): ${stderr.trim().slice(-4000)}`));
        return;
      }
      resolve(JSON.parse(stdout) as LandedTable[]);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

/** Snowflake's INFORMATION_SCHEMA.COLUMNS.DATA_TYPE for each column type the writer creates. */
export const DECLARED_TYPE = {
  bigint: 'NUMBER',
  double: 'FLOAT',
  boolean: 'BOOLEAN',
  text: 'TEXT',
  timestamp: 'TIMESTAMP_TZ',
  date: 'DATE',
  json: 'VARIANT',
} as const;
