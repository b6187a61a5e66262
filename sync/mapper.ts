/**
 * Turns one page of a stream into warehouse rows for every enabled table the stream feeds, driven
 * only by the catalog: where the table's records sit in the page (the records, a sideload, nested
 * children), which path each column reads, its type, and the custom-field columns.
 */
import type { CollectionSpec, ExtractStep } from '../catalog/types';
import type { Row, TableBatch, WarehouseTable } from '../destinations/types';
import { applyTransform, coerce } from './values';
import { customValues, type CustomColumn } from './customFields';

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
  return {
    name: collection.name,
    primaryKey: collection.primaryKey,
    columns: [
      ...collection.columns.map((c) => ({ name: c.name, type: c.type })),
      ...customColumns.map((c) => ({ name: c.column, type: c.type })),
    ],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function matches(record: Record<string, unknown>, where: ExtractStep['where']): boolean {
  if (!where) return true;
  return Object.entries(where).every(([k, v]) => record[k] === v);
}

/** Finds the raw records of one table in a page. */
function locate(collection: CollectionSpec, records: unknown[], page: Record<string, unknown>): Located[] {
  const source = collection.source;
  const top = records.filter(isObject).map((record) => ({ record }));
  switch (source.kind) {
    case 'record':
      return top;
    case 'sideload': {
      const sideloaded = source.sideloadKey ? page[source.sideloadKey] : undefined;
      if (Array.isArray(sideloaded)) return sideloaded.filter(isObject).map((record) => ({ record }));
      // Some servers embed the object in each record instead of a top-level array.
      return top
        .map((t) => (source.embeddedKey ? t.record[source.embeddedKey] : undefined))
        .filter(isObject)
        .map((record) => ({ record }));
    }
    case 'children': {
      let level: Located[] = top;
      for (const step of source.path ?? []) {
        const next: Located[] = [];
        for (const parent of level) {
          const children = parent.record[step.key];
          if (!Array.isArray(children)) continue;
          for (const child of children) {
            if (isObject(child) && matches(child, step.where)) next.push({ record: child, parent });
          }
        }
        level = next;
      }
      return level;
    }
  }
}

function readPath(located: Located, path: string): unknown {
  let target: Located | undefined = located;
  let rest = path;
  while (rest.startsWith('parent.')) {
    target = target?.parent;
    rest = rest.slice('parent.'.length);
  }
  let value: unknown = target?.record;
  for (const key of rest.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

function readColumn(located: Located, from: string | string[]): unknown {
  for (const path of Array.isArray(from) ? from : [from]) {
    const value = readPath(located, path);
    if (value !== undefined && value !== null) return value;
  }
  return null;
}

/** Larger = newer; compares numbers and ISO timestamps. */
function freshnessOf(record: Record<string, unknown>, field: string | undefined): number {
  if (!field) return 0;
  const value = record[field];
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 0 : ms / 1000;
  }
  return 0;
}

export function mapPage(
  plans: TablePlan[],
  records: unknown[],
  page: Record<string, unknown>,
  receivedAt: string,
): MappedPage {
  const result: MappedPage = { batches: [], rejected: {}, coercedToNull: {} };
  for (const plan of plans) {
    const { collection } = plan;
    // Keep one row per key: the newest by the collection's freshness field, else the last seen.
    const newest = new Map<string, { row: Row; freshness: number }>();
    let rejected = 0;
    let coercedToNull = 0;
    for (const located of locate(collection, records, page)) {
      const row: Row = {};
      for (const column of collection.columns) {
        if (column.name === 'received_at') {
          row.received_at = receivedAt;
          continue;
        }
        const raw = applyTransform(readColumn(located, column.from ?? column.name), column.transform);
        const value = coerce(raw, column.type);
        if (value === undefined) coercedToNull++;
        row[column.name] = value ?? null;
      }
      if (plan.customColumns.length > 0) {
        const values = customValues(collection, located.record);
        for (const custom of plan.customColumns) {
          const value = coerce(values.get(custom.fieldRef) ?? null, custom.type);
          if (value === undefined) coercedToNull++;
          row[custom.column] = value ?? null;
        }
      }
      // A record without a usable primary key cannot be upserted; it is counted, never guessed at.
      if (row[collection.primaryKey] === null) {
        rejected++;
        continue;
      }
      const id = String(row[collection.primaryKey]);
      const freshness = freshnessOf(located.record, collection.freshness);
      const previous = newest.get(id);
      if (!previous || freshness >= previous.freshness) newest.set(id, { row, freshness });
    }
    result.batches.push({ table: plan.table, rows: [...newest.values()].map((v) => v.row) });
    if (rejected) result.rejected[collection.name] = rejected;
    if (coercedToNull) result.coercedToNull[collection.name] = coercedToNull;
  }
  return result;
}
