/**
 * The Zendesk client: settings resolved once, one keep-alive pool for the account, the account's
 * shared rate budget, auth, and the four pagination engines.
 */
import type { RateBucket, StreamSpec } from '../catalog/types';
import { type AuthSettings, createAuthProvider } from './auth';
import { type CredentialCheckOptions, type ZendeskUser, userFromMeResponse } from './credentialCheck';
import { ZendeskServerError } from './errors';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings, HttpTransport, type RequestEvent, type RetryReason } from './http';
import { paginate, type PaginateOptions } from './pagination';
import type { JsonRecord, PageFetcher, PageResult } from './pagination/types';
import { RateBudget, type RateBudgetSettings, rateBudgetFor } from './rateBudget';
import { type EndpointSettings, linkToRequestPath, resolveEndpoint, type ResolvedEndpoint } from './settings';

export interface ZendeskClientOptions extends EndpointSettings {
  auth: AuthSettings;
  /**
   * Rate settings applied to the account's shared budget (changes apply to every client of the
   * account). Pass `budget` to use a specific RateBudget instead of the process registry, or
   * `false` to send without a budget (benchmarks only).
   */
  rate?: (Partial<RateBudgetSettings> & { budget?: RateBudget }) | false;
  http?: Partial<HttpSettings>;
  /** Called once per finished API call (success or failure). */
  onRequest?: (event: RequestEvent) => void;
}

export interface GetOptions {
  signal?: AbortSignal;
  bucket?: RateBucket;
  onRetry?: (reason: RetryReason) => void;
}

export interface ZendeskClient {
  /** `scheme://host[:port]` every request goes to. */
  readonly origin: string;
  /** The account's shared budget (undefined when rate is false); `rateBudget.update()` changes caps live. */
  readonly rateBudget: RateBudget | undefined;
  /** Human warnings about the settings (e.g. API tokens are retired on 2027-04-30). */
  readonly warnings: readonly string[];
  /** GET a path and query under the base URL (e.g. `/api/v2/groups.json?page[size]=1`); resolves the parsed JSON. */
  get<T = unknown>(pathAndQuery: string, options?: GetOptions): Promise<T>;
  /** Calls `/api/v2/users/me.json`; rejects with typed errors for bad credentials or a non-admin user. */
  checkCredentials(options?: CredentialCheckOptions & { signal?: AbortSignal }): Promise<ZendeskUser>;
  /** Pages of a stream, driven only by its StreamSpec. */
  paginate(stream: StreamSpec, options?: PaginateOptions): AsyncGenerator<PageResult>;
  /** Closes the connection pool. The shared rate budget lives on for other clients of the account. */
  close(): Promise<void>;
}

function assertApiPath(pathAndQuery: string): void {
  if (!pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//')) {
    // An absolute URL here could send credentials to another host.
    throw new TypeError(
      `Zendesk client paths must be a path and query starting with "/", got ${JSON.stringify(pathAndQuery.slice(0, 100))}`,
    );
  }
}

function budgetFor(endpoint: ResolvedEndpoint, rate: ZendeskClientOptions['rate']): RateBudget | undefined {
  if (rate === false) return undefined;
  const { budget, ...settings } = rate ?? {};
  if (budget) {
    if (Object.keys(settings).length > 0) budget.update(settings);
    return budget;
  }
  return rateBudgetFor(`${endpoint.origin}${endpoint.basePath}`, Object.keys(settings).length > 0 ? settings : undefined);
}

export function createZendeskClient(options: ZendeskClientOptions): ZendeskClient {
  const endpoint = resolveEndpoint(options);
  const httpSettings: HttpSettings = { ...DEFAULT_HTTP_SETTINGS, ...options.http };
  const budget = budgetFor(endpoint, options.rate);
  let transport: HttpTransport | undefined;
  const auth = createAuthProvider(options.auth, async (body) => {
    const response = await transport!.requestJson('/oauth/tokens', {
      method: 'POST',
      body,
      authenticate: false,
      useRateBudget: false,
    });
    return response.body;
  });
  transport = new HttpTransport(endpoint, httpSettings, auth, budget, options.onRequest);
  const http = transport;

  const get = async <T>(pathAndQuery: string | (() => string), getOptions: GetOptions = {}): Promise<T> => {
    const response = await http.requestJson(
      typeof pathAndQuery === 'function'
        ? () => {
            const path = pathAndQuery();
            assertApiPath(path);
            return path;
          }
        : (assertApiPath(pathAndQuery), pathAndQuery),
      {
        bucket: getOptions.bucket ?? 'core',
        ...(getOptions.signal ? { signal: getOptions.signal } : {}),
        ...(getOptions.onRetry ? { onRetry: getOptions.onRetry } : {}),
      },
    );
    return response.body as T;
  };

  const fetcher: PageFetcher = {
    async getPage(path, pageOptions) {
      const body = await get<unknown>(path, pageOptions);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ZendeskServerError(`Zendesk answered ${path().split('?')[0]} with JSON that is not an object.`, {});
      }
      return body as JsonRecord;
    },
    toRequestPath: (link) => linkToRequestPath(link, endpoint),
  };

  return {
    origin: endpoint.origin,
    rateBudget: budget,
    warnings: auth.warnings,
    get: (pathAndQuery, getOptions) => get(pathAndQuery, getOptions),
    async checkCredentials(checkOptions = {}) {
      const body = await get<unknown>('/api/v2/users/me.json', checkOptions.signal ? { signal: checkOptions.signal } : {});
      return userFromMeResponse(body, checkOptions);
    },
    paginate: (stream, paginateOptions) => paginate(stream, fetcher, paginateOptions),
    close: () => http.close(),
  };
}
