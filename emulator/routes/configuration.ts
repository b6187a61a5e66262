/**
 * GET routes of the configuration, service-level and routing lists (data/configuration.ts), each
 * described as data: its path, records key, whether Zendesk paginates it, its record url, and the plan
 * feature that gates it. Paginated lists answer like every core list (cursor with `page[...]`, offset
 * otherwise, quirks.listStyle able to force either); lists Zendesk documents without pagination answer
 * everything at once (quirks.unpaginatedConfigLists). Per-parent lists (a schedule's holidays, an
 * attribute's values) answer 404 for an unknown parent.
 */
import type { ApiRequest, EmulatorContext } from '../context';
import type { ConfigCollection, ConfigRecord } from '../data/configuration';
import { errors, jsonResponse, type ApiResponse } from '../http';
import type { Json } from '../model';
import type { ConfigPlanFeature } from '../options';
import type { ApiRoute } from './api';
import { cursorListPage, offsetListPage, unpaginatedList, usesCursorPaging, type ListOrder, type ListPageInput } from './pagination';

interface ConfigEndpoint {
  collection: ConfigCollection | 'tags';
  /** Path segments under /api/v2; `:parent` stands for the parent id. */
  segments: string[];
  recordsKey: string;
  paginated: boolean;
  /** Record url: `{base}/api/v2/{urlPath}/{id}.json`; `:parent` replaced. null = no url key. */
  urlPath: string | null;
  feature?: ConfigPlanFeature;
  /** Per-parent lists: the parent collection and the child field naming it. */
  parent?: { collection: ConfigCollection; field: string; /** Zendesk leaves the field out of the child object. */ omitField: boolean };
}

export const CONFIG_ENDPOINTS: ConfigEndpoint[] = [
  { collection: 'brands', segments: ['brands'], recordsKey: 'brands', paginated: true, urlPath: 'brands' },
  {
    collection: 'custom_roles',
    segments: ['custom_roles'],
    recordsKey: 'custom_roles',
    paginated: false,
    urlPath: null,
    feature: 'custom_roles',
  },
  { collection: 'custom_statuses', segments: ['custom_statuses'], recordsKey: 'custom_statuses', paginated: false, urlPath: null },
  { collection: 'locales', segments: ['locales'], recordsKey: 'locales', paginated: false, urlPath: 'locales' },
  { collection: 'tags', segments: ['tags'], recordsKey: 'tags', paginated: true, urlPath: null },
  { collection: 'macros', segments: ['macros'], recordsKey: 'macros', paginated: true, urlPath: 'macros' },
  { collection: 'automations', segments: ['automations'], recordsKey: 'automations', paginated: true, urlPath: 'automations' },
  { collection: 'triggers', segments: ['triggers'], recordsKey: 'triggers', paginated: true, urlPath: 'triggers' },
  { collection: 'trigger_categories', segments: ['trigger_categories'], recordsKey: 'trigger_categories', paginated: true, urlPath: null },
  { collection: 'views', segments: ['views'], recordsKey: 'views', paginated: true, urlPath: 'views' },
  {
    collection: 'organization_subscriptions',
    segments: ['organization_subscriptions'],
    recordsKey: 'organization_subscriptions',
    paginated: true,
    urlPath: 'organization_subscriptions',
  },
  {
    collection: 'sla_policies',
    segments: ['slas', 'policies'],
    recordsKey: 'sla_policies',
    paginated: false,
    urlPath: 'slas/policies',
    feature: 'sla_policies',
  },
  {
    collection: 'group_sla_policies',
    segments: ['group_slas', 'policies'],
    recordsKey: 'group_sla_policies',
    paginated: false,
    urlPath: 'group_slas/policies',
    feature: 'group_sla_policies',
  },
  { collection: 'schedules', segments: ['business_hours', 'schedules'], recordsKey: 'schedules', paginated: false, urlPath: null },
  {
    collection: 'schedule_holidays',
    segments: ['business_hours', 'schedules', ':parent', 'holidays'],
    recordsKey: 'holidays',
    paginated: false,
    urlPath: null,
    parent: { collection: 'schedules', field: 'schedule_id', omitField: true },
  },
  {
    collection: 'account_attributes',
    segments: ['routing', 'attributes'],
    recordsKey: 'attributes',
    paginated: false,
    urlPath: 'routing/attributes',
    feature: 'skills_based_routing',
  },
  {
    collection: 'attribute_values',
    segments: ['routing', 'attributes', ':parent', 'values'],
    recordsKey: 'attribute_values',
    paginated: false,
    urlPath: 'routing/attributes/:parent/values',
    feature: 'skills_based_routing',
    parent: { collection: 'account_attributes', field: 'attribute_id', omitField: false },
  },
];

interface Listed {
  seq: number;
  record: ConfigRecord;
}

const bySeq: ListOrder<Listed> = { spec: 'id', desc: false, key: (r) => [r.seq, r.seq] };

