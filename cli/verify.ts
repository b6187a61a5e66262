/**
 * The `verify <source>` command of client.ts: reads the source's settings like `check`, its status
 * from Temporal when reachable, compares (run.ts), prints the plan first and the differences after,
 * and with `--repair` starts the backfill that closes a lookback gap through the source workflow's
 * backfill update (the same path as `client.ts backfill`).
 */
import { Command, Option } from 'commander';
import { connectClient } from '../runtime/connection';
import { querySourceStatus, sourceHandle } from './sources';
import { formatTable } from './table';
import { loadSourceSettings, sourceSettingsOption, type TemporalOptions } from './options';
import { backfillUpdate } from '../workflows/messages';
import type { BackfillStatus, SourceStatus } from '../workflows/types';
import { backfillCommand, type VerifyRow } from '../verify/diagnose';
import { DEFAULT_MAX_REQUESTS, verifySource, type VerifyPlan, type VerifyReport } from '../verify/run';

export function renderPlan(plan: VerifyPlan): string {
  const skipped = plan.collections.filter((c) => c.note?.startsWith('skipped: over'));
  return (
    `verify ${plan.source}: up to ${plan.plannedRequests} Zendesk request(s) (cap --max-requests ${plan.maxRequests}), ` +
    `paced by the source's rate budget (${plan.rate.corePerMinute}/min core, ${plan.rate.exportPerMinute}/min exports, share ${plan.rate.share})` +
    (skipped.length ? `\nnot read, over the cap: ${skipped.map((c) => `${c.collection} (~${c.requests})`).join(', ')}` : '')
  );
}

const cell = (n: number | undefined) => (n === undefined ? '' : String(n));

export function renderReport(report: VerifyReport, context: { settingsFile?: string; repairing?: boolean } = {}): string {
  const rows = report.rows.map((r: VerifyRow) => [
    r.collection,
    r.method,
    cell(r.zendesk),
    cell(r.warehouse),
    cell(r.missing),
    cell(r.extra),
    String(r.requests),
    r.note ?? (r.causes.length ? `${r.expected ? 'expected: ' : ''}${r.causes.join('; or ')}` : r.method === 'none' ? '' : 'ok'),
  ]);
  const lines = [formatTable(['collection', 'method', 'zendesk', 'warehouse', 'missing', 'extra', 'requests', 'likely cause'], rows)];
  const ids = report.rows.filter((r) => r.missingIds?.length || r.extraIds?.length);
  if (ids.length) {
    lines.push('');
    for (const r of ids) {
      if (r.missingIds?.length)
        lines.push(`${r.collection}: missing ids ${r.missingIds.join(', ')}${(r.missing ?? 0) > r.missingIds.length ? ', …' : ''}`);
      if (r.extraIds?.length)
        lines.push(`${r.collection}: extra ids ${r.extraIds.join(', ')}${(r.extra ?? 0) > r.extraIds.length ? ', …' : ''}`);
    }
  }
  lines.push('');
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push(`spent ${report.spentRequests} Zendesk request(s) (planned up to ${report.plannedRequests}, cap ${report.maxRequests})`);
  lines.push(report.differences ? `${report.differences} collection(s) differ` : 'no differences');
  if (report.repair && !context.repairing) {
    const settings = context.settingsFile ? ` --settings ${context.settingsFile}` : '';
    lines.push(`repair: client.ts verify ${report.source}${settings} --repair   (or: ${backfillCommand(report.source, report.repair)})`);
  }
  return lines.join('\n');
}

const STATUS_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The `verify` command; `temporal` gives the connection settings of the client's global options. */
export function verifyCommand(temporal: TemporalOptions): Command {
  return new Command('verify')
    .argument('<source>')
    .description(
      "compare what the warehouse holds with what Zendesk says it has, per collection (Zendesk's counts; every id of the small lists), " +
        'print the differences with their likely cause, and with --repair start the backfill that closes a lookback gap; ' +
        "spends a printed, capped number of requests within the source's rate budget",
    )
    .addOption(sourceSettingsOption())
    .addOption(new Option('--max-requests <n>', 'most Zendesk requests to spend').argParser((v) => Number(v)).default(DEFAULT_MAX_REQUESTS))
    .option('--repair', 'start the backfill that closes a lookback gap (through the running source workflow)')
    .option('--json', 'print the report as JSON (the plan goes to stderr)')
    .action(async (source: string, o: { settings: string; maxRequests: number; repair?: boolean; json?: boolean }) => {
      const config = loadSourceSettings(o.settings, source);
      let client: Awaited<ReturnType<typeof connectClient>> | undefined;
      let status: SourceStatus | undefined;
      const warnings: string[] = [];
      try {
        client = await connectClient(temporal());
        const connected = client;
        // A query waits for a worker; without one it would hang, and verify can go on without status.
        status = await withTimeout(
          querySourceStatus(connected, config.name),
          STATUS_TIMEOUT_MS,
          'the status query got no answer (is a worker running?)',
        );
      } catch (err) {
        if (o.repair) throw new Error(`--repair needs the running source workflow: ${(err as Error).message}`);
        warnings.push(`no status from Temporal (${(err as Error).message}): causes are less specific (no synced-through times)`);
      }
      try {
        const report = await verifySource(config, {
          maxRequests: o.maxRequests,
          status,
          onPlan: (plan) => (o.json ? console.error : console.log)(renderPlan(plan)),
        });
        report.warnings.unshift(...warnings);
        let started: BackfillStatus[] | undefined;
        if (o.repair && report.repair && client) {
          started = await sourceHandle(client, config.name).executeUpdate(backfillUpdate, { args: [report.repair] });
        }
        if (o.json) {
          console.log(JSON.stringify({ ...report, ...(started ? { backfillsStarted: started } : {}) }, null, 2));
          return;
        }
        console.log(renderReport(report, { settingsFile: o.settings, repairing: !!started }));
        if (o.repair && !report.repair) console.log('repair: nothing to backfill (no lookback gap found)');
        if (started) {
          console.log(`repair: started a backfill (${backfillCommand(config.name, report.repair!)})`);
          console.log(
            formatTable(
              ['child workflow', 'stream', 'from', 'to', 'state'],
              started.map((b) => [b.workflowId, b.stream, b.from, b.to, b.state]),
            ),
          );
        }
      } finally {
        await client?.connection.close();
      }
    });
}
