/**
 * Turns one page of a stream into warehouse rows for every enabled table the stream feeds, driven
 * only by the catalog: where the table's records sit in the page (the records, a sideload, nested
 * children), which path each column reads, its type, and the custom-field columns.
 *
 * Everything that depends only on the plan (column paths split, coercer per type, custom-field
 * slots, the record-to-row function) is prepared once per table plan and kept with it, so the
 * per-record work is reading the values and building the row. A plan is treated as immutable: when
 * a table gains custom columns the planner makes a new plan (a changed column list is caught too).
 */
import type { CollectionSpec, ColumnSpec, ExtractStep, ValueTransform, WhereValue } from '../catalog/types';
import type { Row, TableBatch, WarehouseTable } from '../destinations/types';
import { applyTransform, coercerFor, type Coercer } from './coercion';
import { recordTimeSeconds } from '../zendesk/recordTime';
import { compileCustomColumns, readCustomValues, type CompiledCustomColumns, type CustomColumn } from './customFields';

/** A record together with the record it was found in (for `parent.*` column paths). */
interface Located {
  record: Record<string, unknown>;
  parent?: Located;
}

export interface TablePlan {
  collection: CollectionSpec;
  table: WarehouseTable;
  customColumns: CustomColumn[];
}

export interface MappedPage {
  batches: TableBatch[];
  /** Records that could not be written (no primary key), per table. */
  rejected: Record<string, number>;
  /** Values that did not fit their column's type and were stored as null, per table. */
  coercedToNull: Record<string, number>;
}

export function warehouseTable(collection: CollectionSpec, customColumns: CustomColumn[]): WarehouseTable {
  const table: WarehouseTable = {
    name: collection.name,
    primaryKey: collection.primaryKey,
    columns: [
      ...collection.columns.map((c) => ({ name: c.name, type: c.type })),
      ...customColumns.map((c) => ({ name: c.column, type: c.type })),
    ],
  };
  const versionColumn = versionColumnOf(collection);
  if (versionColumn) table.versionColumn = versionColumn;
  return table;
}

