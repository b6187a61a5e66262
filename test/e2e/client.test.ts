// client.ts and worker.ts as an operator runs them — subprocesses against a plain
// `temporal server start-dev` that has NOT been given zendesk-sync's search attributes (as the
// README tells users to start one): the client's start and the worker register them themselves,
// and every command (start, status, list, sync-now, pause, resume, backfill, stop) does what it
// says, with exit code 0 on success and 1 with a message on failure. A raw `temporal workflow
// start` works too once the worker has registered the attributes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { saveCredential } from '../../credentials/store';
import { startEmulator, type Emulator } from '../../emulator';
import { startDevServer, type DevServer } from '../../runtime/devServer';
import { ALL_SEARCH_ATTRIBUTES, SYNC_STATE } from '../../workflows/searchAttributes';
import { findTemporalCli } from '../../runtime/temporalCli';
import { workflowIdForSource } from '../../workflows/ids';
import { statusQuery } from '../../workflows/messages';
import type { SourceStatus } from '../../workflows/types';
import { program } from '../../client';
import { SMALL_ACCOUNT } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const projectRoot = path.resolve(__dirname, '../..');
/** A namespace the worker is the first to use, so its own registration is what makes it work. */
const WORKER_NAMESPACE = 'zs-cli';

let server: DevServer;
let emulator: Emulator;
let client: Client;
let tmp: string;
let credentialRef: string;
let worker: ChildProcess | undefined;
let workerOutput = '';
const taskQueue = `zs-cli-${process.pid}`;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-cli-'));
  [server, emulator] = await Promise.all([
    startDevServer({ uiPort: null, dbFilename: path.join(tmp, 'temporal.sqlite'), registerSearchAttributes: false }),
    startEmulator({ ...SMALL_ACCOUNT, rateLimits: false }),
  ]);
  credentialRef = `file:${path.join(tmp, 'credentials', 'admin.json')}`;
  await saveCredential(credentialRef, {
    type: 'api_token',
    email: emulator.credentials.admin.email,
    token: emulator.credentials.admin.apiToken,
  });
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  await client.connection.workflowService.registerNamespace({
    namespace: WORKER_NAMESPACE,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
});

after(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
  }
  await client?.connection.close().catch(() => {});
  await emulator?.close().catch(() => {});
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `client.ts <args>` in a child process, as `npm run client -- <args>` runs it. */
function cli(args: string[], namespace = WORKER_NAMESPACE, queue = taskQueue): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'client.ts'), ...args],
      {
        cwd: projectRoot,
        env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, ZS_TASK_QUEUE: queue },
        timeout: CONDITION_WAIT_MS,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function assertOk(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr}${result.stdout}`);
}

async function registeredAttributes(namespace: string): Promise<string[]> {
  const response = await client.connection.operatorService.listSearchAttributes({ namespace });
  return Object.keys(response.customAttributes ?? {});
}

const ourAttributes = ALL_SEARCH_ATTRIBUTES.map((k) => k.name).sort();

function status(namespace: string, source: string): Promise<SourceStatus> {
  const scoped = new Client({ connection: client.connection, namespace });
  return scoped.workflow.getHandle(workflowIdForSource(source)).query(statusQuery);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = CONDITION_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits until the source has finished a cycle numbered above `afterCycle` and is between cycles. */
function cycleAfter(source: string, afterCycle: number): Promise<SourceStatus> {
  return waitFor(`${source} to finish cycle ${afterCycle + 1}`, async () => {
    const s = await status(WORKER_NAMESPACE, source);
    return s.cycle > afterCycle && s.state === 'idle' ? s : undefined;
  });
}

function sourceSettingsFile(name: string): string {
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'warehouse')}`,
      intervalSeconds: 3600,
      rate: { corePerMinute: 100_000, exportPerMinute: 100_000 },
      timing: { heartbeatTimeoutSeconds: 10, retryInitialSeconds: 1, retryMaximumSeconds: 5, maxAttempts: 5 },
    }),
  );
  return file;
}

