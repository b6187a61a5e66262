/**
 * Starts `temporal server start-dev` from the project's Temporal CLI: used by the quick start and
 * by the tests, so both exercise the same server a user runs. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { findTemporalCli } from './temporalCli';
import { freePort } from './freePort';
import { searchAttributeArgs } from '../workflows/searchAttributes';

export interface DevServerOptions {
  /** gRPC port; 0 (default) picks a free one. */
  port?: number;
  /** Web UI port; 0 picks a free one; `null` runs headless. Default: port + 1000 when port is fixed, else free. */
  uiPort?: number | null;
  /** Persist workflows across restarts in this SQLite file (default: in memory). */
  dbFilename?: string;
  binary?: string;
  /** Where the server's own log lines go (default: discarded). */
  logFile?: NodeJS.WritableStream;
  /**
   * Register zendesk-sync's search attributes on the command line (default true). Tests that prove
   * the worker and client register them themselves, as against a plain `temporal server start-dev`,
   * pass false.
   */
  registerSearchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = options.binary ?? findTemporalCli();
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === null ? null : options.uiPort || (options.port ? port + 1000 : await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.registerSearchAttributes ?? true) args.push(...searchAttributeArgs());

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    options.logFile?.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited (${child.exitCode}): ${output}`);
    if ((await isListening(port)) && (uiPort === null || (await isListening(uiPort)))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not listen on ${port} within 60 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
