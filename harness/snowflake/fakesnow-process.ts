/**
 * Runs fakesnow's HTTP server (a Snowflake emulator on DuckDB) as a child process on a free
 * loopback port, from the venv that `scripts/fakesnow.sh` installs, through `fakesnow_server.py`
 * (which fixes one fakesnow bug in memory unless `unpatched`). Its databases live in memory and
 * vanish when the process stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONDITION_WAIT_MS } from '../conditionWait';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FAKESNOW_PYTHON = path.join(REPO_ROOT, '.tools', 'fakesnow-venv', 'bin', 'python');

/** Whether `bash scripts/fakesnow.sh` has installed the venv (optional parts such as the benchmark check). */
export function fakesnowInstalled(): boolean {
  return existsSync(FAKESNOW_PYTHON);
}

export interface FakesnowServer {
  /** Base URL of fakesnow itself, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Everything the server has logged so far (uvicorn access log and fakesnow's own messages). */
  log(): string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = CONDITION_WAIT_MS;

const LAUNCHER = path.join(__dirname, 'fakesnow_server.py');

export async function startFakesnow(options: { unpatched?: boolean } = {}): Promise<FakesnowServer> {
  if (!existsSync(FAKESNOW_PYTHON)) {
    throw new Error(`fakesnow is not installed (${FAKESNOW_PYTHON} is missing). Run: bash scripts/fakesnow.sh`);
  }
  // No -p: fakesnow binds a free port itself and uvicorn logs it, so there is no race between
  // choosing a port here and the child binding it.
  const args = [LAUNCHER, ...(options.unpatched ? ['--unpatched'] : []), '-s', '--host', '127.0.0.1'];
  const child = spawn(FAKESNOW_PYTHON, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fakesnow did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /Uvicorn running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fakesnow exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  // Keep draining its output (a full pipe would block the server), but only the tail is kept.
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.removeAllListeners('data').on('data', keepTail);
  child.stderr!.removeAllListeners('data').on('data', keepTail);
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => output,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // fakesnow's CLI shuts uvicorn down cleanly on SIGINT; SIGKILL if it does not within 5 s.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
