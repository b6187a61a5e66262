/**
 * Lists Zendesk serves only per parent record (a schedule's holidays, a skill type's skills): the
 * parent list is read to its end first, then the child list of each parent, each to its end, with the
 * list engine. Generic: the catalog's `perParent` names the parent list and the field that carries the
 * parent id on each child. Bounded: more parents than `maxParents` fail the stream before any child
 * request, so the cost never grows unseen; every request counts in the stream's request total.
 *
 * Position: the whole set is small, so a page's resume position is "from the start" (a retry reads it
 * again; rows are upserted, and a full read's seen keys are kept). No finer position is promised.
 */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import { listPages } from './list';
import type { EngineOptions, JsonRecord, ListResume, PageFetcher, PageResult } from './types';

export const PARENT_ID_PLACEHOLDER = '{parent_id}';

export async function* perParentPages(stream: StreamSpec, fetcher: PageFetcher, options: EngineOptions): AsyncGenerator<PageResult<ListResume>> {
  const parent = stream.perParent!;
  if (!stream.path.includes(PARENT_ID_PLACEHOLDER)) {
    throw new ZendeskPaginationError(`Stream ${stream.name}: a per-parent path must hold ${PARENT_ID_PLACEHOLDER} (${stream.path}).`);
  }
  const fromStart: ListResume = stream.style === 'cursor_list' ? { after_cursor: null } : { next_page: null };
  const parentStream: StreamSpec = {
    name: `${stream.name} (parents)`,
    style: parent.style,
    path: parent.path,
    recordsKey: parent.recordsKey,
    bucket: stream.bucket,
    fullRefresh: true,
    skipWhenForbidden: stream.skipWhenForbidden,
  };
  const parentIds: Array<string | number> = [];
  const parentOptions: EngineOptions = { includes: [], ...(options.signal ? { signal: options.signal } : {}) };
  for await (const page of listPages(parentStream, fetcher, parent.style === 'cursor_list' ? { after_cursor: null } : { next_page: null }, parentOptions, parent.style === 'cursor_list' ? 'cursor' : 'plain')) {
    for (const record of page.records) {
      const id = record.id;
      if (typeof id !== 'number' && (typeof id !== 'string' || id === '')) {
        throw new ZendeskPaginationError(`Zendesk's ${parent.path} answered a ${parent.recordsKey} record without an id; ${stream.name} cannot be read per parent.`);
      }
      parentIds.push(id);
    }
    if (parentIds.length > parent.maxParents) {
      throw new ZendeskPaginationError(
        `Stream ${stream.name} is read with one request per ${parent.recordsKey} record, and the account has more than ${parent.maxParents}: stopping instead of sending that many requests.`,
      );
    }
  }
  if (parentIds.length === 0) {
    yield { records: [], page: {}, resumeCursor: fromStart, done: true };
    return;
  }
  for (let i = 0; i < parentIds.length; i++) {
    const parentId = parentIds[i]!;
    const childStream: StreamSpec = { ...stream, path: stream.path.replace(PARENT_ID_PLACEHOLDER, encodeURIComponent(String(parentId))) };
    delete childStream.perParent;
    for await (const page of listPages(childStream, fetcher, fromStart, options, stream.style === 'cursor_list' ? 'cursor' : 'plain')) {
      const records: JsonRecord[] = page.records.map((r) =>
        r[parent.parentIdField] === undefined || r[parent.parentIdField] === null ? { ...r, [parent.parentIdField]: parentId } : r,
      );
      yield { records, page: page.page, resumeCursor: fromStart, done: page.done && i === parentIds.length - 1 };
    }
  }
}
