/**
 * A tiny local HTTP server for client tests: each test scripts the exact Zendesk behaviour it
 * needs, and every request is recorded (method, path and query, headers, arrival time).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type StubHandler = (request: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface Stub {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: RecordedRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const url = new URL(raw.url ?? '/', 'http://stub');
      const request: RecordedRequest = {
        method: raw.method ?? 'GET',
        url: raw.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      Promise.resolve(handler(request, res, raw)).catch((error) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends JSON, gzipped when the client asked for it (as Zendesk does). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  request?: RecordedRequest,
): void {
  const text = JSON.stringify(body);
  const gzip = String(request?.headers['accept-encoding'] ?? '').includes('gzip');
  const payload = gzip ? gzipSync(text) : Buffer.from(text);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...headers,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** HTTP settings that keep retry waits tiny so tests run fast. */
export const FAST_HTTP = {
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  maxRetries: 3,
  defaultRetryAfterMs: 50,
  maxRetryAfterMs: 5_000,
};

export const API_TOKEN_AUTH = { type: 'api_token', email: 'admin@example.com', apiToken: 'SECRET-TOKEN-123' } as const;
