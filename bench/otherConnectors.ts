/**
 * Another connector, unchanged, against the emulator: Singer's tap-zendesk (PyPI) discovers and syncs
 * a few streams from an emulated account, and its records are compared with the emulator's ground
 * truth (ids and updated_at per stream).
 *
 *   npx tsx bench/otherConnectors.ts [--connector tap|airbyte|all] [--tickets 300] [--streams tickets,users,...] [--keep <dir>]
 *   (npm run bench:other-connectors -- …; --connector airbyte runs Airbyte's source-zendesk-support,
 *   bench/airbyteZendesk.ts, installed by scripts/airbyte-zendesk.sh)
 *
 * Installs the tap first (`bash scripts/tap-zendesk.sh`, into .tools/tap-zendesk-venv; set
 * ZS_TAP_ZENDESK_VENV for another place). Exits non-zero when a record is missing, extra or stale.
 * `ZS_OTHER_CONNECTORS=1 node --import tsx --test test/bench/` runs the same as a test.
 *
 * How the tap reaches the emulator without a change to its code or config format: its URLs are
 * hard-wired to `https://{subdomain}.zendesk.com` (zenpy's and its own), so the subdomain stays
 * `emulator` and only the network is redirected, through settings `requests` honours:
 *  - `HTTPS_PROXY=http://127.0.0.1:<port>`: a CONNECT proxy started here that tunnels
 *    `*.zendesk.com:443` (and nothing else) to a local TLS front, which forwards each request to the
 *    emulator with its Host header (`emulator.zendesk.com`) unchanged;
 *  - `REQUESTS_CA_BUNDLE=<ca.pem>`: the front's certificate for `*.zendesk.com` is signed by a
 *    throwaway CA made with openssl for this run, trusted by this process only;
 *  - the emulator writes its next links on `https://emulator.zendesk.com` (canonical base URL), as
 *    Zendesk writes them on the account's host, so followed links take the same path.
 * No hosts file, no DNS, nothing machine-wide; a CONNECT to any other host is refused, so nothing
 * leaves the machine. Limit: the tap fetches ticket_audits and ticket_comments with aiohttp, which
 * ignores proxy settings, so those two streams are not selected.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { formatTable } from '../cli/table';
import { startEmulatorProcess, type EmulatorProcess } from './emulatorProcess';

const projectRoot = path.resolve(__dirname, '..');
export const TAP_SUBDOMAIN = 'emulator';
/** The tap's start_date: the whole emulated history. */
const START_DATE = '2000-01-01T00:00:00Z';

/**
 * Streams compared by default: every tap stream the emulator serves and the tap fetches through
 * `requests` (ticket_metrics rides on the ticket export as each ticket's `metric_set`).
 */
export const DEFAULT_TAP_STREAMS = [
  'tickets',
  'ticket_metrics',
  'users',
  'organizations',
  'groups',
  'ticket_fields',
  'ticket_forms',
  'group_memberships',
  'satisfaction_ratings',
];

export function tapVenv(): string {
  return process.env.ZS_TAP_ZENDESK_VENV ?? path.join(projectRoot, '.tools', 'tap-zendesk-venv');
}

export function tapExecutable(): string {
  return path.join(tapVenv(), 'bin', 'tap-zendesk');
}

export function tapInstalled(): boolean {
  return existsSync(tapExecutable());
}

/** Installs the tap when missing (idempotent); returns its executable. */
export function installTap(): string {
  const out = execFileSync('bash', [path.join(projectRoot, 'scripts', 'tap-zendesk.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').at(-1)!;
}

export interface StreamComparison {
  stream: string;
  tapRecords: number;
  /** Distinct ids the tap emitted. */
  tapIds: number;
  truthRows: number;
  missing: number[];
  extra: number[];
  /** Ids whose newest emitted updated_at differs from the ground truth's. */
  stale: number[];
  /** Ground-truth rows the tap leaves out by its own design (not compared), e.g. deleted tickets' metrics. */
  leftOutByDesign?: number;
}

export interface TapRun {
  streams: StreamComparison[];
  /** Streams in the tap's discovered catalog (what its connection check found available). */
  discovered: string[];
  /** Requests the tap sent through the proxy, by path (query left out). */
  requests: Record<string, number>;
  ok: boolean;
  logTail: string;
}

/** A throwaway CA and a certificate for *.zendesk.com signed by it (openssl). */
export function makeCertificates(dir: string): { caPem: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=zendesk-sync emulator test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${TAP_SUBDOMAIN}.zendesk.com`);
  writeFileSync(
    path.join(dir, 'server.ext'),
    `subjectAltName=DNS:${TAP_SUBDOMAIN}.zendesk.com,DNS:*.zendesk.com\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  return {
    caPem: path.join(dir, 'ca.pem'),
    key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
  };
}

const listen = async (server: Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
};

/**
 * The redirect: a CONNECT proxy for *.zendesk.com:443 in front of a TLS server that forwards every
 * request to the emulator (Host header kept). Counts requests by path.
 */
export async function startRedirect(emulatorBaseUrl: string, tls: { key: string; cert: string }) {
  const upstream = new URL(emulatorBaseUrl);
  const requests: Record<string, number> = {};
  /** Answers other than 200, e.g. `404 GET /api/v2/macros` for an endpoint the emulator lacks. */
  const refused: string[] = [];
  const front = createHttpsServer(tls, (req, res) => {
    const pathOnly = (req.url ?? '/').split('?')[0]!;
    requests[pathOnly] = (requests[pathOnly] ?? 0) + 1;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (answer.statusCode !== 200) refused.push(`${answer.statusCode} GET ${pathOnly}`);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const frontPort = await listen(front);
  const proxy = createHttpServer((_req, res) => {
    res.writeHead(405).end('CONNECT only');
  });
  proxy.on('connect', (req, socket, head) => {
    const [host, port] = (req.url ?? '').split(':');
    if (!host || !/^[a-z0-9-]+\.zendesk\.com$/i.test(host) || port !== '443') {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const tunnel = connect(frontPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) tunnel.write(head);
      tunnel.pipe(socket);
      socket.pipe(tunnel);
    });
    tunnel.on('error', () => socket.destroy());
    socket.on('error', () => tunnel.destroy());
  });
  const proxyPort = await listen(proxy);
  return {
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    requests,
    refused,
    async close() {
      proxy.closeAllConnections();
      front.closeAllConnections();
      await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => front.close(r))]);
    },
  };
}

