/**
 * The HTTP layer: one undici keep-alive pool for the account origin, gzip, timeouts, the shared
 * rate budget, bounded retries, Retry-After, OAuth recovery on 401, and one observable event per
 * call. Requests only ever go to the configured origin: callers pass a path and query.
 */
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { Pool } from 'undici';
import type { RateBucket } from '../catalog/types';
import { abortableSleep, abortReason, throwIfAborted } from './abortableSleep';
import type { AuthProvider } from './auth';
import { errorForResponse } from './errorBody';
import { InvalidSettingsError, ZendeskError, ZendeskNetworkError, ZendeskRateLimitedError, ZendeskServerError } from './errors';
import type { RateBudget } from './rateBudget';
import { type HeaderBag, parseRetryAfterMs, rateEndpointKey, readRateLimits } from './rateHeaders';
import type { ResolvedEndpoint } from './settings';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

export interface HttpSettings {
  connectTimeoutMs: number;
  /** Time allowed for the response headers (Zendesk can take a while to build a 1000-record page). */
  headersTimeoutMs: number;
  /** Time allowed between body chunks. */
  bodyTimeoutMs: number;
  /** Retries for 5xx, 409, network failures and unreadable bodies (attempts = 1 + maxRetries). */
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Waits for 429 / 503-with-Retry-After before giving up with a typed error. */
  maxRateLimitRetries: number;
  /** Wait when a 429/503 carries no Retry-After. */
  defaultRetryAfterMs: number;
  /** Longer Retry-After values are not slept through: the call fails with retryAfterMs for the orchestrator. */
  maxRetryAfterMs: number;
  /** Keep-alive connections to the account origin. */
  connections: number;
  keepAliveTimeoutMs: number;
  userAgent: string;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 60_000,
  maxRetries: 4,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  maxRateLimitRetries: 6,
  defaultRetryAfterMs: 60_000,
  maxRetryAfterMs: 120_000,
  connections: 4,
  keepAliveTimeoutMs: 30_000,
  userAgent: 'zendesk-sync/0.1 (+undici)',
};

/** One finished call, for metrics and progress. Contains no credentials and no query string. */
export interface RequestEvent {
  method: string;
  /** Path without the query (queries carry cursors and would explode metric cardinality). */
  path: string;
  bucket: RateBucket;
  /** Final HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Wall time of the whole call, waits included. */
  durationMs: number;
  attempts: number;
  retries: number;
  /** Time spent waiting for the rate budget and between retries. */
  waitedMs: number;
  /** Set when the call failed: the typed error's `type`, or 'aborted'. */
  errorType?: string;
}

/** Why an attempt is being retried; pagination engines shrink the page on a 504. */
export interface RetryReason {
  attempt: number;
  status?: number;
  kind: 'server' | 'network' | 'invalid_body' | 'rate_limited' | 'unauthorized';
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  bucket?: RateBucket;
  signal?: AbortSignal;
  /** JSON request body. */
  body?: unknown;
  /** Send the Authorization header (false for `/oauth/tokens`). Default true. */
  authenticate?: boolean;
  /** Spend the rate budget (false for `/oauth/tokens`, which is not an API call). Default true. */
  useRateBudget?: boolean;
  onRetry?: (reason: RetryReason) => void;
}

export interface JsonResponse {
  status: number;
  headers: HeaderBag;
  body: unknown;
}

type AttemptOutcome =
  | { kind: 'response'; status: number; headers: HeaderBag; text: string }
  | { kind: 'network'; error: unknown }
  | { kind: 'invalid_body'; status: number; headers: HeaderBag; error: unknown };

