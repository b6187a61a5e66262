/**
 * Airbyte's source-zendesk-support (PyPI), unchanged, checks, discovers and reads a few streams from
 * the emulator; its records are compared with the ground truth like tap-zendesk's
 * (bench/otherConnectors.ts, which runs this with `--connector airbyte`).
 *
 * Redirect: the same CONNECT proxy and TLS front for *.zendesk.com as for the tap. One difference:
 * the Airbyte CDK sends prepared requests, so `requests` never reads REQUESTS_CA_BUNDLE and uses
 * certifi's bundle; the run's throwaway CA is appended to the bundle of the connector's own venv
 * (.tools/airbyte-zendesk-venv) for the run and the bundle is restored afterwards.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulatorProcess, type EmulatorProcess } from './emulatorProcess';
import { compareWithTruth, makeCertificates, startRedirect, TAP_SUBDOMAIN, type StreamComparison, type TapRun } from './otherConnectors';

const projectRoot = path.resolve(__dirname, '..');

/** Streams compared: Airbyte's streams that carry one of our tables under the same name. */
export const DEFAULT_AIRBYTE_STREAMS = [
  'tickets',
  'users',
  'organizations',
  'groups',
  'ticket_fields',
  'group_memberships',
  'organization_memberships',
  'satisfaction_ratings',
  'ticket_skips',
  'audit_logs',
];

export function airbyteVenv(): string {
  return process.env.ZS_AIRBYTE_ZENDESK_VENV ?? path.join(projectRoot, '.tools', 'airbyte-zendesk-venv');
}

export function airbyteInstalled(): boolean {
  return existsSync(path.join(airbyteVenv(), 'bin', 'source-zendesk-support'));
}

export function installAirbyte(): string {
  const out = execFileSync('bash', [path.join(projectRoot, 'scripts', 'airbyte-zendesk.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').at(-1)!;
}

async function runConnector(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(path.join(airbyteVenv(), 'bin', 'source-zendesk-support'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', () => {});
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`source-zendesk-support ${args[0]} exited ${code}:\n${out.split('\n').slice(-15).join('\n')}`);
  return out;
}

/** One line of the Airbyte protocol, read field by field (the connector's output is untyped JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AirbyteMessage = Record<string, any>;

const messages = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AirbyteMessage);

export async function runAirbyteAgainstEmulator(
  opts: { tickets?: number; streams?: string[]; log?: (line: string) => void } = {},
): Promise<TapRun> {
  const log = opts.log ?? (() => {});
  const tickets = opts.tickets ?? 300;
  const wanted = opts.streams ?? DEFAULT_AIRBYTE_STREAMS;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zs-airbyte-zendesk-'));
  const python = path.join(airbyteVenv(), 'bin', 'python');
  const bundle = execFileSync(python, ['-c', 'import certifi; print(certifi.where())'], { encoding: 'utf8' }).trim();
  const original = readFileSync(bundle);
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
      '--no-rate-limits',
    ]);
    const tls = makeCertificates(dir);
    writeFileSync(bundle, Buffer.concat([original, Buffer.from('\n'), readFileSync(tls.caPem)]));
    redirect = await startRedirect(emulator.baseUrl, tls);
    const configPath = path.join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        subdomain: TAP_SUBDOMAIN,
        start_date: '2000-01-01T00:00:00Z',
        credentials: { credentials: 'api_token', email: emulator.admin.email, api_token: emulator.admin.apiToken },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HTTPS_PROXY: redirect.proxyUrl,
      https_proxy: redirect.proxyUrl,
      NO_PROXY: '',
    };

    log(`  source-zendesk-support check against ${emulator.baseUrl} (as https://${TAP_SUBDOMAIN}.zendesk.com)...`);
    const status = messages(await runConnector(['check', '--config', configPath], env)).find((m) => m.type === 'CONNECTION_STATUS');
    if (status?.connectionStatus?.status !== 'SUCCEEDED') {
      throw new Error(
        `Airbyte's check failed: ${JSON.stringify(status?.connectionStatus)}; answers other than 200: ${redirect.refused.join(', ') || 'none'}`,
      );
    }
    const catalog = messages(await runConnector(['discover', '--config', configPath], env)).find((m) => m.type === 'CATALOG')!.catalog as {
      streams: Array<{ name: string; supported_sync_modes: string[] }>;
    };
    const discovered = catalog.streams.map((s) => s.name);
    const configured = {
      streams: catalog.streams
        .filter((s) => wanted.includes(s.name))
        .map((s) => ({
          stream: s,
          sync_mode: s.supported_sync_modes.includes('incremental') ? 'incremental' : 'full_refresh',
          destination_sync_mode: 'append',
        })),
    };
    const catalogPath = path.join(dir, 'configured_catalog.json');
    writeFileSync(catalogPath, JSON.stringify(configured));
    log(`  source-zendesk-support read of ${wanted.join(', ')}...`);
    const read = messages(await runConnector(['read', '--config', configPath, '--catalog', catalogPath], env));
    const byStream = new Map<string, Array<Record<string, unknown>>>();
    for (const m of read) {
      if (m.type !== 'RECORD') continue;
      if (!byStream.has(m.record.stream)) byStream.set(m.record.stream, []);
      byStream.get(m.record.stream)!.push(m.record.data);
    }
    const streams: StreamComparison[] = [];
    for (const stream of wanted) {
      const { rows } = (await emulator.adminApi('GET', `ground-truth/${stream}`)) as { rows: Array<Record<string, unknown>> };
      streams.push(compareWithTruth(stream, byStream.get(stream) ?? [], rows));
    }
    const ok = streams.every((s) => s.missing.length === 0 && s.extra.length === 0 && s.stale.length === 0);
    const problems = read
      .filter((m) => m.type === 'LOG' && m.log.level !== 'INFO' && m.log.level !== 'DEBUG')
      .map((m) => `${m.log.level} ${String(m.log.message).slice(0, 200)}`);
    return { streams, discovered, requests: { ...redirect.requests }, ok, logTail: problems.slice(-10).join('\n') };
  } finally {
    writeFileSync(bundle, original);
    await redirect?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