/** Runs the tap; resolves with its stdout (Singer messages) and stderr (its log). */
async function runTap(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(tapExecutable(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`tap-zendesk ${args.join(' ')} exited ${code}:\n${stderr.split('\n').slice(-25).join('\n')}`);
  return { stdout, stderr };
}

const epochMs = (value: unknown): number | null => (typeof value === 'string' && value ? Date.parse(value) : null);

/** The tap's records of each stream against the ground truth of the table of the same name. */
export function compareWithTruth(
  stream: string,
  records: Array<Record<string, unknown>>,
  truth: Array<Record<string, unknown>>,
): StreamComparison {
  const newest = new Map<number, number | null>();
  for (const r of records) {
    const id = Number(r.id);
    const at = epochMs(r.updated_at);
    const seen = newest.get(id);
    if (seen === undefined || (at !== null && (seen === null || at > seen))) newest.set(id, at);
  }
  const truthById = new Map(truth.map((row) => [Number(row.id), epochMs(row.updated_at)]));
  const missing = [...truthById.keys()].filter((id) => !newest.has(id)).sort((a, b) => a - b);
  const extra = [...newest.keys()].filter((id) => !truthById.has(id)).sort((a, b) => a - b);
  const stale = [...newest.entries()]
    .filter(([id, at]) => truthById.has(id) && truthById.get(id) !== at)
    .map(([id]) => id)
    .sort((a, b) => a - b);
  return { stream, tapRecords: records.length, tapIds: newest.size, truthRows: truth.length, missing, extra, stale };
}

export async function runTapAgainstEmulator(
  opts: { tickets?: number; streams?: string[]; keepDir?: string; log?: (line: string) => void } = {},
): Promise<TapRun> {
  const log = opts.log ?? (() => {});
  const tickets = opts.tickets ?? 300;
  const wanted = opts.streams ?? DEFAULT_TAP_STREAMS;
  const dir = opts.keepDir ?? mkdtempSync(path.join(os.tmpdir(), 'zs-tap-zendesk-'));
  let emulator: EmulatorProcess | undefined;
  let redirect: Awaited<ReturnType<typeof startRedirect>> | undefined;
  try {
    emulator = await startEmulatorProcess([
      '--seed',
      '11',
      '--tickets',
      String(tickets),
      '--users',
      String(Math.max(30, tickets / 10)),
      '--organizations',
      String(Math.max(5, tickets / 50)),
      '--subdomain',
      TAP_SUBDOMAIN,
      '--canonical-base-url',
      `https://${TAP_SUBDOMAIN}.zendesk.com`,
      // tap-zendesk reads each ticket's `metric_set` (the embedded form of include=metric_sets).
      '--quirks',
      JSON.stringify({ metricSetsShape: 'embedded' }),
      '--no-rate-limits',
    ]);
    const { accessToken } = (await emulator.adminApi('POST', 'oauth/token', { scope: 'read' })) as { accessToken: string };
    const tls = makeCertificates(dir);
    redirect = await startRedirect(emulator.baseUrl, tls);
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ subdomain: TAP_SUBDOMAIN, access_token: accessToken, start_date: START_DATE }));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HTTPS_PROXY: redirect.proxyUrl,
      https_proxy: redirect.proxyUrl,
      REQUESTS_CA_BUNDLE: tls.caPem,
      NO_PROXY: '',
    };

    log(`  tap-zendesk --discover against ${emulator.baseUrl} (as https://${TAP_SUBDOMAIN}.zendesk.com)...`);
    const discovery = await runTap(['--config', configPath, '--discover'], env).catch((err: Error) => {
      throw new Error(
        `tap-zendesk's discovery (its connection check) failed; answers other than 200: ${redirect!.refused.join(', ') || 'none'}\n${err.message}`,
      );
    });
    const catalog = JSON.parse(discovery.stdout) as {
      streams: Array<{ tap_stream_id: string; metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }> }>;
    };
    const discovered = catalog.streams.map((s) => s.tap_stream_id);
    for (const stream of catalog.streams) {
      const root = stream.metadata.find((m) => m.breadcrumb.length === 0);
      if (root && wanted.includes(stream.tap_stream_id)) root.metadata.selected = true;
    }
    const catalogPath = path.join(dir, 'catalog.json');
    writeFileSync(catalogPath, JSON.stringify(catalog));

    log(`  tap-zendesk sync of ${wanted.join(', ')}...`);
    const sync = await runTap(['--config', configPath, '--catalog', catalogPath], env);
    writeFileSync(path.join(dir, 'tap-output.jsonl'), sync.stdout);
    const byStream = new Map<string, Array<Record<string, unknown>>>();
    for (const line of sync.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const message = JSON.parse(line) as { type: string; stream?: string; record?: Record<string, unknown> };
      if (message.type !== 'RECORD' || !message.stream || !message.record) continue;
      if (!byStream.has(message.stream)) byStream.set(message.stream, []);
      byStream.get(message.stream)!.push(message.record);
    }
    const truthOf = async (table: string) =>
      ((await emulator!.adminApi('GET', `ground-truth/${table}`)) as { rows: Array<Record<string, unknown>> }).rows;
    const deletedTickets = new Set((await truthOf('tickets')).filter((t) => t.status === 'deleted').map((t) => Number(t.id)));
    const streams: StreamComparison[] = [];
    for (const stream of wanted) {
      let rows = await truthOf(stream);
      let leftOutByDesign = 0;
      if (stream === 'ticket_metrics') {
        // The tap emits no metric set for a deleted ticket (streams.py: "Skip deleted tickets"),
        // by design: those rows are expected to be absent, and counted apart.
        const kept = rows.filter((r) => !deletedTickets.has(Number(r.ticket_id)));
        leftOutByDesign = rows.length - kept.length;
        rows = kept;
      }
      streams.push({ ...compareWithTruth(stream, byStream.get(stream) ?? [], rows), leftOutByDesign });
    }
    const ok = streams.every((s) => s.missing.length === 0 && s.extra.length === 0 && s.stale.length === 0);
    return { streams, discovered, requests: { ...redirect.requests }, ok, logTail: sync.stderr.split('\n').slice(-10).join('\n') };
  } finally {
    await redirect?.close();
    await emulator?.close();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

const sample = (ids: number[]) => (ids.length ? `${ids.length} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` : '0');

export function formatTapRun(run: TapRun): string {
  const table = formatTable(
    ['stream', 'records', 'distinct ids', 'ground truth', 'missing', 'extra', 'stale updated_at', 'not emitted by design'],
    run.streams.map((s) => [
      s.stream,
      String(s.tapRecords),
      String(s.tapIds),
      String(s.truthRows),
      sample(s.missing),
      sample(s.extra),
      sample(s.stale),
      String(s.leftOutByDesign ?? 0),
    ]),
  );
  const requests = Object.entries(run.requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, n]) => `  ${n} × GET ${p}`)
    .join('\n');
  return `${table}\n\nrequests the tap sent (discovery and sync):\n${requests}\n\n${run.ok ? 'every record equals the ground truth' : 'MISMATCH: see missing, extra or stale above'}`;
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const connector = arg('--connector') ?? 'tap';
  if (!['tap', 'airbyte', 'all'].includes(connector)) throw new Error('--connector takes tap, airbyte or all');
  const tickets = arg('--tickets') ? Number(arg('--tickets')) : undefined;
  const streams = arg('--streams')?.split(',');
  if (connector !== 'airbyte') {
    console.log(`tap-zendesk: ${installTap()}`);
    const run = await runTapAgainstEmulator({ tickets, streams, keepDir: arg('--keep'), log: console.log });
    console.log(`\ndiscovered streams: ${run.discovered.join(', ')}\n`);
    console.log(formatTapRun(run));
    if (!run.ok) process.exitCode = 1;
  }
  if (connector !== 'tap') {
    // Loaded only when asked: the Airbyte runner needs its own venv.
    const airbyte = await import('./airbyteZendesk');
    console.log(`\nAirbyte source-zendesk-support: ${airbyte.installAirbyte()}`);
    const run = await airbyte.runAirbyteAgainstEmulator({ tickets, streams, log: console.log });
    console.log(`\ndiscovered streams: ${run.discovered.join(', ')}\n`);
    console.log(formatTapRun(run).replace('requests the tap sent', 'requests the connector sent'));
    if (run.logTail) console.log(`\nits warnings and errors:\n${run.logTail}`);
    if (!run.ok) process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
