/**
 * Free loopback ports for servers we start ourselves (dev servers, emulators, OAuth callbacks).
 *
 * Why not just bind port 0: the kernel hands out port-0 binds and every outgoing connection's local
 * port from its ephemeral range, so a port picked that way, released, and bound again later (a
 * restarted demo must find its emulator at the same URL; a child process binds what its parent picked)
 * can meanwhile be taken by any process's outgoing connection, and the bind fails with EADDRINUSE.
 * So ports are picked below the ephemeral range, where the kernel never assigns on its own, and each is
 * reserved across this machine's processes by a lock file holding the owner's pid, so two test files
 * running in parallel never get the same port. A reservation lasts while its process lives.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const RESERVATIONS_DIR = path.join(os.tmpdir(), 'zendesk-sync-ports');
const LOWEST_PORT = 20_000;
/**
 * Reserved with every port handed out, because callers use it too: the dev server puts its Web UI at
 * gRPC port + 1000, as `temporal server start-dev` does by default.
 */
const COMPANION_OFFSET = 1_000;
/** Linux's default; macOS and Windows start theirs higher still. */
const DEFAULT_EPHEMERAL_LOW = 32_768;

const reservedHere = new Set<number>();

export async function freePort(): Promise<number> {
  const highest = ephemeralLow() - COMPANION_OFFSET - 1;
  if (highest - LOWEST_PORT < 1_000) return kernelPickedPort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (highest - LOWEST_PORT + 1));
    const companion = port + COMPANION_OFFSET;
    if (reservedHere.has(port) || reservedHere.has(companion)) continue;
    if (!reservePort(port)) continue;
    if (!reservePort(companion)) {
      release(port);
      continue;
    }
    if ((await canListen(port)) && (await canListen(companion))) return port;
    release(port);
    release(companion);
  }
  throw new Error(`no free port between ${LOWEST_PORT} and ${highest} after 200 tries`);
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? Math.min(low, DEFAULT_EPHEMERAL_LOW) : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Takes the port's lock file, or a dead process's; false when a live process holds it. */
export function reservePort(port: number): boolean {
  mkdirSync(RESERVATIONS_DIR, { recursive: true });
  const file = path.join(RESERVATIONS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      reservedHere.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (holderAlive(file)) return false;
      try {
        unlinkSync(file);
      } catch {
        // Another process broke the same stale lock first; the exclusive create below decides. (Two
        // processes breaking one stale lock in the same instant could both win; that needs both to
        // draw the same dead process's port at once, among thousands.)
      }
    }
  }
  return false;
}

function holderAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return true; // being written or just removed: leave it to its writer
  }
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written: not yet holding a pid
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function release(port: number): void {
  reservedHere.delete(port);
  try {
    unlinkSync(path.join(RESERVATIONS_DIR, String(port)));
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const port of [...reservedHere]) release(port);
});

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function kernelPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
