/**
 * Picks the engine for a stream's pagination style and turns the caller's resume cursor (or start
 * time) into the engine's starting position. Nothing here knows about particular collections.
 */
import type { StreamSpec } from '../../catalog/types';
import { InvalidSettingsError } from '../errors';
import { cursorExportPages } from './cursorExport';
import { cursorListPages } from './cursorList';
import { offsetListPages } from './offsetList';
import { timeExportPages } from './timeExport';
import type { EngineOptions, JsonRecord, PageFetcher, PageResult, ResumeCursor } from './types';

export interface PaginateOptions {
  /** A cursor previously yielded for this stream; takes precedence over startTime. */
  resumeCursor?: ResumeCursor | null;
  /** Exports: epoch seconds to start from when there is no resume cursor (default: the stream's initialLookbackDays). */
  startTime?: number;
  /** `include=` sideloads. Default: every include the stream declares; [] for none. */
  includes?: string[];
  signal?: AbortSignal;
  /** Page size to ask for (clamped to the engine's maximum: 1000 for exports, 100 for lists). */
  pageSize?: number;
  /** Clock for the default start time, in epoch ms. */
  now?: () => number;
  /**
   * Exports: epoch seconds to read up to (a backfill's end). The run ends with the first page whose
   * last record lies past it: records come in ascending `timeField` order, so every later page
   * would too. Needs the stream's timeField; pages without a readable time never end the run.
   */
  endTime?: number;
}

const DAY_SECONDS = 86_400;

/** Where an export starts on its first sync: 0 for the whole history, else `initialLookbackDays` ago. */
export function initialStartTime(stream: StreamSpec, nowMs: number = Date.now()): number {
  const days = stream.initialLookbackDays;
  if (days === null || days === undefined) return 0;
  return Math.max(0, Math.floor(nowMs / 1000) - Math.round(days * DAY_SECONDS));
}

function invalidCursor(stream: StreamSpec, cursor: unknown): never {
  throw new InvalidSettingsError(
    `Resume cursor ${JSON.stringify(cursor)} does not fit stream ${stream.name} (${stream.style}); expected ${expectedShape(stream)}.`,
  );
}

function expectedShape(stream: StreamSpec): string {
  switch (stream.style) {
    case 'cursor_export':
      return '{ cursor: string } or { start_time: number }';
    case 'time_export':
      return '{ start_time: number }';
    case 'cursor_list':
      return '{ after_cursor: string | null }';
    case 'offset_list':
      return '{ next_page: string | null }';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function exportStart(stream: StreamSpec, options: PaginateOptions): number {
  const start = options.startTime ?? initialStartTime(stream, (options.now ?? Date.now)());
  if (!Number.isInteger(start) || start < 0) {
    throw new InvalidSettingsError(`startTime for ${stream.name} must be whole epoch seconds >= 0, got ${String(start)}.`);
  }
  return start;
}

/** Epoch seconds of a record's time field (number = seconds, string = ISO time), if readable. */
function recordTime(record: JsonRecord | undefined, field: string): number | undefined {
  const raw = record?.[field];
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) / 1000 : Number.NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** Ends an export's run after the page that reaches past `endTime` (see PaginateOptions.endTime). */
async function* untilEndTime(pages: AsyncGenerator<PageResult>, timeField: string, endTime: number): AsyncGenerator<PageResult> {
  try {
    for await (const page of pages) {
      const last = recordTime(page.records.at(-1), timeField);
      if (!page.done && last !== undefined && last > endTime) {
        yield { ...page, done: true };
        return;
      }
      yield page;
      if (page.done) return;
    }
  } finally {
    await pages.return(undefined);
  }
}

export function paginate(stream: StreamSpec, fetcher: PageFetcher, options: PaginateOptions = {}): AsyncGenerator<PageResult> {
  const pages = enginePages(stream, fetcher, options);
  if (options.endTime === undefined || (stream.style !== 'cursor_export' && stream.style !== 'time_export')) return pages;
  if (!Number.isFinite(options.endTime)) {
    throw new InvalidSettingsError(`endTime for ${stream.name} must be epoch seconds, got ${String(options.endTime)}.`);
  }
  // Without a declared order there is no safe point to stop early: read to the end, as before.
  if (stream.timeField === undefined) return pages;
  return untilEndTime(pages, stream.timeField, options.endTime);
}

function enginePages(stream: StreamSpec, fetcher: PageFetcher, options: PaginateOptions): AsyncGenerator<PageResult> {
  const engine: EngineOptions = {
    includes: options.includes ?? (stream.includes ?? []).map((include) => include.value),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  };
  const cursor = options.resumeCursor ?? undefined;
  if (cursor !== undefined && !isObject(cursor)) invalidCursor(stream, cursor);
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
    case 'cursor_list': {
      if (cursor === undefined) return cursorListPages(stream, fetcher, { after_cursor: null }, engine);
      if ('after_cursor' in cursor && (cursor.after_cursor === null || typeof cursor.after_cursor === 'string')) {
        return cursorListPages(stream, fetcher, { after_cursor: cursor.after_cursor || null }, engine);
      }
      return invalidCursor(stream, cursor);
    }
    case 'offset_list': {
      if (cursor === undefined) return offsetListPages(stream, fetcher, { next_page: null }, engine);
      if ('next_page' in cursor && (cursor.next_page === null || typeof cursor.next_page === 'string')) {
        const next = cursor.next_page || null;
        if (next !== null && !next.startsWith('/')) invalidCursor(stream, cursor);
        return offsetListPages(stream, fetcher, { next_page: next }, engine);
      }
      return invalidCursor(stream, cursor);
    }
  }
}

export type * from './types';
