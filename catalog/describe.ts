/**
 * What each collection costs and needs, read from the catalog alone: the rows of
 * `client.ts collections` and of docs/collections.md (`npm run docs:collections`), so both follow
 * the catalog as it grows.
 */
import { collections as allCollections, streams as allStreams } from './collections';
import { ANCHOR_CONNECTORS, type AnchorConnector, type CollectionSpec, type StreamSpec } from './types';

/** Records per page at Zendesk's maximum: exports 1000, lists 100. */
export const EXPORT_PAGE_SIZE = 1000;
export const LIST_PAGE_SIZE = 100;

export interface CollectionDescription {
  name: string;
  description: string;
  enabledByDefault: boolean;
  stream: string;
  /** The endpoint with the sideloads this table needs, e.g. `/api/v2/incremental/tickets/cursor.json?include=metric_sets`. */
  endpoint: string;
  pagination: string;
  /** True when the rows come from another table's requests (a sideload or nested children). */
  ridesOn: string | null;
  /** Plan, add-on or setting needed; null = every plan. */
  requires: string | null;
  /** Skipped with a warning when Zendesk refuses it for the plan or role. */
  skipWhenForbidden: boolean;
  /** Requests per cycle, as a formula. */
  costPerCycle: string;
  /** Requests of a cycle where nothing changed (a figure, or a formula for lists read in full). */
  unchangedCycle: string;
  /** Anchor connectors offering the table, with their names for it; null = not looked up. */
  offeredBy: Partial<Record<AnchorConnector, string>> | null;
}

/**
 * A stream read once per parent record (`perParent` in the catalog: article comments, a schedule's
 * holidays…). Read through a loose view so this file also describes catalogs that predate it.
 */
export function perParentOf(stream: StreamSpec): { stream: string; maxParents: number } | null {
  const spec = (stream as { perParent?: { stream: string; maxParents: number } }).perParent;
  return spec ?? null;
}

function paginationOf(stream: StreamSpec): string {
  const parent = perParentOf(stream);
  if (parent) return `${paginationOfStyle(stream)}, once per ${parent.stream} record (at most ${parent.maxParents})`;
  return paginationOfStyle(stream);
}

function paginationOfStyle(stream: StreamSpec): string {
  switch (stream.style) {
    case 'cursor_export':
      return `cursor export, ${EXPORT_PAGE_SIZE}/page`;
    case 'time_export':
      return `time export, ${EXPORT_PAGE_SIZE}/page`;
    case 'cursor_list':
      if (stream.incrementalFilter) {
        const filter = stream.incrementalFilter;
        if (filter.shape === 'newest_first')
          return `cursor list, ${LIST_PAGE_SIZE}/page, newest first (\`${filter.param}=desc\`) down to the last read (${filter.field}, ${filter.overlapSeconds / 60} min overlap), read in full on reconciliation`;
        return `cursor list, ${LIST_PAGE_SIZE}/page, changes by \`${filter.param.replace(/\[\]$/, '')}\` (${filter.field}, ${filter.overlapSeconds / 60} min overlap), read in full on reconciliation`;
      }
      return `cursor list, ${LIST_PAGE_SIZE}/page${stream.fullRefresh ? ', read in full' : ''}`;
    case 'offset_list':
      return `offset list${stream.fullRefresh ? ', read in full' : ''}`;
    default:
      // A style added to the catalog later still describes itself by name.
      return String((stream as { style: string }).style).replace(/_/g, ' ');
  }
}

/** The main table of a stream (named like it, else its first table): the one its requests are counted on. */
export function mainTableOf(stream: string, collections: CollectionSpec[] = allCollections): CollectionSpec | undefined {
  const fed = collections.filter((c) => c.stream === stream);
  return fed.find((c) => c.name === stream) ?? fed[0];
}

/** Requests a cycle spends for a stream, as a formula over its records. */
export function costFormula(stream: StreamSpec, customFields: boolean): string {
  const parent = perParentOf(stream);
  if (parent)
    return `per ${parent.stream} record: ⌈its records / ${LIST_PAGE_SIZE}⌉, min 1, every cycle (at most ${parent.maxParents} parents)`;
  const fields = customFields ? ' (+1 when a record names a new custom field)' : '';
  switch (stream.style) {
    case 'cursor_export':
    case 'time_export':
      return `⌈changed / ${EXPORT_PAGE_SIZE}⌉, min 1${fields}`;
    case 'cursor_list':
    case 'offset_list':
      if (!stream.fullRefresh) return `⌈changed / ${LIST_PAGE_SIZE}⌉, min 1${fields}`;
      if (stream.incrementalFilter)
        return `⌈changed / ${LIST_PAGE_SIZE}⌉, min 1; ⌈records / ${LIST_PAGE_SIZE}⌉ on a reconciliation (daily by default)${fields}`;
      return `⌈records / ${LIST_PAGE_SIZE}⌉, min 1, every cycle${fields}`;
    default:
      return 'see the catalog entry';
  }
}

