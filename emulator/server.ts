import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { missingHelpDesk, type AccountIdentity } from './account';
import { hasReadScope, type Authenticator } from './auth';
import type { Clock } from './clock';
import type { ApiRequest, EmulatorContext } from './context';
import type { FaultDecision, FaultInjector } from './faults';
import { errors, jsonResponse, type ApiResponse } from './http';
import type { OAuthServer } from './oauth';
import { planAllows, type Plan } from './options';
import type { RateLimiter } from './rateLimit';
import { endpointKey, type RequestLog } from './requestLog';
import { anonymousUser, matchApiRoute } from './routes/api';
import { perPageOf } from './routes/incremental';
import { MAX_PAGE_SIZE } from './routes/pagination';

/**
 * The HTTP front: routing, auth, rate limits, faults and the request log around the route handlers.
 * Order per request: the Host decides first (a zendesk.com subdomain with no account behind it is
 * a 404 "No help desk" before anything else), then faults (an injected 5xx stands in for an outage
 * in front of the app, so it spends no rate budget), then authentication, then the rate limit, then
 * permissions.
 */
export interface ServerDeps {
  ctx: EmulatorContext;
  clock: Clock;
  auth: Authenticator;
  oauth: OAuthServer;
  rateLimiter: RateLimiter;
  faults: FaultInjector;
  requestLog: RequestLog;
  plan: () => Plan;
  account: () => AccountIdentity;
  admin: (method: string, path: string, query: URLSearchParams, body: string) => ApiResponse | Promise<ApiResponse>;
}

const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** JSON or form-encoded body as flat string parameters (the OAuth token endpoint takes both). */
export function parseParams(body: string, contentType: string | undefined): Record<string, string> {
  if (!body) return {};
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (v !== null && v !== undefined) out[k] = String(v);
    return out;
  } catch {
    return Object.fromEntries(new URLSearchParams(body));
  }
}

/**
 * The size of the page a request will be served, for the 504-above-a-page-size fault: the server's
 * work (and Zendesk's timeouts) follow the records it assembles, so a request without a size
 * parameter counts with the endpoint's default, and an oversized one with the clamped maximum.
 * Incremental exports page by `per_page` (default and maximum 1000), except ticket_metric_events in
 * cursor mode (`page[size]`/`page[after]`, as routes/incremental decides); list endpoints by
 * `page[size]` or `per_page` (default and maximum 100).
 */
export function effectivePageSize(path: string, query: URLSearchParams, listMax: number = MAX_PAGE_SIZE): number {
  const cursorPaged = query.has('page[size]') || query.has('page[after]');
  if (path.startsWith('/api/v2/incremental/') && !cursorPaged) return perPageOf(query);
  const raw = query.get('page[size]') ?? query.get('per_page');
  const n = raw === null ? NaN : Math.floor(Number(raw));
  const max = Math.min(MAX_PAGE_SIZE, listMax);
  if (!Number.isFinite(n) || n < 1) return max;
  return Math.min(max, n);
}

/**
 * Bodies of injected 5xx/429 answers, each matching its Content-Type: a 500 from the app is JSON;
 * 502 and 504 come from the load balancer as HTML pages; 503 and 429 are plain text (§6.4, §7).
 */
function injectedStatusBody(status: number): { body: string; contentType: string } {
  switch (status) {
    case 429:
      return { body: 'Number of allowed API requests per minute exceeded', contentType: 'text/plain; charset=utf-8' };
    case 500:
      return { body: '{"error":"InternalServerError","description":"Emulated 500"}', contentType: 'application/json; charset=utf-8' };
    case 502:
      return {
        body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n',
        contentType: 'text/html',
      };
    case 503:
      return { body: 'Service Unavailable', contentType: 'text/plain; charset=utf-8' };
    default:
      return { body: '<html><body><h1>504 Gateway Time-out</h1></body></html>', contentType: 'text/html' };
  }
}

// Unref: a long injected latency (a test holding a page) must not keep the process alive after close.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A small deterministic file body for attachment downloads. */
function attachmentContent(token: string): ApiResponse {
  return { status: 200, body: `emulated attachment ${token}\n`, contentType: 'application/octet-stream' };
}

export class EmulatorHttpServer {
  private readonly server: http.Server;