/** The column that versions a collection's rows: explicit, else the freshness field when it is a column. */
export function versionColumnOf(collection: CollectionSpec): string | undefined {
  if (collection.versionColumn) return collection.versionColumn;
  const freshness = collection.freshness;
  return freshness && collection.columns.some((c) => c.name === freshness) ? freshness : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function matches(record: Record<string, unknown>, where: ExtractStep['where']): boolean {
  if (!where) return true;
  for (const key in where) {
    const wanted = where[key]!;
    const actual = record[key];
    if (Array.isArray(wanted) ? !wanted.includes(actual as WhereValue) : actual !== wanted) return false;
  }
  return true;
}

/** A child naming its changed field by a key of its own, with that key and value made explicit. */
function withChangedKey(child: Record<string, unknown>, spec: NonNullable<ExtractStep['changedKey']>): Record<string, unknown> | undefined {
  for (const key in child) {
    if (spec.otherKeys.includes(key)) continue;
    return { ...child, [spec.nameAs]: key, [spec.valueAs]: child[key] };
  }
  return undefined;
}

/**
 * Finds the raw records of one table in a page: `rows[i]` is a record and `parents[i]` the record it
 * was found in (only for nested children; `parents` is empty otherwise).
 */
function locate(
  collection: CollectionSpec,
  records: unknown[],
  page: Record<string, unknown>,
): { rows: Array<Record<string, unknown>>; parents: Array<Located | undefined> } {
  const source = collection.source;
  const rows: Array<Record<string, unknown>> = [];
  const parents: Array<Located | undefined> = [];
  switch (source.kind) {
    case 'record':
      for (const record of records) if (isObject(record)) rows.push(record);
      break;
    case 'sideload': {
      const sideloaded = source.sideloadKey ? page[source.sideloadKey] : undefined;
      if (Array.isArray(sideloaded)) {
        for (const record of sideloaded) if (isObject(record)) rows.push(record);
      } else if (source.embeddedKey) {
        // Some servers embed the object in each record instead of a top-level array.
        for (const record of records) {
          if (!isObject(record)) continue;
          const embedded = record[source.embeddedKey];
          if (isObject(embedded)) rows.push(embedded);
        }
      }
      break;
    }
    case 'children': {
      let level: Located[] = [];
      for (const record of records) if (isObject(record)) level.push({ record });
      for (const step of source.path ?? []) {
        const next: Located[] = [];
        for (const parent of level) {
          const children = parent.record[step.key];
          if (!Array.isArray(children)) continue;
          for (const element of children) {
            let child: Record<string, unknown> | undefined;
            if (step.scalarAs !== undefined) {
              if (element !== null && element !== undefined && !isObject(element) && !Array.isArray(element))
                child = { [step.scalarAs]: element };
            } else if (isObject(element)) {
              child = step.changedKey ? withChangedKey(element, step.changedKey) : element;
            }
            if (child && matches(child, step.where)) next.push({ record: child, parent });
          }
        }
        level = next;
      }
      for (const located of level) {
        rows.push(located.record);
        parents.push(located.parent);
      }
      break;
    }
  }
  return { rows, parents };
}

/**
 * A column's source path, split once per collection instead of once per value: `up` levels of
 * `parent.`, then the keys to walk.
 */
interface CompiledPath {
  up: number;
  keys: string[];
}

function compilePath(path: string): CompiledPath {
  let up = 0;
  let rest = path;
  while (rest.startsWith('parent.')) {
    up++;
    rest = rest.slice('parent.'.length);
  }
  return { up, keys: rest.split('.') };
}

function readPath(record: Record<string, unknown>, parent: Located | undefined, path: CompiledPath): unknown {
  let value: unknown = record;
  if (path.up > 0) {
    let target = parent;
    for (let i = 1; i < path.up && target; i++) target = target.parent;
    if (!target) return undefined;
    value = target.record;
  }
  const { keys } = path;
  for (let i = 0; i < keys.length; i++) {
    if (!isObject(value)) return undefined;
    value = value[keys[i]!];
  }
  return value;
}

/** One spec column, ready for the per-record loop. */
interface CompiledColumn {
  name: string;
  /** `received_at`: the time the page was received, never read from the record. */
  receivedAt: boolean;
  /** Set when the column reads one top-level key (most columns): no path walk needed. */
  key: string | undefined;
  /** Paths in order; the first present (not null/undefined) one wins. */
  paths: CompiledPath[];
  transform: ValueTransform | undefined;
  coerce: Coercer;
  /** Set for a `joinOf` column: the paths whose texts make the value. */
  joined: CompiledPath[] | undefined;
}

function compileColumn(column: ColumnSpec): CompiledColumn {
  const paths = (Array.isArray(column.from) ? column.from : [column.from ?? column.name]).map(compilePath);
  const single = !column.joinOf && paths.length === 1 && paths[0]!.up === 0 && paths[0]!.keys.length === 1 ? paths[0]!.keys[0] : undefined;
  return {
    name: column.name,
    receivedAt: column.name === 'received_at',
    key: single,
    paths,
    transform: column.transform,
    coerce: coercerFor(column.type),
    joined: column.joinOf?.map(compilePath),
  };
}

/** A `joinOf` column: its parts' texts joined with ':', null when a part is missing. */
function readJoined(record: Record<string, unknown>, parent: Located | undefined, column: CompiledColumn): string | null {
  const parts: string[] = [];
  for (const path of column.joined!) {
    const value = readPath(record, parent, path);
    if (value === undefined || value === null || typeof value === 'object') return null;
    parts.push(String(value));
  }
  return parts.join(':');
}

/** The first present (not null/undefined) path of a column, else null. */
function readColumn(record: Record<string, unknown>, parent: Located | undefined, column: CompiledColumn): unknown {
  for (const path of column.paths) {
    const value = readPath(record, parent, path);
    if (value !== undefined && value !== null) return value;
  }
  return null;
}

/** Maps one located record to its row, counting values that did not fit their type. */
type RecordMapper = (
  record: Record<string, unknown>,
  parent: Located | undefined,
  receivedAt: string,
  counts: { coercedToNull: number },
) => Row;

/**
 * Generates the record-to-row function of one table plan. Per record it then does only what the
 * plan needs: named property reads for a column's path (`parent.` paths and fallbacks go through
 * `readColumn`, transforms through `applyTransform`), the column type's coercer, the custom
 * values, and one object literal for the row. Rows built by assigning ~30 computed keys one at a
 * time fall into V8's slow dictionary mode (several times slower to build, read and collect); a
 * literal gives every row of the table one fixed shape. The generated text embeds nothing but
 * numbers and the catalog's column names and keys, each as a JSON string literal; the behaviour is
 * exactly the column-by-column loop: first present path, transform, coercion (undefined = did not
 * fit: stored as null and counted), then the custom columns.
 */
function compileRecordMapper(columns: CompiledColumn[], custom: CompiledCustomColumns | undefined): RecordMapper {
  const body: string[] = [];
  const properties: string[] = [];
  columns.forEach((column, i) => {
    properties.push(`${JSON.stringify(column.name)}: v${i}`);
    if (column.receivedAt) {
      body.push(`const v${i} = receivedAt;`);
      return;
    }
    let read: string;
    if (column.joined !== undefined) {
      read = `readJoined(record, parent, columns[${i}])`;
    } else if (column.key !== undefined) {
      read = `record[${JSON.stringify(column.key)}] ?? null`;
    } else if (column.paths.length === 1 && column.paths[0]!.up === 0) {
      // One nested path (`system.client`): walked inline, stopping at the first non-object.
      const [first, ...rest] = column.paths[0]!.keys;
      body.push(`let p${i} = record[${JSON.stringify(first)}];`);
      for (const key of rest) body.push(`p${i} = isObject(p${i}) ? p${i}[${JSON.stringify(key)}] : undefined;`);
      read = `p${i} ?? null`;
    } else {
      read = `readColumn(record, parent, columns[${i}])`;
    }
    if (column.transform) read = `applyTransform(${read}, columns[${i}].transform)`;
    body.push(`let v${i} = coerce${i}(${read});`, `if (v${i} === undefined) { counts.coercedToNull++; v${i} = null; }`);
  });
  if (custom) {
    body.push('readCustomValues(custom, record, customValues, customSlots);');
    custom.columns.forEach((column, c) => {
      properties.push(`${JSON.stringify(column.column)}: c${c}`);
      body.push(
        `let c${c} = customCoerce${c}(customValues[${c}] ?? null);`,
        `if (c${c} === undefined) { counts.coercedToNull++; c${c} = null; }`,
      );
    });
  }
  const source = [
    "'use strict';",
    ...columns.map((_, i) => `const coerce${i} = columns[${i}].coerce;`),
    ...(custom ? custom.coercers.map((_, c) => `const customCoerce${c} = custom.coercers[${c}];`) : []),
    'const customValues = custom ? new Array(custom.columns.length) : undefined;',
    'const customSlots = custom ? new Array(custom.refs.length) : undefined;',
    'return function mapRecord(record, parent, receivedAt, counts) {',
    ...body,
    `return { ${properties.join(', ')} };`,
    '};',
  ].join('\n');
  const factory = new Function(
    'columns',
    'custom',
    'readColumn',
    'applyTransform',
    'readCustomValues',
    'isObject',
    'readJoined',
    source,
  ) as (...args: unknown[]) => RecordMapper;
  return factory(columns, custom, readColumn, applyTransform, readCustomValues, isObject, readJoined);
}

/** Everything about a table plan the per-record loop needs, computed once per plan. */
interface CompiledPlan {
  /** The custom columns it was compiled for (a plan whose list changed in place is recompiled). */
  customColumns: CustomColumn[];
  customCount: number;
  mapRecord: RecordMapper;
  /** The primary key column is bigint or double: safe integers are de-duplication keys as they are. */
  numericKey: boolean;
}

const compiledCollections = new WeakMap<CollectionSpec, CompiledColumn[]>();
const compiledPlans = new WeakMap<TablePlan, CompiledPlan>();

function compilePlan(plan: TablePlan): CompiledPlan {
  let compiled = compiledPlans.get(plan);
  if (compiled && compiled.customColumns === plan.customColumns && compiled.customCount === plan.customColumns.length) return compiled;
  const { collection } = plan;
  let columns = compiledCollections.get(collection);
  if (!columns) {
    columns = collection.columns.map(compileColumn);
    compiledCollections.set(collection, columns);
  }
  const keyType = collection.columns.find((c) => c.name === collection.primaryKey)?.type;
  compiled = {
    customColumns: plan.customColumns,
    customCount: plan.customColumns.length,
    mapRecord: compileRecordMapper(
      columns,
      plan.customColumns.length > 0 ? compileCustomColumns(collection, plan.customColumns) : undefined,
    ),
    numericKey: keyType === 'bigint' || keyType === 'double',
  };
  compiledPlans.set(plan, compiled);
  return compiled;
}

/** Larger = newer; compares numbers and ISO timestamps (as epoch seconds). */
function freshnessOf(record: Record<string, unknown>, field: string | undefined): number {
  if (!field) return 0;
  return recordTimeSeconds(record[field]) ?? 0;
}

/**
 * The records of the page whose derived rows the batch replaces: every record's key, whether or not
 * it still has rows (a ticket whose last tag was removed must lose its rows too).
 */
function replacedKeys(
  collection: CollectionSpec,
  spec: NonNullable<CollectionSpec['replacesRowsOf']>,
  records: unknown[],
): NonNullable<TableBatch['replaces']> {
  const type = collection.columns.find((c) => c.name === spec.column)?.type;
  if (!type) throw new Error(`${collection.name}: replacesRowsOf.column ${spec.column} is not one of its columns`);
  const coerce = coercerFor(type);
  const keys = new Set<unknown>();
  for (const record of records) {
    if (!isObject(record)) continue;
    const key = coerce(record[spec.recordKey] ?? null);
    if (key !== null && key !== undefined) keys.add(key);
  }
  return { column: spec.column, keys: [...keys] };
}

export function mapPage(plans: TablePlan[], records: unknown[], page: Record<string, unknown>, receivedAt: string): MappedPage {
  const result: MappedPage = { batches: [], rejected: {}, coercedToNull: {} };
  for (const plan of plans) {
    const { collection } = plan;
    const { mapRecord, numericKey } = compilePlan(plan);
    const primaryKey = collection.primaryKey;
    const freshnessField = collection.freshness;
    // Keep one row per key: the newest by the collection's freshness field, else the last seen.
    // Rows stay in first-seen order of their key (a Map of key -> position). Freshness is only
    // worked out when a key comes again (rare), from the record each kept row came from.
    const positionByKey = new Map<unknown, number>();
    const kept: Row[] = [];
    const keptRecords: Array<Record<string, unknown>> = [];
    let rejected = 0;
    const counts = { coercedToNull: 0 };
    const { rows: located, parents } = locate(collection, records, page);
    for (let r = 0; r < located.length; r++) {
      const record = located[r]!;
      const row = mapRecord(record, parents[r], receivedAt, counts);
      // A record without a usable primary key cannot be upserted; it is counted, never guessed at.
      const keyValue = row[primaryKey];
      if (keyValue === null) {
        rejected++;
        continue;
      }
      // The key is the value's text (so 5 and '5' are one key); a safe integer in a numeric key
      // column is used as is, which is the same partition: such a column holds no text equal to
      // a safe integer's (the mapper turns every integer text that fits into a number).
      const id = numericKey && Number.isSafeInteger(keyValue) ? keyValue : String(keyValue);
      const position = positionByKey.get(id);
      if (position === undefined) {
        positionByKey.set(id, kept.length);
        kept.push(row);
        keptRecords.push(record);
      } else if (freshnessOf(record, freshnessField) >= freshnessOf(keptRecords[position]!, freshnessField)) {
        kept[position] = row;
        keptRecords[position] = record;
      }
    }
    const batch: TableBatch = { table: plan.table, rows: kept };
    if (collection.replacesRowsOf) {
      batch.replaces = replacedKeys(collection, collection.replacesRowsOf, records);
      // The records' own table, written in the same call, guards the replacement by its version.
      const recordCollection = collection.replacesRowsOf.recordCollection;
      const recordPlan = recordCollection === undefined ? undefined : plans.find((p) => p.collection.name === recordCollection);
      if (recordPlan?.table.versionColumn !== undefined) batch.replaces.recordTable = recordPlan.table.name;
    }
    result.batches.push(batch);
    if (rejected) result.rejected[collection.name] = rejected;
    if (counts.coercedToNull) result.coercedToNull[collection.name] = counts.coercedToNull;
  }
  return result;
}