test('client.ts start registers the search attributes itself on a plain dev server', async () => {
  assert.deepEqual(
    (await registeredAttributes('default')).filter((n) => ourAttributes.includes(n)),
    [],
    'the server starts without them',
  );
  // No worker polls this queue: the point is that the start is accepted at all.
  const result = await cli(['start', '--config', sourceSettingsFile('registered_by_client')], 'default', `nobody-${process.pid}`);
  assertOk(result, 'start');
  assert.match(result.stdout, /registered search attributes in namespace default: /);
  assert.match(result.stdout, /started source registered_by_client: workflow zendesk-source-registered_by_client/);
  assert.deepEqual((await registeredAttributes('default')).filter((n) => ourAttributes.includes(n)).sort(), ourAttributes);

  const again = await cli(['start', '--config', sourceSettingsFile('registered_by_client_2')], 'default', `nobody-${process.pid}`);
  assertOk(again, 'a second start');
  assert.doesNotMatch(again.stdout, /registered search attributes/, 'registration is done once; later starts find them');
  await new Client({ connection: client.connection, namespace: 'default' }).workflow
    .getHandle(workflowIdForSource('registered_by_client'))
    .terminate('test done');
  await new Client({ connection: client.connection, namespace: 'default' }).workflow
    .getHandle(workflowIdForSource('registered_by_client_2'))
    .terminate('test done');
});

test('worker.ts registers the search attributes at startup and a source started with client.ts runs', async () => {
  assert.deepEqual(
    (await registeredAttributes(WORKER_NAMESPACE)).filter((n) => ourAttributes.includes(n)),
    [],
    'a fresh namespace has none',
  );
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'worker.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: WORKER_NAMESPACE,
      ZS_TASK_QUEUE: taskQueue,
      ZS_LOG_LEVEL: 'INFO',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (workerOutput += d));
  worker.stderr!.on('data', (d) => (workerOutput += d));
  await waitFor('the worker to poll', async () => (workerOutput.includes('zendesk-sync worker polling') ? true : undefined));
  assert.match(workerOutput, /"msg":"registered search attributes"/);
  assert.deepEqual((await registeredAttributes(WORKER_NAMESPACE)).filter((n) => ourAttributes.includes(n)).sort(), ourAttributes);

  const start = await cli(['start', '--config', sourceSettingsFile('cli_e2e')]);
  assertOk(start, 'start');
  assert.doesNotMatch(start.stdout, /registered search attributes/, 'the worker registered them already');
  const first = await cycleAfter('cli_e2e', 0);
  assert.equal(first.lastCycle?.failedStreams.length, 0, JSON.stringify(first.lastCycle));
  assert.ok((first.lastCycle?.rows ?? 0) > 0, 'the first cycle wrote rows');
});

