// `npm start -- --once` as a user runs it without a terminal (plain progress lines): it starts its
// own dev server, the emulator and a worker in a fresh data directory, and the rows it prints per
// table are what the SQLite warehouse holds. Started again with other settings it replaces the
// running source (and says so) instead of silently keeping the old settings; started again with
// the same settings it runs one new cycle of the same source and prints that cycle's numbers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { isListening, startDevServer } from '../../runtime/devServer';
import { freePort } from '../../runtime/freePort';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const projectRoot = path.resolve(__dirname, '../..');
const SOURCE = 'zendesk_demo';
let dataDir: string;
let temporalPort: number;
let emulatorPort: number;

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'zs-quickstart-'));
  temporalPort = await freePort();
  emulatorPort = await freePort();
});
after(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function quickstart(extraArgs: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env = { ...process.env };
  // The demo, not a real account, and its own dev server, not one the caller may have configured.
  for (const key of Object.keys(env))
    if (key.startsWith('ZENDESK_') || key === 'TEMPORAL_ADDRESS' || key === 'TEMPORAL_NAMESPACE') delete env[key];
  const args = [
    '--once',
    '--data-dir',
    dataDir,
    '--temporal-port',
    String(temporalPort),
    '--emulator-port',
    String(emulatorPort),
    '--tickets',
    '150',
    ...extraArgs,
  ];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'quickstart.ts'), ...args],
      { cwd: projectRoot, env: { ...env, ...extraEnv }, timeout: CONDITION_WAIT_MS },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The "table  rows  synced this cycle  note" block the quick start prints. */
function printedTable(stdout: string): Map<string, { rows: number; syncedThisCycle: string; note: string }> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^table\s+rows\s+synced this cycle\s+note$/.test(l));
  assert.ok(header >= 0, `no rows table in:\n${stdout}`);
  const widths = lines[header + 1]!.split('  ').map((dashes) => dashes.length);
  const out = new Map<string, { rows: number; syncedThisCycle: string; note: string }>();
  for (const line of lines.slice(header + 2)) {
    if (!line.trim()) break;
    const cells: string[] = [];
    let at = 0;
    for (const width of widths) {
      cells.push(line.slice(at, at + width).trim());
      at += width + 2;
    }
    out.set(cells[0]!, { rows: Number(cells[1]), syncedThisCycle: cells[2]!, note: cells[3] ?? '' });
  }
  return out;
}

function warehouseCounts(tables: Iterable<string>): Map<string, number> {
  const db = new Database(path.join(dataDir, 'warehouse', `${SOURCE}.sqlite`), { readonly: true });
  try {
    const counts = new Map<string, number>();
    for (const table of tables) {
      const exists = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table);
      counts.set(table, exists ? (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n : 0);
    }
    return counts;
  } finally {
    db.close();
  }
}

function assertPrintedRowsMatchWarehouse(run: Run): Map<string, { rows: number; syncedThisCycle: string; note: string }> {
  const table = printedTable(run.stdout);
  const counts = warehouseCounts(table.keys());
  for (const [name, printed] of table)
    assert.equal(printed.rows, counts.get(name), `${name}: printed ${printed.rows}, SQLite holds ${counts.get(name)}`);
  return table;
}

function cycleNumber(stdout: string): number {
  const match = /\nCycle (\d+): (\d+) rows in /.exec(stdout);
  assert.ok(match, `no cycle line in:\n${stdout}`);
  return Number(match[1]);
}

test('a fresh --once run prints the rows each table holds in SQLite', async () => {
  const run = await quickstart(['--interval-seconds', '3600']);
  assert.equal(run.code, 0, `quick start failed:\n${run.stderr}\n${run.stdout}`);
  assert.match(run.stdout, /Zendesk emulator at http:\/\/127\.0\.0\.1:\d+ \(150 tickets\)/);
  assert.match(run.stdout, new RegExp(`watch it at http://127\\.0\\.0\\.1:${temporalPort + 1000}/namespaces/default/workflows`));
  assert.match(run.stdout, /^tickets: (queued|checking|running|done)/m, 'progress as plain lines without a terminal');
  const table = assertPrintedRowsMatchWarehouse(run);
  assert.ok(table.get('tickets')!.rows > 0 && table.get('users')!.rows > 0, 'the demo synced tickets and users');
  for (const [name, row] of table) assert.match(row.syncedThisCycle, /^\d+$/, `${name} was synced in this invocation's cycle`);
  assert.equal(cycleNumber(run.stdout), 1);
});

test('a run with other settings replaces the running source; one with the same settings runs a new cycle of it', async () => {
  const replaced = await quickstart(['--interval-seconds', '7200']);
  assert.equal(replaced.code, 0, `quick start failed:\n${replaced.stderr}\n${replaced.stdout}`);
  assert.match(replaced.stdout, /was running with other settings \(intervalSeconds\): stopped it and started it again/);
  assert.equal(cycleNumber(replaced.stdout), 1, 'a new workflow, so its first cycle');
  assertPrintedRowsMatchWarehouse(replaced);

  const reused = await quickstart(['--interval-seconds', '7200']);
  assert.equal(reused.code, 0, `quick start failed:\n${reused.stderr}\n${reused.stdout}`);
  assert.match(reused.stdout, /was already running with these settings: a cycle starts now/);
  assert.doesNotMatch(reused.stdout, /other settings/);
  assert.equal(cycleNumber(reused.stdout), 2, 'the cycle this invocation asked for, not the previous one');
  assertPrintedRowsMatchWarehouse(reused);
});

test("against a plain server someone else runs: the worker registers the search attributes, the link uses the server's namespace", async () => {
  const server = await startDevServer({ port: await freePort(), registerSearchAttributes: false });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    await client.connection.workflowService.registerNamespace({ namespace: 'zs-demo', workflowExecutionRetentionPeriod: msToTs('1 day') });
    const otherDataDir = mkdtempSync(path.join(os.tmpdir(), 'zs-quickstart-plain-'));
    try {
      const run = await quickstart(['--data-dir', otherDataDir], { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'zs-demo' });
      assert.equal(run.code, 0, `quick start failed:\n${run.stderr}\n${run.stdout}`);
      assert.doesNotMatch(run.stdout, /Starting a Temporal dev server/, 'the running server is used');
      assert.ok(run.stdout.includes(`watch it at ${server.uiUrl!}/namespaces/zs-demo/workflows`), run.stdout);
      assert.match(run.stdout, /\nCycle 1: \d+ rows in /);
    } finally {
      rmSync(otherDataDir, { recursive: true, force: true });
    }
  } finally {
    await client.connection.close();
    await server.stop();
  }
});

test('an emulator port already taken: a message naming --emulator-port, and the dev server it started is stopped', async () => {
  const holder = net.createServer();
  const takenPort = await freePort();
  await new Promise<void>((resolve) => holder.listen(takenPort, '127.0.0.1', () => resolve()));
  const otherDataDir = mkdtempSync(path.join(os.tmpdir(), 'zs-quickstart-taken-'));
  const otherTemporalPort = await freePort();
  try {
    const run = await quickstart([
      '--data-dir',
      otherDataDir,
      '--emulator-port',
      String(takenPort),
      '--temporal-port',
      String(otherTemporalPort),
    ]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`port ${takenPort} is taken .*--emulator-port`));
    assert.match(run.stdout, /Starting a Temporal dev server/, 'it did start one');
    assert.equal(await isListening(otherTemporalPort), false, 'the dev server it started was stopped before it exited');
  } finally {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(otherDataDir, { recursive: true, force: true });
  }
});
