/**
 * `npm run test:chaos -- [--seed N] [--runs N]`: seeded runs of changes and sync cycles with faults
 * injected between and during them, each run ending with a differential check: for every collection,
 * warehouse rows == the emulator's ground truth (none missing, extra or stale).
 *
 * Faults per run: worker SIGKILL mid-page, Temporal dev server restart mid-cycle, Postgres restart
 * mid-cycle, a 429 storm, 500/502/503, resets mid-body, truncated JSON, 504 on large pages, OAuth
 * token rotation, credentials revoked then restored, and a backfill running through it all.
 * Needs ZS_PG_URL and scripts/postgres.sh (the Postgres it restarts).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Command } from 'commander';
import { collections } from '../catalog/collections';
import { resolveCredential, saveCredential } from '../credentials/store';
import { startDevServer } from '../orchestration/devServer';
import { liveProgress, querySourceStatus, sourceHandle } from '../orchestration/sources';
import { formatTable } from '../orchestration/table';
import { backfillUpdate, syncNowSignal } from '../workflows/messages';
import {
  assertWarehouseMatches,
  expectedRows,
  sourceConfig,
  spawnWorkerProcess,
  startStack,
  startTestSource,
  waitForCycle,
  type Stack,
} from '../test/support/stack';

const projectRoot = path.resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunReport {
  seed: number;
  faults: Record<string, number>;
  cycles: number;
  rowsCompared: number;
  mismatches: number;
  fetchedTwice: number;
  error?: string;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`chaos: timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** A worker process; with ZS_CHAOS_LOG=<file> its JSON log lines (INFO and up) are appended there. */
function spawnChaosWorker(stack: Stack): ChildProcess {
  const file = process.env.ZS_CHAOS_LOG;
  const child = spawnWorkerProcess(stack, { logLevel: file ? 'INFO' : 'WARN' });
  if (file) {
    child.stdout!.removeAllListeners('data');
    child.stdout!.pipe(createWriteStream(file, { flags: 'a' }));
  }
  return child;
}

export interface ChaosOptions {
  /** Restart the Postgres server mid-cycle (the destination must be that server). */
  restartPostgres: boolean;
  tickets: number;
}