test('a raw `temporal workflow start` (no search attributes of its own) runs once the worker has registered them', async () => {
  const config = JSON.parse(readFileSync(sourceSettingsFile('raw_start'), 'utf8'));
  const raw = await new Promise<CliResult>((resolve) => {
    execFile(
      findTemporalCli(),
      [
        'workflow',
        'start',
        '--address',
        server.address,
        '--namespace',
        WORKER_NAMESPACE,
        '--task-queue',
        taskQueue,
        '--type',
        'sourceWorkflow',
        '--workflow-id',
        workflowIdForSource('raw_start'),
        '--input',
        JSON.stringify({ config }),
      ],
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
  assertOk(raw, 'temporal workflow start');
  const done = await cycleAfter('raw_start', 0);
  assert.equal(done.lastCycle?.failedStreams.length, 0, JSON.stringify(done.lastCycle));
  const scoped = new Client({ connection: client.connection, namespace: WORKER_NAMESPACE });
  const described = await scoped.workflow.getHandle(workflowIdForSource('raw_start')).describe();
  assert.equal(described.typedSearchAttributes.get(SYNC_STATE), 'idle', 'the workflow set its own search attributes');
  await scoped.workflow.getHandle(workflowIdForSource('raw_start')).terminate('test done');
});

test('status, list, sync-now, pause, resume, backfill and stop work as commands', async () => {
  const source = 'cli_e2e';
  const initial = await cycleAfter(source, 0);

  const shown = await cli(['status', source]);
  assertOk(shown, 'status');
  assert.match(shown.stdout, new RegExp(`^source ${source}: idle, cycle ${initial.cycle}`));
  assert.match(shown.stdout, /collection\s+rows last run\s+requests\s+cursor\s+last success\s+lag\s+note/);
  assert.match(
    shown.stdout,
    new RegExp(`\\ntickets\\s+${initial.collections.tickets!.lastRows}\\s+\\d+\\s+\\S+`),
    'tickets with rows, requests and a cursor',
  );
  assert.match(shown.stdout, /\nwarning: .*API tokens/, 'the API-token warning is under the table');
  const asJson = await cli(['status', source, '--json']);
  assertOk(asJson, 'status --json');
  assert.equal((JSON.parse(asJson.stdout) as SourceStatus).cycle, initial.cycle);

  const listed = await cli(['list']);
  assertOk(listed, 'list');
  assert.match(listed.stdout, new RegExp(`\\n${source}\\s+RUNNING\\s+idle`));

  const syncNow = await cli(['sync-now', source]);
  assertOk(syncNow, 'sync-now');
  assert.match(syncNow.stdout, /sync-now: sent to cli_e2e/);
  const afterSyncNow = await cycleAfter(source, initial.cycle);

  const paused = await cli(['pause', source]);
  assertOk(paused, 'pause');
  await waitFor('the source to pause', async () => {
    const s = await status(WORKER_NAMESPACE, source);
    return s.paused && s.state === 'paused' ? s : undefined;
  });
  const resumed = await cli(['resume', source]);
  assertOk(resumed, 'resume');
  const afterResume = await cycleAfter(source, afterSyncNow.cycle);
  assert.equal(afterResume.paused, false);

  const from = new Date(Date.now() - 700 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
  const backfill = await cli(['backfill', source, '--collections', 'tickets', '--from', from, '--to', to]);
  assertOk(backfill, 'backfill');
  assert.match(backfill.stdout, /child workflow\s+stream\s+from\s+to\s+state/);
  assert.match(backfill.stdout, /zendesk-source-cli_e2e\/backfill\/tickets\//);
  const done = await waitFor('the backfill child to complete', async () => {
    const entries = Object.values((await status(WORKER_NAMESPACE, source)).backfills);
    return entries.length && entries.every((b) => b.state === 'completed') ? entries : undefined;
  });
  assert.equal(done.length, 1);

  const stopped = await cli(['stop', source]);
  assertOk(stopped, 'stop');
  const scoped = new Client({ connection: client.connection, namespace: WORKER_NAMESPACE });
  await waitFor('the source workflow to close', async () => {
    const d = await scoped.workflow.getHandle(workflowIdForSource(source)).describe();
    return d.status.name === 'RUNNING' ? undefined : d;
  });
  const runningOnly = await cli(['list']);
  assertOk(runningOnly, 'list after stop');
  assert.equal(runningOnly.stdout.trim(), 'no sources');
  // Each cycle continued-as-new into a new run; --all shows the source once, --runs every run.
  await waitFor('visibility to list the closed runs', async () => {
    const all = await cli(['list', '--all']);
    assertOk(all, 'list --all');
    const sourceRows = all.stdout.split('\n').filter((l) => l.startsWith(`${source} `));
    return sourceRows.length === 1 && !/RUNNING/.test(sourceRows[0]!) ? true : undefined;
  });
  const runs = await cli(['list', '--all', '--runs']);
  assertOk(runs, 'list --all --runs');
  assert.ok(runs.stdout.split('\n').filter((l) => l.startsWith(`${source} `)).length >= 3, `one row per run:\n${runs.stdout}`);

  const unknown = await cli(['pause', 'no_such_source']);
  assert.equal(unknown.code, 1, 'a command on an unknown source fails');
  assert.match(unknown.stderr, /^error: /);
});

test('every command has --help', async () => {
  const names = program.commands.map((c) => c.name());
  assert.deepEqual([...names].sort(), [
    'auth',
    'backfill',
    'check',
    'collections',
    'list',
    'pause',
    'resume',
    'set-rate',
    'start',
    'status',
    'stop',
    'sync-now',
    'verify',
  ]);
  for (const command of program.commands) {
    const help = command.helpInformation();
    assert.match(help, new RegExp(`^Usage: client ${command.name()}`), `${command.name()} --help`);
    assert.ok(command.description().length > 10, `${command.name()} describes itself`);
  }
  // The same through the real CLI, for the top level and one command.
  const top = await cli(['--help']);
  assertOk(top, '--help');
  for (const name of names) assert.match(top.stdout, new RegExp(`\\n  ${name}\\b`), `--help lists ${name}`);
  const listHelp = await cli(['list', '--help']);
  assertOk(listHelp, 'list --help');
  assert.match(listHelp.stdout, /--runs/);
});