/** Path and query → path only, for messages and events. */
function pathOnly(pathAndQuery: string): string {
  const index = pathAndQuery.indexOf('?');
  return index >= 0 ? pathAndQuery.slice(0, index) : pathAndQuery;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

async function decodeBody(buffer: Buffer, encoding: string | undefined): Promise<string> {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return buffer.toString('utf8');
    case 'gzip':
    case 'x-gzip':
      return (await gunzipAsync(buffer)).toString('utf8');
    case 'deflate':
      return (await inflateAsync(buffer)).toString('utf8');
    case 'br':
      return (await brotliAsync(buffer)).toString('utf8');
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class HttpTransport {
  private readonly pool: Pool;
  /** The takeover's one `users/me` read of the account window, shared by the exports waiting for it. */
  private accountWindowRead: Promise<void> | undefined;

  constructor(
    private readonly endpoint: ResolvedEndpoint,
    private readonly settings: HttpSettings,
    private readonly auth: AuthProvider,
    private readonly budget: RateBudget | undefined,
    private readonly onRequest?: (event: RequestEvent) => void,
  ) {
    this.pool = new Pool(endpoint.origin, {
      connections: settings.connections,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      connect: { timeout: settings.connectTimeoutMs },
    });
  }

  /**
   * Sends a request and returns the parsed JSON of a 2xx answer; anything else ends in a typed
   * ZendeskError (or the signal's reason on abort). `path` may be a function so a caller can
   * change the request between attempts (a smaller page after a 504).
   */
  async requestJson(path: string | (() => string), options: RequestOptions = {}): Promise<JsonResponse> {
    const method = options.method ?? 'GET';
    const bucket = options.bucket ?? 'core';
    const started = Date.now();
    let attempts = 0;
    let waitedMs = 0;
    let lastStatus: number | undefined;
    let currentPath = typeof path === 'function' ? path() : path;
    let errorType: string | undefined;
    try {
      let serverRetries = 0;
      let rateLimitRetries = 0;
      let recoveredAuth = false;
      const credentialUsed = { generation: 0 };
      for (;;) {
        throwIfAborted(options.signal);
        if (attempts > 0 && typeof path === 'function') currentPath = path();
        attempts += 1;
        const outcome = await this.attempt(method, currentPath, bucket, options, credentialUsed, (ms) => (waitedMs += ms));
        if (outcome.kind !== 'network') lastStatus = outcome.status;
        const what = `${method} ${pathOnly(currentPath)}`;

        if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
          try {
            return { status: outcome.status, headers: outcome.headers, body: outcome.text === '' ? {} : JSON.parse(outcome.text) };
          } catch (error) {
            // A 2xx with unreadable JSON is a truncated or broken body: worth another try.
            const retry = this.retryDelay(serverRetries);
            if (retry === undefined) {
              throw new ZendeskServerError(`Zendesk sent an unreadable JSON body for ${what} (${outcome.status}) ${attempts} times`, {
                status: outcome.status,
                cause: error,
              });
            }
            serverRetries += 1;
            options.onRetry?.({ attempt: attempts, status: outcome.status, kind: 'invalid_body' });
            waitedMs += retry;
            await abortableSleep(retry, options.signal);
            continue;
          }
        }

        if (outcome.kind === 'response' && outcome.status === 401 && options.authenticate !== false && !recoveredAuth) {
          recoveredAuth = true;
          if (await this.auth.recoverFromUnauthorized(credentialUsed.generation, options.signal)) {
            options.onRetry?.({ attempt: attempts, status: 401, kind: 'unauthorized' });
            continue;
          }
        }

        // 429 and 503 mean "slow down": honour Retry-After (or the default wait) account-wide.
        if (outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503)) {
          const retryAfterMs = parseRetryAfterMs(headerValue(outcome.headers, 'retry-after')) ?? this.settings.defaultRetryAfterMs;
          if (retryAfterMs > this.settings.maxRetryAfterMs || rateLimitRetries >= this.settings.maxRateLimitRetries) {
            const message = `Zendesk asked to wait ${Math.ceil(retryAfterMs / 1000)} s before retrying ${what} (${outcome.status})`;
            if (outcome.status === 429) throw new ZendeskRateLimitedError(message, { status: 429, retryAfterMs });
            throw new ZendeskServerError(message, { status: outcome.status, retryAfterMs });
          }
          rateLimitRetries += 1;
          options.onRetry?.({ attempt: attempts, status: outcome.status, kind: 'rate_limited' });
          if (this.budget && options.useRateBudget !== false) {
            // Everyone sharing the account waits, not just this call; the next acquire sleeps it out.
            // A 429 holds what its headers say is spent (the account quota holds everything); a 503
            // is about the server, not a quota, and holds the request's bucket.
            if (outcome.status === 429) {
              this.budget.pauseAfterRateLimit(bucket, retryAfterMs, readRateLimits(outcome.headers), rateEndpointKey(currentPath));
            } else {
              this.budget.pause(bucket, retryAfterMs);
            }
          } else {
            waitedMs += retryAfterMs;
            await abortableSleep(retryAfterMs, options.signal);
          }
          continue;
        }

        const transient = outcome.kind !== 'response' || outcome.status >= 500 || outcome.status === 409;
        if (transient) {
          const retry = this.retryDelay(serverRetries);
          if (retry !== undefined) {
            serverRetries += 1;
            options.onRetry?.({
              attempt: attempts,
              ...(outcome.kind === 'network' ? {} : { status: outcome.status }),
              kind: outcome.kind === 'response' ? 'server' : outcome.kind,
            });
            waitedMs += retry;
            await abortableSleep(retry, options.signal);
            continue;
          }
          if (outcome.kind === 'network') {
            throw new ZendeskNetworkError(
              `Could not reach Zendesk for ${what} after ${attempts} attempts: ${describeNetworkError(outcome.error)}`,
              {
                cause: outcome.error,
              },
            );
          }
          if (outcome.kind === 'invalid_body') {
            throw new ZendeskServerError(`Zendesk sent an unreadable body for ${what} (${outcome.status}) ${attempts} times`, {
              status: outcome.status,
              cause: outcome.error,
            });
          }
        }
        if (outcome.kind === 'response') throw errorForResponse(outcome.status, outcome.text, what);
        throw new ZendeskNetworkError(`Unexpected failure for ${what}`);
      }
    } catch (error) {
      errorType = options.signal?.aborted
        ? 'aborted'
        : error instanceof ZendeskError || error instanceof InvalidSettingsError
          ? error.type
          : 'unknown';
      throw error;
    } finally {
      this.emit({
        method,
        path: pathOnly(currentPath),
        bucket,
        ...(lastStatus !== undefined ? { status: lastStatus } : {}),
        durationMs: Date.now() - started,
        attempts,
        retries: Math.max(0, attempts - 1),
        waitedMs,
        ...(errorType ? { errorType } : {}),
      });
    }
  }

  private async attempt(
    method: string,
    pathAndQuery: string,
    bucket: RateBucket,
    options: RequestOptions,
    /** Receives the credential generation sent, compared after a 401 to detect rotation. */
    credentialUsed: { generation: number },
    addWait: (ms: number) => void,
  ): Promise<AttemptOutcome> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'accept-encoding': 'gzip',
      'user-agent': this.settings.userAgent,
    };
    if (options.authenticate !== false) {
      const credential = await this.auth.credential(options.signal);
      headers.authorization = credential.authorization;
      credentialUsed.generation = credential.generation;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const endpoint = rateEndpointKey(pathAndQuery);
    if (bucket === 'export' && this.budget?.awaitsAccountReading && options.useRateBudget !== false) {
      await this.readAccountWindow(options.signal);
    }
    const lease = this.budget && options.useRateBudget !== false ? await this.budget.acquire(bucket, options.signal, endpoint) : undefined;
    if (lease) addWait(lease.waitedMs);
    try {
      const response = await this.pool.request({
        path: `${this.endpoint.basePath}${pathAndQuery}`,
        method: method as 'GET' | 'POST',
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const responseHeaders = response.headers as HeaderBag;
      // What the window holds is read before the slot is given back, so the budget compares the
      // server's count with its own while this request still counts as ours.
      this.observeRateHeaders(responseHeaders, endpoint);
      // The server has counted the request once its answer starts: the slot's window starts now.
      lease?.release();
      let raw: Buffer;
      try {
        raw = Buffer.from(await response.body.arrayBuffer());
      } catch (error) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        return { kind: 'network', error };
      }
      try {
        const text = await decodeBody(raw, headerValue(responseHeaders, 'content-encoding'));
        return { kind: 'response', status: response.statusCode, headers: responseHeaders, text };
      } catch (error) {
        return { kind: 'invalid_body', status: response.statusCode, headers: responseHeaders, error };
      }
    } catch (error) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      return { kind: 'network', error };
    } finally {
      lease?.release();
    }
  }

  /**
   * After a takeover, one cheap core request (`users/me`, what the credential check asks) reports the
   * account's window before any export is sent; every export waiting meanwhile shares it.
   */
  private readAccountWindow(signal: AbortSignal | undefined): Promise<void> {
    this.accountWindowRead ??= this.requestJson('/api/v2/users/me.json')
      .then(
        () => undefined,
        () => undefined, // whatever went wrong, the export's own first request (alone) still learns the window
      )
      .finally(() => {
        this.accountWindowRead = undefined;
        // Still waiting means the answer carried no account reading: do not wait for one forever.
        this.budget?.giveUpAccountReading();
      });
    const read = this.accountWindowRead;
    if (!signal) return read;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      void read.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private observeRateHeaders(headers: HeaderBag, endpoint: string): void {
    if (!this.budget) return;
    const readings = readRateLimits(headers);
    if (readings.core || readings.endpoints.size > 0) this.budget.observe(readings, this.budget.now(), endpoint);
  }

  /** Full-jitter exponential backoff; undefined once the retries are spent. */
  private retryDelay(retriesSoFar: number): number | undefined {
    if (retriesSoFar >= this.settings.maxRetries) return undefined;
    const ceiling = Math.min(this.settings.retryMaxDelayMs, this.settings.retryBaseDelayMs * 2 ** retriesSoFar);
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private emit(event: RequestEvent): void {
    if (!this.onRequest) return;
    try {
      this.onRequest(event);
    } catch {
      // An observer's bug must not fail a sync.
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