  constructor(private readonly deps: ServerDeps) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: 'InternalError', description: String(error) }));
        } else {
          res.destroy();
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    let path = url.pathname.replace(/\/+$/, '') || '/';
    if (path.endsWith('.json')) path = path.slice(0, -5);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);

    if (path.startsWith('/__admin')) {
      const response = await this.deps.admin(method, path, url.searchParams, body);
      this.write(res, response, undefined);
      return;
    }

    const noHelpDesk = missingHelpDesk(req.headers.host, this.deps.account());
    const decision: FaultDecision = noHelpDesk
      ? { latencyMs: 0 }
      : this.deps.faults.decide(
          method,
          path,
          url.pathname + url.search,
          effectivePageSize(path, url.searchParams, this.deps.ctx.quirks().listMaxPageSize),
        );
    if (decision.hold) await decision.hold;
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    let principal = 'none';
    let response: ApiResponse;
    if (noHelpDesk) {
      response = errors.noHelpDesk(noHelpDesk);
    } else if (decision.status) {
      const { status } = decision.status;
      const retryAfterSeconds =
        decision.status.retryAfterSeconds === 'window_end' ? this.deps.rateLimiter.secondsToWindowEnd() : decision.status.retryAfterSeconds;
      response = {
        status,
        ...injectedStatusBody(status),
        headers: {
          ...(status === 429 ? this.deps.rateLimiter.refusalHeaders(path, retryAfterSeconds) : {}),
          ...(retryAfterSeconds !== null ? { 'Retry-After': String(retryAfterSeconds) } : {}),
        },
      };
    } else {
      const outcome = this.route(method, path, url.searchParams, body, req.headers);
      response = outcome.response;
      principal = outcome.principal;
    }
    const faultNote = decision.status?.ruleId ?? (decision.body && response.status === 200 ? decision.body.ruleId : undefined);
    this.deps.requestLog.add({
      at: Date.now(),
      emulatedTime: this.deps.clock.now(),
      window: this.deps.rateLimiter.window(),
      method,
      path,
      endpoint: endpointKey(method, path),
      query: url.search.replace(/^\?/, ''),
      status: response.status,
      principal,
      fault: faultNote,
      durationMs: performance.now() - started,
    });
    this.write(res, response, response.status === 200 ? decision.body : undefined);
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
    headers: http.IncomingHttpHeaders,
  ): { response: ApiResponse; principal: string } {
    const { ctx, auth, oauth, rateLimiter } = this.deps;
    if (path === '/oauth/authorizations/new' && method === 'GET') return { response: oauth.authorize(query), principal: 'none' };
    if (path === '/oauth/tokens' && method === 'POST') {
      return { response: oauth.token(parseParams(body, headers['content-type'])), principal: 'none' };
    }
    const attachment = /^\/attachments\/token\/([A-Za-z0-9]+)$/.exec(path);
    if (attachment && method === 'GET') return { response: attachmentContent(attachment[1]!), principal: 'none' };
    if (!path.startsWith('/api/v2/')) return { response: errors.invalidEndpoint(), principal: 'none' };

    const result = auth.authenticate(headers.authorization);
    if (result.kind === 'anonymous') {
      // users/me answers 200 with the anonymous user instead of 401 (zendesk-api.md §2.3).
      if (path === '/api/v2/users/me' && method === 'GET') return { response: anonymousUser(), principal: 'anonymous' };
      return { response: result.failure, principal: 'anonymous' };
    }
    if (result.kind === 'failed') return { response: result.failure, principal: 'none' };
    const principal = result.principal;
    const who = principal.role;
    const route = method === 'GET' ? matchApiRoute(path) : null;
    if (!route) return { response: errors.invalidEndpoint(), principal: who };

    const rate = rateLimiter.take(path);
    if (!rate.allowed) return { response: errors.rateLimited(rate.retryAfterSeconds, rate.headers), principal: who };
    const withRate = (response: ApiResponse): { response: ApiResponse; principal: string } => ({
      response: { ...response, headers: { ...rate.headers, ...response.headers } },
      principal: who,
    });
    if (!hasReadScope(principal.scopes, path)) return withRate(errors.missingScope('read'));
    if (route.adminOnly && principal.role !== 'admin') return withRate(errors.forbidden());
    if (route.feature && !planAllows(this.deps.plan(), route.feature, ctx.quirks())) return withRate(errors.forbidden());
    const apiRequest: ApiRequest = { method, path, query, principal, plan: this.deps.plan() };
    try {
      return withRate(route.handler(ctx, apiRequest));
    } catch (error) {
      return withRate(jsonResponse(500, { error: 'InternalError', description: String(error) }));
    }
  }

  private write(res: http.ServerResponse, response: ApiResponse, bodyFault: FaultDecision['body']): void {
    const headers: Record<string, string | number> = {
      'Content-Type': response.contentType ?? 'application/json; charset=utf-8',
      'x-zendesk-api-version': 'v2',
      ...response.headers,
    };
    const buffer = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
    if (!bodyFault) {
      headers['Content-Length'] = buffer.length;
      res.writeHead(response.status, headers);
      res.end(buffer);
      return;
    }
    const keep = Math.max(1, Math.min(buffer.length - 1, Math.floor(buffer.length * bodyFault.keepFraction)));
    const part = buffer.subarray(0, keep);
    if (bodyFault.kind === 'truncate') {
      // A "successful" response whose JSON is cut short, framed consistently so HTTP sees no error.
      if (bodyFault.framing === 'content-length') headers['Content-Length'] = part.length;
      res.writeHead(response.status, headers);
      res.end(part);
      return;
    }
    // Reset: promise the full body, send part of it, then kill the connection.
    headers['Content-Length'] = buffer.length;
    res.writeHead(response.status, headers);
    res.write(part, () => res.socket?.destroy());
  }
}