/** The tags list: every tag on tickets, users and organizations with its use count, most used first. */
export function tagCounts(ctx: Pick<EmulatorContext, 'store'>): Array<{ name: string; count: number }> {
  const counts = new Map<string, number>();
  const add = (tags: string[]) => {
    for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  };
  for (const t of ctx.store.tickets.rows.values()) if (t.status !== 'deleted') add(t.tags);
  for (const u of ctx.store.users.rows.values()) if (u.active) add(u.tags);
  for (const o of ctx.store.organizations.rows.values()) if (o.deleted_at === null) add(o.tags);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
}

/** The record as the API sends it: `url` first where the endpoint has one, the parent field left out where Zendesk does. */
export function serializeConfig(baseUrl: string, endpoint: ConfigEndpoint, record: ConfigRecord, parentId?: string): string {
  const body: Record<string, Json> = { ...record };
  if (endpoint.parent?.omitField) delete body[endpoint.parent.field];
  if (endpoint.urlPath === null) return JSON.stringify(body);
  const urlPath = endpoint.urlPath.replace(':parent', parentId ?? '');
  return JSON.stringify({ url: `${baseUrl}/api/v2/${urlPath}/${record.id}.json`, ...body });
}

function serve(ctx: EmulatorContext, req: ApiRequest, endpoint: ConfigEndpoint, parentId: string | undefined): ApiResponse {
  let listed: Listed[];
  if (endpoint.collection === 'tags') {
    listed = tagCounts(ctx).map((t, i) => ({ seq: i + 1, record: { id: t.name, name: t.name, count: t.count } }));
  } else {
    const config = ctx.store.configuration;
    if (endpoint.parent && (parentId === undefined || !config.get(endpoint.parent.collection, parentId))) return errors.recordNotFound();
    listed = config.entries(endpoint.collection);
    if (endpoint.parent) listed = listed.filter((e) => String(e.record[endpoint.parent!.field]) === parentId);
  }
  const base = ctx.baseUrl();
  const input: ListPageInput<Listed> = {
    key: endpoint.recordsKey,
    records: listed,
    order: bySeq,
    serialize: (e) =>
      endpoint.collection === 'tags'
        ? JSON.stringify({ name: e.record.name, count: e.record.count })
        : serializeConfig(base, endpoint, e.record, parentId),
    path: `/api/v2/${endpoint.segments.map((s) => (s === ':parent' ? parentId : s)).join('/')}`,
  };
  // A style forced by quirks.listStyle wins; otherwise Zendesk's own behaviour for the endpoint.
  const setting = ctx.quirks().listStyle;
  const forced = typeof setting === 'string' ? setting : (setting[endpoint.recordsKey] ?? 'as_asked');
  if (forced === 'cursor') return cursorListPage(ctx, req, input);
  if (forced === 'offset') return offsetListPage(ctx, req, input);
  const paged = endpoint.paginated || ctx.quirks().unpaginatedConfigLists === 'honour';
  if (!paged) return unpaginatedList(input);
  // Cursor pages with `page[...]`; otherwise offset pages (the first one when no `page` is sent).
  return usesCursorPaging(req.query) ? cursorListPage(ctx, req, input) : offsetListPage(ctx, req, input);
}

function show(ctx: EmulatorContext, endpoint: ConfigEndpoint, id: string): ApiResponse {
  if (endpoint.collection === 'tags' || endpoint.parent) return errors.invalidEndpoint();
  const record = ctx.store.configuration.get(endpoint.collection, id);
  if (!record) return errors.recordNotFound();
  const singular = endpoint.recordsKey.endsWith('ies') ? `${endpoint.recordsKey.slice(0, -3)}y` : endpoint.recordsKey.replace(/s$/, '');
  return jsonResponse(200, `{"${singular}":${serializeConfig(ctx.baseUrl(), endpoint, record)}}`);
}

/** The route for a path under /api/v2 (segments without 'api', 'v2'), or null when it is not one of these lists. */
export function matchConfigurationRoute(segments: string[]): ApiRoute | null {
  for (const endpoint of CONFIG_ENDPOINTS) {
    const pattern = endpoint.segments;
    if (segments.length !== pattern.length && segments.length !== pattern.length + 1) continue;
    let parentId: string | undefined;
    let matches = true;
    for (let i = 0; i < pattern.length; i++) {
      if (pattern[i] === ':parent') parentId = segments[i];
      else if (pattern[i] !== segments[i]) matches = false;
    }
    if (!matches || (parentId !== undefined && parentId === '')) continue;
    // Admin-only: configuration is an admin's view (agents see a subset in Zendesk; not emulated).
    if (segments.length === pattern.length) {
      return { handler: (ctx, req) => serve(ctx, req, endpoint, parentId), adminOnly: true, feature: endpoint.feature };
    }
    const id = segments[pattern.length]!;
    if (endpoint.parent || id === 'count' || id === 'active' || id === 'definitions') continue;
    return { handler: (ctx) => show(ctx, endpoint, id), adminOnly: true, feature: endpoint.feature };
  }
  return null;
}
