/**
 * A loopback HTTP proxy between the real, unchanged snowflake-sdk and fakesnow's server, fixing
 * only the wire-format gaps listed in test/destinations/snowflake/FAKESNOW_GAPS.md:
 *   - query answers lack `returned` (the driver then never completes a statement): added;
 *   - SELECT/DDL answers are Arrow (`rowsetBase64`), which the Node driver cannot read: decoded
 *     into a JSON `rowset`;
 *   - `/telemetry/send` does not exist: answered with success.
 * Every request is forwarded byte for byte; the SQL the destination sends is never touched. The
 * shim also records each statement's text and query tag so tests can assert on them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { arrowToJsonRowset, type RowtypeColumn } from './arrow-rowset';

export interface ObservedStatement {
  sqlText: string;
  /** Number of rows in an array bind (0 for a statement without binds). */
  boundRows: number;
  /**
   * Bytes of the statement as it travelled: the JSON text of `sqlText` plus that of `bindings`
   * (quotes, escapes and separators included), what Snowflake's ~1 MB statement limit is held to.
   */
  statementBytes: number;
  /** Bytes of the whole request body (uncompressed), the statement plus the driver's other fields. */
  requestBytes: number;
  /** Set when the driver sent the binds through a stage (`bindStage`) instead of inline. */
  bindStage: string | undefined;
  /** Time fakesnow took to answer it. */
  durationMs: number;
}

export interface ObservedLogin {
  authenticator: string | undefined;
  /** The key-pair JWT, when the driver logged in with SNOWFLAKE_JWT. */
  jwt: string | undefined;
  queryTag: string | undefined;
}

export interface DriverShim {
  /** Where the driver should connect. */
  host: string;
  port: number;
  /** Statements seen so far, in order. */
  statements: ObservedStatement[];
  /** Each login request, as the driver sent it. */
  logins: ObservedLogin[];
  /** Failures of the shim itself (also answered to the driver as a failed query, so it does not retry). */
  errors: string[];
  close(): Promise<void>;
}

export async function startDriverShim(upstreamPort: number): Promise<DriverShim> {
  const statements: ObservedStatement[] = [];
  const logins: ObservedLogin[] = [];
  const errors: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      handle(req, body)
        .then(({ status, headers, payload }) => {
          res.writeHead(status, headers);
          res.end(payload);
        })
        .catch((err: unknown) => {
          errors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
          // HTTP 200 with success=false: the driver reports the message at once instead of retrying
          // a 5xx for minutes and then saying only "Request to Snowflake failed".
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ success: false, code: '000502', message: `test shim failed: ${String(err)}`, data: { errorCode: '000502' } }),
          );
        });
    });
  });

  async function handle(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; payload: Buffer | string }> {
    const url = req.url ?? '/';
    if (url.startsWith('/telemetry/send')) {
      return { status: 200, headers: { 'content-type': 'application/json' }, payload: '{"success":true}' };
    }
    const observed =
      url.startsWith('/queries/v1/query-request') || url.startsWith('/session/v1/login-request')
        ? observe(url, req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body)
        : undefined;
    const started = performance.now();
    const upstream = await forward(upstreamPort, req, body);
    if (observed) observed.durationMs = performance.now() - started;
    if (!url.startsWith('/queries/v1/query-request')) return upstream;
    const answer = JSON.parse(upstream.payload.toString('utf8')) as { data?: Record<string, unknown> | null };
    if (answer.data) adaptQueryAnswer(answer.data);
    const headers = { ...upstream.headers };
    delete headers['content-length'];
    return { status: upstream.status, headers, payload: JSON.stringify(answer) };
  }

  function observe(url: string, body: Buffer): ObservedStatement | undefined {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the driver's request bodies are untyped JSON read field by field below
    const json = JSON.parse(body.toString('utf8')) as Record<string, any>;
    if (url.startsWith('/session/v1/login-request')) {
      logins.push({
        authenticator: json.data?.AUTHENTICATOR,
        jwt: json.data?.TOKEN,
        queryTag: json.data?.SESSION_PARAMETERS?.QUERY_TAG,
      });
      return undefined;
    }
    const first = json.bindings?.['1']?.value;
    // The driver serialises the request with JSON.stringify, so re-serialising the parsed parts gives
    // back exactly the bytes it sent for them.
    const statementBytes =
      Buffer.byteLength(JSON.stringify(json.sqlText), 'utf8') +
      (json.bindings ? Buffer.byteLength(JSON.stringify(json.bindings), 'utf8') : 0);
    const statement = {
      sqlText: json.sqlText as string,
      boundRows: Array.isArray(first) ? first.length : json.bindings ? 1 : 0,
      statementBytes,
      requestBytes: body.length,
      bindStage: typeof json.bindStage === 'string' ? json.bindStage : undefined,
      durationMs: 0,
    };
    statements.push(statement);
    return statement;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    statements,
    logins,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function adaptQueryAnswer(data: Record<string, unknown>): void {
  if (typeof data.rowsetBase64 === 'string' && Array.isArray(data.rowtype)) {
    data.rowset = arrowToJsonRowset(data.rowsetBase64, data.rowtype as RowtypeColumn[]);
    data.queryResultFormat = 'json';
    delete data.rowsetBase64;
  }
  if (Array.isArray(data.rowset) && typeof data.returned !== 'number') data.returned = data.rowset.length;
}

function forward(
  upstreamPort: number,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
    const upstreamReq = http.request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers },
      (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => chunks.push(c));
        upstreamRes.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(upstreamRes.headers)) if (typeof v === 'string') out[k] = v;
          resolve({ status: upstreamRes.statusCode ?? 502, headers: out, payload: Buffer.concat(chunks) });
        });
        upstreamRes.on('error', reject);
      },
    );
    upstreamReq.on('error', reject);
    upstreamReq.end(body);
  });
}
