// Ports picked for our own servers stay ours until the picking process exits: outside the kernel's
// ephemeral range (so no outgoing connection takes one while it is released between a demo's runs),
// and reserved across processes (so two test files running in parallel never get the same one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, reservePort } from '../../runtime/freePort';

const projectRoot = path.resolve(__dirname, '../..');

/** A process that picks `count` ports, prints them as one JSON line and holds them until its stdin closes. */
function portPicker(count: number): { child: ChildProcess; ports: Promise<number[]> } {
  const script = `
    const { freePort } = require(${JSON.stringify(path.join(projectRoot, 'runtime/freePort.ts'))});
    (async () => {
      const ports = [];
      for (let i = 0; i < ${count}; i++) ports.push(await freePort());
      process.stdout.write(JSON.stringify(ports) + '\\n');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));
    })();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`port picker exited with ${code} before printing`)));
  });
  return { child, ports };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

test('a picked port and its Web UI companion (port + 1000) lie below the ephemeral range and can be bound', async () => {
  const port = await freePort();
  assert.ok(port + 1000 < ephemeralLow(), `${port} + 1000 is not below ${ephemeralLow()}`);
  for (const candidate of [port, port + 1000]) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(candidate, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  }
  assert.notEqual(await freePort(), port, 'a process is never handed the same port twice');
});

test('two processes picking many ports at once never get the same one', async () => {
  // 2 × 300 random picks among ~11,000 ports would collide almost surely without the reservations.
  const pickers = [portPicker(300), portPicker(300)];
  try {
    const [first, second] = await Promise.all(pickers.map((p) => p.ports));
    const taken = new Set<number>();
    for (const port of [...first!, ...second!]) {
      assert.ok(!taken.has(port) && !taken.has(port + 1000), `port ${port} handed out twice`);
      taken.add(port);
      taken.add(port + 1000);
    }
  } finally {
    for (const { child } of pickers) child.stdin!.end();
    await Promise.all(pickers.map((p) => exited(p.child)));
  }
});

test("a live process's reservation is respected; a dead process's is taken over", async () => {
  const picker = portPicker(1);
  let port: number | undefined;
  try {
    [port] = await picker.ports;
    assert.equal(reservePort(port!), false, 'held by a live process');
  } finally {
    picker.child.stdin!.end();
    await exited(picker.child);
  }
  // The picker released its ports on exit; a process killed outright leaves its lock file behind,
  // which the next reservation breaks because its pid is gone.
  assert.equal(reservePort(port!), true, 'free again once its holder is gone');
});

test('a lock file left by a killed process is broken', async () => {
  const picker = portPicker(1);
  const [port] = await picker.ports;
  picker.child.kill('SIGKILL');
  await exited(picker.child);
  assert.equal(reservePort(port!), true);
});
