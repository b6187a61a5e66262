/**
 * local-bigquery (a BigQuery REST emulator on DuckDB, from PyPI, installed by
 * `scripts/bigquery-emulator.sh`) as a child process on loopback, with a fresh data directory that is
 * deleted when it stops, and the client quirks the tests need to talk to it (test/destinations/bigquery/EMULATOR_GAPS.md):
 *   - requests without a `headers` object crash the client's upload path (load jobs) when a custom
 *     endpoint skips authentication: every request gets an empty one;
 *   - a MERGE inside BEGIN TRANSACTION … COMMIT always fails on the emulator, so for scripts that
 *     hold a MERGE the transaction statements are taken out on the way to the emulator. The writer
 *     still sends them (what real BigQuery runs); `sentScripts` keeps what it sent, unchanged;
 *   - PARSE_JSON's named argument `wide_number_mode => 'round'` is unknown to the emulator's DuckDB
 *     macro, so it is taken out on the way (the emulator parses wide numbers its own way anyway);
 *   - two writing scripts at once conflict on the emulator's DuckLake commit ("Failed to commit
 *     DuckLake transaction"), where real BigQuery queues DML and aborts a conflicting transaction
 *     with "Transaction is aborted due to concurrent update" (which the writer retries): statements
 *     other than plain SELECTs are sent one at a time per emulator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../runtime/freePort';
import os from 'node:os';
import path from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import type { BigQuerySettings } from '../../destinations/bigquery/settings';
import { CONDITION_WAIT_MS } from '../conditionWait';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const LOCAL_BIGQUERY = path.join(REPO_ROOT, '.tools', 'bigquery-venv', 'bin', 'local-bigquery');
export const EMULATOR_PROJECT = 'zs-test';
const STARTUP_TIMEOUT_MS = CONDITION_WAIT_MS;

export function bigQueryEmulatorInstalled(): boolean {
  return existsSync(LOCAL_BIGQUERY);
}

export interface BigQueryEmulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Settings of a destination on this emulator. */
  settings(datasetPrefix?: string): BigQuerySettings;
  /** Installs the quirks above on a client (the writer's `configureClient` hook). */
  configureClient(client: BigQuery): void;
  /** Every query text the clients configured here sent, before any rewriting. */
  sentScripts: string[];
  log(): string;
  stop(): Promise<void>;
}

// The emulator's own processes need no cloud metadata server; nor does any client in these tests.
process.env.METADATA_SERVER_DETECTION = 'none';

export async function startBigQueryEmulator(): Promise<BigQueryEmulator> {
  if (!bigQueryEmulatorInstalled()) {
    throw new Error(`local-bigquery is not installed (${LOCAL_BIGQUERY} is missing). Run: bash scripts/bigquery-emulator.sh`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      // A free port picked here may be taken by someone else before the child binds it.
      if (attempt >= 3 || !/address already in use|exited before/i.test(String(err))) throw err;
    }
  }
}

async function startOnce(): Promise<BigQueryEmulator> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zs-bigquery-'));
  const child = spawn(
    LOCAL_BIGQUERY,
    ['--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpcPort), '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } },
  );
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', keepTail);
  child.stderr!.on('data', keepTail);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  const sentScripts: string[] = [];
  const writes = new WriteQueue();
  return {
    endpoint,
    settings: (datasetPrefix = '') => ({ projectId: EMULATOR_PROJECT, datasetPrefix, location: 'US', apiEndpoint: endpoint }),
    configureClient: (client) => installQuirks(client, sentScripts, writes),
    sentScripts,
    log: () => output,
    stop,
  };
}

/**
 * The discovery document answers before the database is ready, so readiness is a real query.
 * Waits for the condition, however long the machine takes, up to a generous bound.
 */
