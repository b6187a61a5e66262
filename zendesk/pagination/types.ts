/** What every pagination engine yields and consumes. */
import type { RateBucket } from '../../catalog/types';
import type { RetryReason } from '../http';

export type JsonRecord = Record<string, unknown>;

/**
 * Resume positions, one shape per engine; each is small, JSON-serialisable, and when passed back
 * resumes exactly after the page that produced it.
 */
/** cursor_export: the last `after_cursor`, or the start_time when no cursor was issued yet. */
export type CursorExportResume = { cursor: string } | { start_time: number };
/** time_export: the next start_time (the previous page's end_time). */
export interface TimeExportResume {
  start_time: number;
}
/**
 * A list's position, in the style of the page that produced it (both list engines read both, since
 * an endpoint may answer in either envelope): `after_cursor` = cursor style, the next `page[after]`;
 * `next_page` = offset style, the next page's path and query on our own base URL. null = start from
 * the beginning (a finished full read). These are the shapes cursor_list and offset_list always
 * had, so positions stored before either engine learnt the other style still resume.
 */
export interface CursorListResume {
  after_cursor: string | null;
}
export interface OffsetListResume {
  next_page: string | null;
}
export type ListResume = CursorListResume | OffsetListResume;
/** Per-parent lists: the last parent id whose children were all read (null = none yet). */
export interface PerParentResume {
  after_parent_id: number | string | null;
}
export type ResumeCursor = CursorExportResume | TimeExportResume | CursorListResume | OffsetListResume | PerParentResume;

/**
 * Where one run of a stream reads, decided once per run (activities/streamWindow.ts) and applied by
 * `paginate`: from the resume position when there is one, else from the start time; a backfill
 * ends at its end time.
 */
export interface ReadWindow {
  /** A position yielded by an earlier page of this stream; takes precedence over startTime. */
  resumeCursor?: ResumeCursor | null;
  /** Exports: epoch seconds to start from when there is no resume cursor (default 0: the whole history). */
  startTime?: number;
  /**
   * Epoch seconds the read ends at (a backfill's end): the page holding a record whose time (the
   * stream's timeField) is past it is the last one, so nothing beyond the range is requested.
   */
  endTime?: number;
  /**
   * Lists with an `incrementalFilter`: epoch seconds from which the list is asked for (the filter's
   * lower bound, overlap already taken off); absent = the whole list.
   */
  changedSince?: number;
}

export interface PageResult<C extends ResumeCursor = ResumeCursor> {
  /** Records of this page, in server order (time exports: boundary duplicates already removed). */
  records: JsonRecord[];
  /** The parsed body, for sideloads (`metric_sets`, `users`, ...). */
  page: JsonRecord;
  /** Persist this (with the page's data) to resume after this page. */
  resumeCursor: C;
  /** True on the last page of this run. */
  done: boolean;
  /** On the last page: something about the read the run's result should warn of. */
  warning?: string;
}

/** How engines talk to Zendesk; the client implements it on its HTTP transport. */
export interface PageFetcher {
  /** GETs the path (re-evaluated per attempt) and returns the JSON object body. */
  getPage(
    path: () => string,
    options: { bucket: RateBucket; signal?: AbortSignal; onRetry?: (reason: RetryReason) => void },
  ): Promise<JsonRecord>;
  /** A pagination link from a response → path and query on our configured base URL. */
  toRequestPath(link: string): string;
}

export interface EngineOptions {
  signal?: AbortSignal;
  /** Sideload values for `include=`. */
  includes: string[];
  /** Page size to ask for; engines clamp it to their maximum. */
  pageSize?: number;
  /** Lists: the lower bound of the stream's time filter (see ReadWindow.changedSince). */
  changedSince?: number;
}
