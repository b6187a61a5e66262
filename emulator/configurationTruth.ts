/**
 * Ground truth of the configuration, service-level and routing collections: projected from the
 * emulator's own records (data/configuration.ts) onto the catalog's columns, values as a warehouse
 * holds them (ids numbers or strings as Zendesk sends them, timestamps `YYYY-MM-DDTHH:MM:SSZ`, json
 * columns JS values). Plan-gated collections are empty on plans that refuse them.
 */
import { collections } from '../catalog/collections';
import type { ConfigCollection } from './data/configuration';
import type { GroundTruthSource, WarehouseRow } from './groundTruth';
import type { Json } from './model';
import { planAllows } from './options';
import { CONFIG_ENDPOINTS, tagCounts } from './routes/configuration';
import { isoFromEpoch } from './time';

const ts = (v: unknown): string | null => {
  if (v === null || v === undefined || v === '') return null;
  const ms = Date.parse(String(v));
  return Number.isNaN(ms) ? null : isoFromEpoch(Math.floor(ms / 1000));
};

function project(collection: string, full: Record<string, unknown>): WarehouseRow {
  const spec = collections.find((c) => c.name === collection)!;
  const row: WarehouseRow = {};
  for (const column of spec.columns) {
    if (column.name === 'received_at') continue;
    if (!(column.name in full)) throw new Error(`groundTruth: no projection for ${collection}.${column.name}`);
    const value = full[column.name];
    row[column.name] = value === undefined || value === null ? null : column.type === 'timestamp' ? ts(value) : value;
  }
  return row;
}

/** Rows per collection, every configuration collection of the catalog (user_fields and organization_fields included). */
export function configurationTruth(source: GroundTruthSource): Record<string, WarehouseRow[]> {
  const { store, baseUrl, plan, quirks } = source;
  const out: Record<string, WarehouseRow[]> = {};
  for (const endpoint of CONFIG_ENDPOINTS) {
    const name = endpoint.collection;
    if (endpoint.feature && !planAllows(plan, endpoint.feature, quirks)) {
      out[name] = [];
      continue;
    }
    if (name === 'tags') {
      out.tags = tagCounts({ store }).map((t) => project('tags', t));
      continue;
    }
    out[name] = store.configuration.list(name as ConfigCollection).map((record) => {
      const parentId = endpoint.parent ? String(record[endpoint.parent.field]) : '';
      const url = endpoint.urlPath === null ? null : `${baseUrl}/api/v2/${endpoint.urlPath.replace(':parent', parentId)}/${record.id}.json`;
      return project(name, { url, ...record });
    });
  }
  const keyedFields = (fields: Iterable<Record<string, unknown>>, path: string) =>
    [...fields].map((f) => ({ url: `${baseUrl}/api/v2/${path}/${f.id}.json`, custom_field_options: null, ...f }));
  out.user_fields = keyedFields(store.userFields.rows.values() as Iterable<never>, 'user_fields').map((f) =>
    project('user_fields', f as Record<string, Json>),
  );
  out.organization_fields = keyedFields(store.organizationFields.rows.values() as Iterable<never>, 'organization_fields').map((f) =>
    project('organization_fields', f as Record<string, Json>),
  );
  return out;
}
