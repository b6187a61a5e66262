/**
 * Lists Zendesk offers only per parent record (`/help_center/articles/{id}/comments`,
 * `/community/posts/{id}/comments`, a schedule's holidays, a skill type's values): one generic engine
 * for every such stream of the catalog.
 *
 * Each run first lists the parent stream's ids the cheap way that stream is read (an export from
 * the beginning, or its list), then reads the child list of each parent in ascending id order, with
 * the list engine (either envelope). A parent that disappears between the two steps answers 404 and
 * simply has no children. The resume position is the last parent whose children were all yielded,
 * so a retry re-reads at most one parent's list. More parents than the catalog's bound fail the
 * stream with a message naming the bound: never a read of only some parents.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskNotFoundError, ZendeskPaginationError } from '../errors';
import { listPages } from './list';
import type { EngineOptions, JsonRecord, PageFetcher, PageResult, PerParentResume } from './types';

/** Pages of the parent stream, from its beginning (the caller's paginate for that stream). */
export type ParentPages = () => AsyncGenerator<PageResult>;

export const PARENT_ID_PLACEHOLDER = '{parent_id}';

type ParentId = number | string;

/** A parent's id: a whole number (most records), or a non-empty string (routing attributes' UUIDs). */
function parentIdOf(record: JsonRecord): ParentId | undefined {
  const id = record.id;
  if (typeof id === 'number') return Number.isSafeInteger(id) ? id : undefined;
  if (typeof id === 'string' && /^\d+$/.test(id) && Number.isSafeInteger(Number(id))) return Number(id);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Parents in a fixed order (numbers first, numerically; then strings), so a retry can resume after one. */
function compareIds(a: ParentId, b: ParentId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function* perParentPages(
  stream: StreamSpec,
  fetcher: PageFetcher,
  parentPages: ParentPages,
  start: PerParentResume,
  options: EngineOptions,
): AsyncGenerator<PageResult<PerParentResume>> {
  const spec = stream.perParent!;
  if (!stream.path.includes(PARENT_ID_PLACEHOLDER)) {
    throw new ZendeskPaginationError(`Catalog stream ${stream.name} reads per parent but its path has no ${PARENT_ID_PLACEHOLDER}.`);
  }
  const ids = new Set<ParentId>();
  for await (const page of parentPages()) {
    for (const record of page.records) {
      const id = parentIdOf(record);
      if (id !== undefined) ids.add(id);
    }
    if (ids.size > spec.maxParents) {
      throw new ZendeskPaginationError(
        `${stream.name} is read once per ${spec.stream} record, and this account has more than ${spec.maxParents} of them (the bound on requests per cycle); the stream was not read rather than read for only some of them.`,
      );
    }
  }
  const after = start.after_parent_id;
  const parents = [...ids].filter((id) => after === null || compareIds(id, after) > 0).sort(compareIds);
  if (parents.length === 0) {
    yield { records: [], page: {}, resumeCursor: { after_parent_id: after }, done: true };
    return;
  }
  let previous = after;
  for (let i = 0; i < parents.length; i++) {
    const parentId = parents[i]!;
    const lastParent = i === parents.length - 1;
    const child: StreamSpec = { ...stream, path: stream.path.replace(PARENT_ID_PLACEHOLDER, encodeURIComponent(String(parentId))) };
    delete child.perParent;
    const pages = listPages(
      child,
      fetcher,
      stream.style === 'cursor_list' ? { after_cursor: null } : { next_page: null },
      options,
      stream.style === 'cursor_list' ? 'cursor' : 'plain',
    );
    try {
      for await (const page of pages) {
        // Within a parent the position stays before it: a retry reads this parent's list again.
        yield {
          records: withParentId(page.records, spec.parentIdField, parentId),
          page: page.page,
          resumeCursor: { after_parent_id: page.done ? parentId : previous },
          done: page.done && lastParent,
        };
      }
    } catch (error) {
      // Deleted since its id was listed: it has no children any more. (Not a missing account.)
      if (!(error instanceof ZendeskNotFoundError) || error.noHelpDesk) throw error;
      yield { records: [], page: {}, resumeCursor: { after_parent_id: parentId }, done: lastParent };
    }
    previous = parentId;
  }
}

/** Sets the parent's id on children that lack it (a schedule's holidays carry no schedule_id). */
function withParentId(records: JsonRecord[], field: string | undefined, parentId: ParentId): JsonRecord[] {
  if (!field) return records;
  return records.map((r) => (r[field] === undefined || r[field] === null ? { ...r, [field]: parentId } : r));
}
