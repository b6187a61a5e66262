/**
 * The emulator in a process of its own, for benchmarks: real Zendesk is another machine, so its
 * response rendering must not share the worker's thread (it would hide or fake overlap of fetching
 * and writing, and it would count in the worker's memory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';

export interface EmulatorProcess {
  baseUrl: string;
  admin: { email: string; apiToken: string };
  /** Basic auth header for the admin user. */
  authorization: string;
  process: ChildProcess;
  /** POST/PUT/GET on the admin API (`/__admin/...`). */
  adminApi(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

const projectRoot = path.resolve(__dirname, '..');

/** Starts `emulator/cli.ts` on a free port with these CLI options (e.g. `['--tickets', '1000']`). */
export async function startEmulatorProcess(args: string[], options: { maxOldSpaceMb?: number } = {}): Promise<EmulatorProcess> {
  const nodeArgs = ['--import', 'tsx'];
  if (options.maxOldSpaceMb) nodeArgs.push(`--max-old-space-size=${options.maxOldSpaceMb}`);
  const child = spawn(process.execPath, [...nodeArgs, path.join(projectRoot, 'emulator/cli.ts'), '--port', '0', ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let baseUrl: string | undefined;
  let admin: { email: string; apiToken: string } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator process exited (${code}) before it was ready`)));
    lines.on('line', (line) => {
      const listening = /listening at (\S+)/.exec(line);
      if (listening) baseUrl = listening[1];
      const adminLine = /^\s*admin:\s+(\S+) \/ API token (\S+)/.exec(line);
      if (adminLine) admin = { email: adminLine[1]!, apiToken: adminLine[2]! };
      if (baseUrl && admin) resolve();
    });
  });
  await ready;
  const url = baseUrl!;
  const credentials = admin!;
  return {
    baseUrl: url,
    admin: credentials,
    authorization: `Basic ${Buffer.from(`${credentials.email}/token:${credentials.apiToken}`).toString('base64')}`,
    process: child,
    async adminApi(method, route, body) {
      const res = await request(`${url}/__admin/${route}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`emulator admin ${method} ${route}: ${res.statusCode} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : undefined;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