export async function chaosRun(seed: number, destination: string, options: ChaosOptions = { restartPostgres: true, tickets: 1600 }): Promise<RunReport> {
  const pgUrl = destination;
  const faults: Record<string, number> = {};
  const count = (kind: string) => (faults[kind] = (faults[kind] ?? 0) + 1);
  const stack: Stack = await startStack({
    emulator: {
      seed,
      tickets: options.tickets,
      sameSecondRun: 0,
      historyDays: 900,
      oauth: { accessTokenLifetimeSeconds: 400 },
      faults: [
        { id: 'slow-exports', endpoint: '/api/v2/incremental/*', kind: 'latency', latencyMs: 400 },
        // Every Nth matching request (N differs per seed), so each kind fires in every run. API paths
        // only: a refresh response lost in transit cannot be recovered from (Zendesk deletes the old
        // token pair the moment it issues the new one), so /oauth/tokens is left alone.
        { id: '500', endpoint: '/api/v2/*', kind: 'status', status: 500, everyNth: 9 + (seed % 5), maxCount: 4 },
        { id: '502', endpoint: '/api/v2/*', kind: 'status', status: 502, everyNth: 13 + (seed % 3), maxCount: 3 },
        { id: '503', endpoint: '/api/v2/*', kind: 'status', status: 503, retryAfterSeconds: 1, everyNth: 17 + (seed % 4), maxCount: 3 },
        { id: '504-large-pages', endpoint: '/api/v2/*', kind: 'status', status: 504, perPageAbove: 500, everyNth: 2, maxCount: 3 },
        { id: 'reset', endpoint: '/api/v2/*', kind: 'reset', everyNth: 19 + (seed % 6), maxCount: 3 },
        { id: 'truncate', endpoint: '/api/v2/*', kind: 'truncate', everyNth: 23 + (seed % 7), maxCount: 3 },
      ],
    },
  });
  let worker: ChildProcess | undefined;
  const report: RunReport = { seed, faults, cycles: 0, rowsCompared: 0, mismatches: 0, fetchedTwice: 0 };
  try {
    const name = `chaos_${seed}_${Date.now().toString(36)}`; // a fresh schema and cursor state per run
    const minted = stack.emulator.mintOAuthToken('read', 400);
    const credentialRef = `file:${path.join(stack.tmp, 'credentials', 'oauth.json')}`;
    const { clientId, clientSecret } = stack.emulator.credentials.oauth;
    // Inside the client's refresh margin: the token rotates during the run.
    await saveCredential(credentialRef, {
      type: 'oauth', accessToken: minted.accessToken, refreshToken: minted.refreshToken,
      expiresAt: new Date(Date.now() + 200_000).toISOString(), clientId, clientSecret,
    });
    worker = spawnChaosWorker(stack);
    const allOn = Object.fromEntries(collections.map((c) => [c.name, true]));
    const config = sourceConfig(stack, { name, destination: pgUrl, credentialRef, collections: allOn, lookbackDays: 3650, intervalSeconds: 3 });
    config.timing = { heartbeatTimeoutSeconds: 8, retryInitialSeconds: 1, retryMaximumSeconds: 4, maxAttempts: 30 };
    await startTestSource(stack, config);

    // 1. Kill the worker in the middle of an export page.
    await waitUntil('an export page', async () => Object.values(await liveProgress(stack.client, name)).some((p) => p.pages >= 1));
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    count('worker SIGKILL');
    worker = spawnChaosWorker(stack);

    // 2. A backfill runs through everything that follows.
    const from = new Date((stack.emulator.now() - 3000 * 86_400) * 1000).toISOString();
    await sourceHandle(stack.client, name).executeUpdate(backfillUpdate, { args: [{ collections: ['tickets', 'ticket_events'], from }] });
    count('backfill');

    // 3. Restart the Temporal dev server mid-cycle (its state persists in the db file).
    await sleep(1500);
    const port = Number(stack.server.address.split(':')[1]);
    await stack.server.stop();
    stack.server = await startDevServer({ port, uiPort: null, dbFilename: path.join(stack.tmp, 'temporal.sqlite') });
    count('Temporal server restart');

    // 4. Restart Postgres mid-cycle.
    if (options.restartPostgres) {
      await sleep(1500);
      execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'stop'], { stdio: 'ignore' });
      await sleep(1000);
      execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'start'], { stdio: 'ignore' });
      count('Postgres restart');
    }

    // 5. A 429 storm: every request refused for a while (Retry-After 1 s), and the account's limit
    // dropping far below what the client was told (it must slow down from the headers).
    stack.emulator.addFault({ id: '429-storm', endpoint: '/api/v2/*', kind: 'status', status: 429, retryAfterSeconds: 1, firstN: 12 });
    stack.emulator.setRateLimits({ enabled: true, corePerMinute: 2, exportPerMinute: 1, minuteMs: 1500 });
    await sleep(4000);
    // Back to a generous account limit (not "off"): the client learns the limit from the headers.
    stack.emulator.setRateLimits({ enabled: true, corePerMinute: 100_000, exportPerMinute: 100_000, minuteMs: 60_000 });
    count('429 storm');

    // 6. Changes between cycles, then credentials revoked and restored.
    const m = stack.emulator.mutations;
    for (let i = 0; i < 5; i++) m.createTicket({ subject: `chaos ${seed}/${i}`, comment: { body: `body ${i}` } });
    const some = [...stack.emulator.store.tickets.rows.values()].slice(0, 5);
    for (const t of some) m.updateTicket(t.id, { status: 'solved', comment: { body: 'done' } });
    m.deleteTicket(some[0]!.id);
    stack.emulator.revokeCredentials('all');
    await sleep(3000);
    stack.emulator.restoreCredentials('all');
    count('credentials revoked then restored');

    // How many requests a run makes depends on timing (a slow machine spends the storm idle), so
    // keep making changes and asking for cycles until every fault rule has fired at least once.
    const ruleIds = ['500', '502', '503', '504-large-pages', 'reset', 'truncate', '429-storm'];
    let nudge = 0;
    await waitUntil('every fault rule to fire', async () => {
      const fired = new Set(stack.emulator.firedFaults().map((f) => f.ruleId));
      if (ruleIds.every((id) => fired.has(id))) return true;
      if (nudge++ % 12 === 0) {
        m.createTicket({ subject: `chaos ${seed} nudge ${nudge}`, comment: { body: 'more traffic' } });
        await sourceHandle(stack.client, name).signal(syncNowSignal);
      }
      return false;
    }, 300_000).catch((err) => {
      const fired = new Set(stack.emulator.firedFaults().map((f) => f.ruleId));
      throw new Error(`${(err as Error).message}: never fired ${ruleIds.filter((id) => !fired.has(id)).join(', ')}`);
    });

    // Quiet the faults, let everything settle, and run one more complete cycle.
    await waitUntil('the backfills to finish', async () => {
      const s = await querySourceStatus(stack.client, name);
      return Object.values(s.backfills).length > 0 && Object.values(s.backfills).every((b) => b.state !== 'running');
      // Generous, for loaded machines: after the storm a stream can wait a window (60 s) or two for
      // a slot taken under the dip's limit, before a response reports the limit back up.
    }, 720_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify((await querySourceStatus(stack.client, name).catch(() => undefined))?.backfills)}; streams ${JSON.stringify((await querySourceStatus(stack.client, name).catch(() => undefined))?.streams)}`.slice(0, 3000));
    });
    stack.emulator.setFaults([]);
    stack.emulator.advanceClock(120);
    const before = (await querySourceStatus(stack.client, name)).cycle;
    await sourceHandle(stack.client, name).signal(syncNowSignal);
    const final = await waitForCycle(stack, name, before + 1, 300_000);
    report.cycles = final.cycle;
    const failed = Object.entries(final.streams).filter(([, s]) => s.lastError);
    if (failed.length) throw new Error(`streams failed in the final cycle: ${failed.map(([n, s]) => `${n}: ${s.lastError}`).join('; ')}`);

    for (const f of stack.emulator.firedFaults()) count(f.kind === 'status' ? String(f.status) : f.kind);
    // Count what really happened, not what was attempted.
    faults['429 responses'] = stack.emulator.requestLog.countByStatus()[429] ?? 0;
    const credential = await resolveCredential(credentialRef);
    if (credential.type === 'oauth' && credential.accessToken !== minted.accessToken) count('oauth rotation');
    report.fetchedTwice = stack.emulator.requestLog.duplicates().reduce((n, d) => n + d.count - 1, 0);
    const truth = await expectedRows(stack, pgUrl, name, collections.map((c) => c.name));
    try {
      report.rowsCompared = (await assertWarehouseMatches(pgUrl, name, truth)).rowsCompared;
    } catch (err) {
      report.mismatches = Number(/(\d+) mismatches/.exec((err as Error).message)?.[1] ?? 1);
      report.error = (err as Error).message.slice(0, 2000);
    }
  } catch (err) {
    report.error = (err as Error).message;
    report.mismatches = Math.max(report.mismatches, 1);
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await stack.close();
  }
  return report;
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--seed <n>', 'first seed', Number, 1)
    .option('--runs <n>', 'runs (seed, seed+1, ...)', Number, 1)
    .parse(process.argv)
    .opts<{ seed: number; runs: number }>();
  const pgUrl = process.env.ZS_PG_URL ?? execFileSync('bash', [path.join(projectRoot, 'scripts/postgres.sh'), 'start']).toString().trim().split('\n').pop()!;
  const reports: RunReport[] = [];
  for (let i = 0; i < o.runs; i++) {
    const report = await chaosRun(o.seed + i, pgUrl);
    reports.push(report);
    console.log(`run seed=${report.seed}: ${report.mismatches === 0 ? 'ok' : 'MISMATCH'} (${report.rowsCompared} rows compared)${report.error ? `\n  ${report.error}` : ''}`);
  }
  const kinds = [...new Set(reports.flatMap((r) => Object.keys(r.faults)))].sort();
  console.log(`\n${formatTable(['fault', 'injected'], kinds.map((k) => [k, String(reports.reduce((n, r) => n + (r.faults[k] ?? 0), 0))]))}\n`);
  // "Repeated requests": identical requests answered 200 more than once — retries after faults, the
  // page in flight at a kill, and lists that every cycle reads in full.
  console.log(formatTable(['seed', 'cycles', 'rows compared', 'mismatches', 'repeated requests'], reports.map((r) => [String(r.seed), String(r.cycles), String(r.rowsCompared), String(r.mismatches), String(r.fetchedTwice)])));
  const bad = reports.filter((r) => r.mismatches > 0).length;
  console.log(`\n${reports.length - bad} passed, ${bad} failed`);
  process.exit(bad ? 1 : 0);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