function unchangedOf(stream: StreamSpec): string {
  const parent = perParentOf(stream);
  if (parent) return `1 per ${parent.stream} record, min`;
  if (stream.style === 'cursor_export' || stream.style === 'time_export') return '1';
  if ((stream.style === 'cursor_list' || stream.style === 'offset_list') && (!stream.fullRefresh || stream.incrementalFilter)) return '1';
  return stream.fullRefresh ? `⌈records / ${LIST_PAGE_SIZE}⌉, min 1` : 'see the catalog entry';
}

export function describeCollections(
  collections: CollectionSpec[] = allCollections,
  streams: StreamSpec[] = allStreams,
): CollectionDescription[] {
  return collections.map((c) => {
    const stream = streams.find((s) => s.name === c.stream);
    if (!stream) throw new Error(`collection ${c.name}: unknown stream ${c.stream}`);
    const include = (stream.includes ?? []).filter((i) => i.forTables.includes(c.name)).map((i) => i.value);
    const params = new URLSearchParams(stream.params ?? {});
    if (include.length) params.set('include', include.join(','));
    const query = params.toString().replace(/%2C/g, ',');
    const main = mainTableOf(stream.name, collections);
    const ridesOn = main && main.name !== c.name ? main.name : null;
    return {
      name: c.name,
      description: c.description,
      enabledByDefault: c.enabledByDefault,
      stream: stream.name,
      endpoint: `${stream.path}${query ? `?${query}` : ''}`,
      pagination: paginationOf(stream),
      ridesOn,
      requires: stream.requires ?? null,
      skipWhenForbidden: stream.skipWhenForbidden,
      costPerCycle: ridesOn ? `0: rides on ${ridesOn}` : costFormula(stream, Boolean(c.customFields)),
      unchangedCycle: ridesOn ? '0' : unchangedOf(stream),
      offeredBy: c.offeredBy ?? null,
    };
  });
}

const CONNECTOR_LABEL: Record<AnchorConnector, string> = { fivetran: 'Fivetran', airbyte: 'Airbyte', databricks: 'Databricks' };

/** "Fivetran (ticket), Airbyte, Databricks": a connector's own name only where it differs. */
export function offeredByText(d: Pick<CollectionDescription, 'name' | 'offeredBy'>): string {
  if (!d.offeredBy) return '?';
  const parts = ANCHOR_CONNECTORS.filter((a) => d.offeredBy![a]).map((a) =>
    d.offeredBy![a] === d.name ? CONNECTOR_LABEL[a] : `${CONNECTOR_LABEL[a]} (${d.offeredBy![a]})`,
  );
  return parts.length ? parts.join(', ') : 'none';
}

export function requiresText(d: Pick<CollectionDescription, 'requires' | 'skipWhenForbidden'>): string {
  if (d.requires) return d.requires;
  return d.skipWhenForbidden ? 'plan or role dependent' : 'any plan';
}

/**
 * The fewest requests a read of a stream can spend, counted against its main table's records: a full
 * page per request (exports 1000, lists 100), at least one, plus one field-definition list on an
 * initial load where the table has custom fields. A cycle where nothing changed needs one request per
 * export and per time-filtered list between reconciliations, a whole read per list read in full; a list read per parent at least one per parent
 * (`parents`: the parent stream's record count) after the read of the parents' ids. The benchmark prints it beside what a load spent.
 */
export function minimumRequests(
  stream: StreamSpec,
  main: CollectionSpec,
  records: number,
  cycle: 'initial' | 'unchanged',
  parents = 0,
): number {
  // Per parent: one list per parent at least, and full pages, after reading the parents' ids (full
  // pages of the parent stream, at least one).
  const parent = perParentOf(stream);
  if (parent) {
    const parentStream = allStreams.find((s) => s.name === parent.stream);
    const parentPage =
      parentStream && (parentStream.style === 'cursor_export' || parentStream.style === 'time_export') ? EXPORT_PAGE_SIZE : LIST_PAGE_SIZE;
    return Math.max(1, Math.ceil(parents / parentPage)) + Math.max(parents, Math.ceil(records / LIST_PAGE_SIZE));
  }
  const definitions = cycle === 'initial' && main.customFields ? 1 : 0;
  switch (stream.style) {
    case 'cursor_export':
    case 'time_export':
      return cycle === 'initial' ? Math.max(1, Math.ceil(records / EXPORT_PAGE_SIZE)) + definitions : 1;
    case 'cursor_list':
    case 'offset_list':
      // Time-filtered lists between reconciliations: one request (the records of the overlap fit a page).
      if (cycle === 'unchanged' && (!stream.fullRefresh || stream.incrementalFilter)) return 1;
      return Math.max(1, Math.ceil(records / LIST_PAGE_SIZE)) + definitions;
    default:
      return Number.NaN;
  }
}