async function waitUntilReady(endpoint: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`local-bigquery exited before it was ready:\n${log()}`);
    try {
      const rows = await restQuery(endpoint, 'SELECT 1 AS ready');
      if (rows[0]?.ready === '1') return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`local-bigquery did not answer a query within ${STARTUP_TIMEOUT_MS} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * One query over the plain REST API (no Google client), rows as {column: text-or-null}. The reader
 * of the tests: independent of the writer and of @google-cloud/bigquery.
 */
export async function restQuery(endpoint: string, sql: string): Promise<Array<Record<string, string | null>>> {
  const response = await fetch(`${endpoint}/bigquery/v2/projects/${EMULATOR_PROJECT}/queries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: sql, useLegacySql: false, timeoutMs: 600_000, maxResults: 1_000_000 }),
  });
  const body = (await response.json()) as {
    error?: { message?: string };
    jobComplete?: boolean;
    schema?: { fields: Array<{ name: string }> };
    rows?: Array<{ f: Array<{ v: unknown }> }>;
    pageToken?: string;
  };
  if (!response.ok || body.error) throw new Error(`REST query failed (${response.status}): ${body.error?.message ?? JSON.stringify(body)}`);
  if (body.jobComplete === false || body.pageToken) throw new Error('REST query: result not complete in one response; narrow the query');
  const names = body.schema?.fields.map((f) => f.name) ?? [];
  return (body.rows ?? []).map((row) => Object.fromEntries(names.map((name, i) => [name, cellText(row.f[i]?.v)])));
}

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Dataset table ids over REST. */
export async function restTables(endpoint: string, dataset: string): Promise<string[]> {
  const response = await fetch(`${endpoint}/bigquery/v2/projects/${EMULATOR_PROJECT}/datasets/${dataset}/tables?maxResults=10000`);
  if (response.status === 404) return [];
  const body = (await response.json()) as { tables?: Array<{ tableReference: { tableId: string } }> };
  return (body.tables ?? []).map((t) => t.tableReference.tableId).sort();
}

const TRANSACTION_LINES = new Set(['BEGIN TRANSACTION;', 'COMMIT TRANSACTION;', 'ROLLBACK TRANSACTION;']);

/** The emulator workarounds (gaps 1 and 5 of test/destinations/bigquery/EMULATOR_GAPS.md), applied to what reaches the emulator only. */
export function forEmulator(sql: string): string {
  let rewritten = sql.replaceAll(", wide_number_mode => 'round')", ')');
  if (/^MERGE /m.test(rewritten) && rewritten.includes('BEGIN TRANSACTION;')) {
    rewritten = rewritten
      .split('\n')
      .filter((line) => !TRANSACTION_LINES.has(line.trim()))
      .join('\n');
  }
  return rewritten;
}

type RequestOptions = { headers?: Record<string, string>; json?: { query?: string; configuration?: { query?: { query?: string } } } };

/** One writing statement at a time (gap 7): a promise chain, each link released by its response. */
class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  run(start: (done: () => void) => void): void {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    void previous.then(() => start(release));
  }
}

const isWrite = (sql: string) => !/^\s*SELECT\b/i.test(sql);

function installQuirks(client: BigQuery, sentScripts: string[], writes: WriteQueue): void {
  const original = client.makeAuthenticatedRequest as unknown as ((reqOpts: RequestOptions, config?: unknown) => unknown) & object;
  const wrapped = (reqOpts: RequestOptions, config?: unknown): unknown => {
    reqOpts.headers = reqOpts.headers ?? {};
    const body = reqOpts.json;
    const sql = body?.query ?? body?.configuration?.query?.query;
    if (typeof sql === 'string' && isWrite(sql) && typeof config === 'function') {
      const callback = config as (...args: unknown[]) => void;
      writes.run((done) =>
        send(reqOpts, (...args: unknown[]) => {
          done();
          callback(...args);
        }),
      );
      return undefined;
    }
    return send(reqOpts, config);
  };
  const send = (reqOpts: RequestOptions, config?: unknown): unknown => {
    const body = reqOpts.json;
    if (typeof body?.query === 'string') {
      sentScripts.push(body.query);
      body.query = forEmulator(body.query);
    }
    const jobQuery = body?.configuration?.query;
    if (typeof jobQuery?.query === 'string') {
      sentScripts.push(jobQuery.query);
      jobQuery.query = forEmulator(jobQuery.query);
    }
    return original(reqOpts, config);
  };
  Object.assign(wrapped, original);
  (client as unknown as { makeAuthenticatedRequest: unknown }).makeAuthenticatedRequest = wrapped;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
