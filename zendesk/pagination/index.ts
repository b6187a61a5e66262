/**
 * Picks the engine for a stream's pagination style and turns the caller's read window (resume
 * cursor or start time, and end time) into the engine's starting position and last page. Nothing
 * here knows about particular collections.
 */
import type { StreamSpec } from '../../catalog/types';
import { InvalidSettingsError } from '../errors';
import { cursorExportPages } from './cursorExport';
import { streamByName } from '../../catalog/collections';
import { listPages } from './list';
import { perParentPages } from './perParent';
import { timeExportPages } from './timeExport';
import type { EngineOptions, ListResume, PageFetcher, PageResult, ReadWindow } from './types';
import { endingAt } from './window';

export interface PaginateOptions extends ReadWindow {
  /** `include=` sideloads. Default: every include the stream declares; [] for none. */
  includes?: string[];
  signal?: AbortSignal;
  /** Page size to ask for (clamped to the engine's maximum: 1000 for exports, 100 for lists). */
  pageSize?: number;
}

function invalidCursor(stream: StreamSpec, cursor: unknown): never {
  throw new InvalidSettingsError(
    `Resume cursor ${JSON.stringify(cursor)} does not fit stream ${stream.name} (${stream.style}); expected ${expectedShape(stream)}.`,
  );
}

function expectedShape(stream: StreamSpec): string {
  if (stream.perParent) return '{ after_parent_id: number | null }';
  switch (stream.style) {
    case 'cursor_export':
      return '{ cursor: string } or { start_time: number }';
    case 'time_export':
      return '{ start_time: number }';
    case 'cursor_list':
    case 'offset_list':
      return '{ after_cursor: string | null } or { next_page: string | null } (a path on our own base URL)';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function exportStart(stream: StreamSpec, options: PaginateOptions): number {
  const start = options.startTime ?? 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new InvalidSettingsError(`startTime for ${stream.name} must be whole epoch seconds >= 0, got ${String(start)}.`);
  }
  return start;
}

/**
 * A list position of either style (see ListResume); an offset path must stay on our own base URL.
 * Both list styles read both shapes, because an endpoint may answer in the other envelope.
 */
function listResume(stream: StreamSpec, cursor: Record<string, unknown>): ListResume {
  if ('after_cursor' in cursor && (cursor.after_cursor === null || typeof cursor.after_cursor === 'string')) {
    return { after_cursor: cursor.after_cursor || null };
  }
  if ('next_page' in cursor && (cursor.next_page === null || typeof cursor.next_page === 'string')) {
    const next = cursor.next_page || null;
    if (next !== null && !next.startsWith('/')) invalidCursor(stream, cursor);
    return { next_page: next };
  }
  return invalidCursor(stream, cursor);
}

/** The pages of a stream within the read window of `options`, from the engine of its style. */
export function paginate(stream: StreamSpec, fetcher: PageFetcher, options: PaginateOptions = {}): AsyncGenerator<PageResult> {
  const pages = enginePages(stream, fetcher, options);
  return options.endTime === undefined ? pages : endingAt(pages, stream, options.endTime);
}

function enginePages(stream: StreamSpec, fetcher: PageFetcher, options: PaginateOptions): AsyncGenerator<PageResult> {
  const engine: EngineOptions = {
    includes: options.includes ?? (stream.includes ?? []).map((include) => include.value),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.changedSince !== undefined ? { changedSince: options.changedSince } : {}),
  };
  const cursor = options.resumeCursor ?? undefined;
  if (cursor !== undefined && !isObject(cursor)) invalidCursor(stream, cursor);
  if (stream.perParent) {
    const parent = streamByName(stream.perParent.stream);
    let start = { after_parent_id: null as number | string | null };
    if (cursor !== undefined) {
      const after = (cursor as Record<string, unknown>).after_parent_id;
      if (!('after_parent_id' in cursor) || !(after === null || Number.isSafeInteger(after) || (typeof after === 'string' && after !== '')))
        invalidCursor(stream, cursor);
      start = { after_parent_id: after as number | string | null };
    }
    // The parents are listed from their beginning, without sideloads, at the parent stream's own pace.
    const parentPages = () =>
      paginate(parent, fetcher, { startTime: 0, includes: [], ...(options.signal ? { signal: options.signal } : {}) });
    return perParentPages(stream, fetcher, parentPages, start, engine);
  }
  switch (stream.style) {
    case 'cursor_export': {
      if (cursor === undefined) return cursorExportPages(stream, fetcher, { start_time: exportStart(stream, options) }, engine);
      if ('cursor' in cursor && typeof cursor.cursor === 'string' && cursor.cursor !== '') {
        return cursorExportPages(stream, fetcher, { cursor: cursor.cursor }, engine);
      }
      if ('start_time' in cursor && Number.isInteger(cursor.start_time)) {
        return cursorExportPages(stream, fetcher, { start_time: cursor.start_time as number }, engine);
      }
      return invalidCursor(stream, cursor);
    }
    case 'time_export': {
      if (cursor === undefined) return timeExportPages(stream, fetcher, { start_time: exportStart(stream, options) }, engine);
      if ('start_time' in cursor && Number.isInteger(cursor.start_time)) {
        return timeExportPages(stream, fetcher, { start_time: cursor.start_time as number }, engine);
      }
      return invalidCursor(stream, cursor);
    }
    case 'cursor_list':
      return listPages(stream, fetcher, cursor === undefined ? { after_cursor: null } : listResume(stream, cursor), engine, 'cursor');
    case 'offset_list':
      return listPages(stream, fetcher, cursor === undefined ? { next_page: null } : listResume(stream, cursor), engine, 'plain');
  }
}

export type * from './types';
