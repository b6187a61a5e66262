/**
 * Typed Zendesk failures. Each carries a stable `type` (used as the Temporal `ApplicationFailure`
 * type) and whether retrying can help, so an activity can map them without inspecting messages.
 * Messages are for humans and never contain credentials: they are built only from the request
 * path, the status and the server's error text.
 */

import { InvalidSettingsError } from '../failures/vocabulary';

/**
 * Settings the client cannot work with (bad subdomain, base URL, auth shape, rate settings) throw the
 * application's one settings error, re-exported here for the client's users.
 */
export { InvalidSettingsError };

export type ZendeskErrorType =
  | 'ZendeskAuthError'
  | 'ZendeskForbiddenError'
  | 'ZendeskNotFoundError'
  | 'ZendeskRateLimitedError'
  | 'ZendeskServerError'
  | 'ZendeskNetworkError'
  | 'ZendeskRequestError'
  | 'ZendeskPaginationError'
  | 'ZendeskTokenPersistError';

export abstract class ZendeskError extends Error {
  abstract readonly type: ZendeskErrorType;
  abstract readonly retryable: boolean;
  /** HTTP status when the failure came from a response. */
  readonly status?: number;
  /** Machine code from the body when Zendesk sent one (`InvalidValue`, `invalid_token`, ...). */
  readonly code?: string;

  constructor(message: string, details: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
  }
}

/** 401, a rejected refresh token, or the anonymous-user answer of `users/me`. */
export class ZendeskAuthError extends ZendeskError {
  readonly type = 'ZendeskAuthError';
  readonly retryable = false;
}

/** 403: authenticated but not allowed (role, plan or OAuth scope). */
export class ZendeskForbiddenError extends ZendeskError {
  readonly type = 'ZendeskForbiddenError';
  readonly retryable = false;
  /** True when the body reads like a plan/role gate ("You do not have access to this page") rather than a scope problem. */
  readonly planGated: boolean;
  constructor(message: string, details: { status?: number; code?: string; planGated: boolean }) {
    super(message, details);
    this.planGated = details.planGated;
  }
}

/** 404: a missing record or endpoint, or "No help desk at ..." for a wrong subdomain. */
export class ZendeskNotFoundError extends ZendeskError {
  readonly type = 'ZendeskNotFoundError';
  readonly retryable = false;
  /** True when Zendesk says no account lives at this address. */
  readonly noHelpDesk: boolean;
  constructor(message: string, details: { status?: number; code?: string; noHelpDesk: boolean }) {
    super(message, details);
    this.noHelpDesk = details.noHelpDesk;
  }
}

/** 429 (or 503 with Retry-After) that outlasted the client's own waiting. */
export class ZendeskRateLimitedError extends ZendeskError {
  readonly type = 'ZendeskRateLimitedError';
  readonly retryable = true;
  readonly retryAfterMs: number;
  constructor(message: string, details: { status?: number; retryAfterMs: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 5xx or an unusable 2xx body after the client's bounded retries. */
export class ZendeskServerError extends ZendeskError {
  readonly type = 'ZendeskServerError';
  readonly retryable = true;
  /** Set when the server asked for a pause (503 with Retry-After). */
  readonly retryAfterMs?: number;
  constructor(message: string, details: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown }) {
    super(message, details);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** Connection refused/reset, timeouts, a socket closed mid-body, after bounded retries. */
export class ZendeskNetworkError extends ZendeskError {
  readonly type = 'ZendeskNetworkError';
  readonly retryable = true;
}

/** Any other 4xx (400 bad parameters, 422 validation): retrying the same request cannot help. */
export class ZendeskRequestError extends ZendeskError {
  readonly type = 'ZendeskRequestError';
  readonly retryable = false;
}

/** The server's paging did not advance; looping would never end. */
export class ZendeskPaginationError extends ZendeskError {
  readonly type = 'ZendeskPaginationError';
  readonly retryable = false;
}

/**
 * Rotated OAuth tokens could not be saved. Retryable: the new pair is kept in memory and saving is
 * tried again before the new access token is used.
 */
export class ZendeskTokenPersistError extends ZendeskError {
  readonly type = 'ZendeskTokenPersistError';
  readonly retryable = true;
}

export function isZendeskError(error: unknown): error is ZendeskError {
  return error instanceof ZendeskError;
}
