/** A response before it is written: the server adds rate-limit headers and applies body faults. */
export interface ApiResponse {
  status: number;
  /** Export pages arrive as bytes joined from cached records; everything else as text. */
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export function jsonResponse(status: number, body: string | object, headers?: Record<string, string>): ApiResponse {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), headers };
}

const FORBIDDEN_MESSAGE = 'You do not have access to this page. Please contact the account owner of this help desk for further help.';

/** Zendesk's error bodies, exactly as zendesk-api.md §7 records them (shape letters from there). */
export const errors = {
  /** A: missing record. */
  recordNotFound: () => jsonResponse(404, { error: 'RecordNotFound', description: 'Not found' }),
  /** A: unknown path. */
  invalidEndpoint: () => jsonResponse(404, { error: 'InvalidEndpoint', description: 'Not found' }),
  /** B: bad Basic credentials. */
  basicUnauthorized: () => jsonResponse(401, { error: "Couldn't authenticate you" }, { 'WWW-Authenticate': 'Basic realm="Web Password"' }),
  /** D: bad bearer token. */
  bearerUnauthorized: () =>
    jsonResponse(401, {
      error: 'invalid_token',
      error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
    }),
  /** C: role or plan forbids the page. */
  forbidden: () => jsonResponse(403, { error: { title: 'Forbidden', message: FORBIDDEN_MESSAGE } }),
  missingScope: (scope: string) =>
    jsonResponse(403, { error: 'Forbidden', description: `You are missing the following required scopes: ${scope}` }),
  /** A: invalid incremental parameter. */
  invalidValue: (description: string) => jsonResponse(422, { error: 'InvalidValue', description }),
  /** C: invalid cursor page size. */
  invalidPageSize: (endpoint: string) =>
    jsonResponse(400, {
      error: {
        title: 'Invalid attribute',
        message: `You passed an invalid value for the page.size attribute. Invalid parameter: page.size must be an integer from ${endpoint}`,
      },
    }),
  /** E: offset pagination past 10,000 records. */
  paginationDepth: () =>
    jsonResponse(400, {
      errors: [
        {
          code: 'InvalidPaginationDepth',
          title: 'Invalid Pagination Depth',
          detail: 'Offset pagination is limited to the first 100 pages (10,000 records). Use cursor pagination to retrieve more records.',
        },
      ],
    }),
  /**
   * C: the host names no account (zendesk-api.md §7, §10.1): `host` is the `{sub}.zendesk.com` asked for.
   */
  noHelpDesk: (host: string) =>
    jsonResponse(404, {
      error: {
        title: `No help desk at ${host}`,
        message:
          'There is no help desk configured at this address. This means that the address is available and that you can claim it at http://www.zendesk.com/signup',
      },
    }),
  /** G: the 429 body is text/plain. */
  rateLimited: (retryAfterSeconds: number, extra: Record<string, string> = {}): ApiResponse => ({
    status: 429,
    body: 'Number of allowed API requests per minute exceeded',
    contentType: 'text/plain; charset=utf-8',
    headers: { 'Retry-After': String(retryAfterSeconds), ...extra },
  }),
};
