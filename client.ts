#!/usr/bin/env -S npx tsx
/**
 * zendesk-sync's command line: start and steer source workflows on Temporal.
 *   npm run client -- --help
 * The same operations as raw Temporal CLI commands are in the README.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { connectClient, temporalSettings, type TemporalSettings } from './runtime/connection';
import { querySourceStatus, sourceHandle, startSource } from './cli/sources';
import { formatTable } from './cli/table';
import { SOURCE_NAME, SYNC_STATE, LAST_SUCCESS, ROWS_SYNCED } from './orchestration/searchAttributes';
import { backfillUpdate, pauseSignal, resumeSignal, setRateUpdate, syncNowSignal } from './workflows/messages';
import type { SourceStatus, StreamCursor } from './workflows/types';
import { collections } from './catalog/collections';
import { authorize, zendeskBaseUrl } from './cli/auth';
import { API_TOKEN_RETIREMENT_WARNING } from './zendesk/auth';
import { pickSource, readSettingsFile } from './config/settingsFile';
import { validateSourceConfig } from './config/sourceConfig';
import { checkSource } from './cli/check';
import { ensureSearchAttributes } from './runtime/searchAttributeRegistry';
import { verifyCommand } from './cli/verify';
import { collectionsCommand } from './cli/collections';

export const program = new Command()
  .name('client')
  .description('Start and steer Zendesk → warehouse sources running on Temporal.')
  .addOption(new Option('--address <host:port>', 'Temporal frontend').env('TEMPORAL_ADDRESS').default('localhost:7233'))
  .addOption(new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'))
  .addOption(new Option('--task-queue <name>', 'task queue the workers poll').env('ZS_TASK_QUEUE').default('zendesk-sync'))
  .showHelpAfterError();

function settings(): TemporalSettings {
  const o = program.opts<{ address: string; namespace: string; taskQueue: string }>();
  return temporalSettings({ address: o.address, namespace: o.namespace, taskQueue: o.taskQueue });
}

async function withClient<T>(fn: (client: Client, s: TemporalSettings) => Promise<T>): Promise<T> {
  const s = settings();
  const client = await connectClient(s);
  try {
    return await fn(client, s);
  } finally {
    await client.connection.close();
  }
}

/**
 * A start carries search attributes; on a server that lacks them (a plain `temporal server
 * start-dev`) the start itself is refused, so they are registered first.
 */
async function prepareNamespace(client: Client, s: TemporalSettings): Promise<void> {
  const result = await ensureSearchAttributes(client.connection.operatorService, s.namespace);
  if (result.unverified) console.error(`warning: ${result.unverified}`);
  if (result.added.length) console.log(`registered search attributes in namespace ${s.namespace}: ${result.added.join(', ')}`);
}

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

program
  .command('start')
  .description('start syncing a source (one Zendesk account into one warehouse schema); registers zendesk-sync\'s search attributes in the namespace first if they are missing')
  .option('--config <file>', 'JSON file with the source settings (see README, "Source settings")')
  .option('--settings <file>', 'settings file with every source ({"sources": […]}); starts them all, or --source')
  .option('--source <name>', 'with --settings: start only this source')
  .option('--name <name>', 'source name = warehouse schema, e.g. zendesk_prod')
  .option('--subdomain <subdomain>', 'Zendesk subdomain: acme for acme.zendesk.com')
  .option('--base-url <url>', 'Zendesk base URL override (an emulator or a proxy)')
  .option('--credential <ref>', 'secret reference the worker resolves: file:<path> or env:<PREFIX>')
  .option('--destination <url>', 'warehouse: sqlite://./data/warehouse, postgres://user@host/db, snowflake://…, bigquery://PROJECT/PREFIX or env:<VAR>')
  .option('--enable <collections>', 'turn these collections on (comma-separated)', list)
  .option('--disable <collections>', 'turn these collections off (comma-separated)', list)
  .option('--lookback-days <n>', 'history for tickets and ticket events on the first sync', Number)
  .option('--interval-seconds <n>', 'seconds between cycles (default 10800)', Number)
  .action(async (o) => {
    if (o.settings) {
      const all = readSettingsFile(o.settings);
      const chosen = o.source ? [pickSource(all, o.source)] : all;
      await withClient(async (client, s) => {
        await prepareNamespace(client, s);
        for (const config of chosen) {
          const handle = await startSource(client, s.taskQueue, config);
          console.log(`started source ${config.name}: workflow ${handle.workflowId}`);
        }
      });
      return;
    }
    const fromFile = o.config ? JSON.parse(readFileSync(o.config, 'utf8')) : {};
    const collections: Record<string, boolean> = { ...(fromFile.collections ?? {}) };
    for (const c of o.enable ?? []) collections[c] = true;
    for (const c of o.disable ?? []) collections[c] = false;
    const config = {
      ...fromFile,
      ...(o.name && { name: o.name }),
      ...(o.subdomain && { subdomain: o.subdomain }),
      ...(o.baseUrl && { baseUrl: o.baseUrl }),
      ...(o.credential && { credentialRef: o.credential }),
      ...(o.destination && { destination: o.destination }),
      ...(Object.keys(collections).length && { collections }),
      // Given means given: 0 or a typo (NaN) is refused by the validation, not silently dropped.
      ...(o.lookbackDays !== undefined && { lookbackDays: o.lookbackDays }),
      ...(o.intervalSeconds !== undefined && { intervalSeconds: o.intervalSeconds }),
    };
    // Bad settings are reported before Temporal is contacted, so they show even when it is down.
    validateSourceConfig(config);
    await withClient(async (client, s) => {
      await prepareNamespace(client, s);
      const handle = await startSource(client, s.taskQueue, config);
      console.log(`started source ${config.name}: workflow ${handle.workflowId}`);
    });
  });

program
  .command('auth <source>')
  .description("get OAuth tokens for a source (authorization code + PKCE in a browser, or client_credentials) and store them in its credential file")
  .option('--subdomain <subdomain>', 'Zendesk subdomain: acme for acme.zendesk.com')
  .option('--base-url <url>', 'Zendesk base URL override (an emulator or a proxy)')
  .addOption(new Option('--client-id <id>', 'OAuth client unique identifier (Admin Center → Apps and integrations → OAuth clients)').env('ZS_OAUTH_CLIENT_ID'))
  .addOption(new Option('--client-secret <secret>', 'OAuth client secret (needed for confidential clients and client_credentials)').env('ZS_OAUTH_CLIENT_SECRET'))
  .option('--credential <ref>', 'where to store the tokens: file:<path> (default file:./secrets/<source>.json)')
  .option('--port <n>', 'loopback port of the redirect http://127.0.0.1:<port>/oauth/callback (must be a registered redirect URL)', Number, 8976)
  .option('--scope <scope>', 'OAuth scope', 'read')
  .addOption(new Option('--grant <type>', 'OAuth grant').choices(['authorization_code', 'client_credentials']).default('authorization_code'))
  .action(async (source: string, o: { subdomain?: string; baseUrl?: string; clientId?: string; clientSecret?: string; credential?: string; port: number; scope: string; grant: 'authorization_code' | 'client_credentials' }) => {
    if (!o.clientId) throw new Error('give --client-id (or ZS_OAUTH_CLIENT_ID): the OAuth client registered in Zendesk');
    const credentialRef = o.credential ?? `file:./secrets/${source}.json`;
    const result = await authorize({
      baseUrl: zendeskBaseUrl(o),
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      credentialRef,
      grant: o.grant,
      scope: o.scope,
      port: o.port,
    });
    console.log(
      `authorized ${source}: tokens stored in ${result.credentialRef} (0600)` +
        `${result.scope ? `, scope ${result.scope}` : ''}${result.expiresAt ? `, access token expires ${result.expiresAt}` : ''}` +
        `${result.hasRefreshToken ? ', refresh token rotates automatically' : ', no refresh token: run auth again when it expires'}` +
        `\nuse --credential ${result.credentialRef} (or "credentialRef": "${result.credentialRef}") for this source.` +
        `\n(API tokens still work as {"type":"api_token",…} credentials, but ${API_TOKEN_RETIREMENT_WARNING})`,
    );
  });

program
  .command('check <source>')
  .description('validate the settings, sign in to the account, report the role and which collections the plan allows — before any sync')
  .requiredOption('--settings <file>', 'settings file ({"sources": […]}) or a single source settings file')
  .option('--json', 'print the report as JSON')
  .action(async (source: string, o: { settings: string; json?: boolean }) => {
    const raw = JSON.parse(readFileSync(o.settings, 'utf8'));
    const config = raw && Array.isArray(raw.sources) ? pickSource(readSettingsFile(o.settings), source) : validateSourceConfig(raw);
    const report = await checkSource(config);
    if (o.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(`settings of ${source}: valid`);
    console.log(`signed in as user ${report.user.id}${report.user.email ? ` <${report.user.email}>` : ''}, role ${report.user.role ?? 'unknown'}`);
    for (const w of report.warnings) console.log(`warning: ${w}`);
    console.log(formatTable(['stream', 'tables', 'enabled', 'available', 'note'], report.streams.map((p) => [p.stream, p.tables.join(','), p.enabled ? 'yes' : 'no', p.available ? 'yes' : 'NO', p.note ?? ''])));
    const missing = report.streams.filter((p) => p.enabled && !p.available);
    if (missing.length) console.log(`\n${missing.length} enabled stream(s) are not available and will be skipped: ${missing.map((p) => p.stream).join(', ')}`);
  });

program.addCommand(verifyCommand(settings));
program.addCommand(collectionsCommand());

for (const [name, signal, text] of [
  ['sync-now', syncNowSignal, 'start a cycle now instead of waiting for the interval'],
  ['pause', pauseSignal, 'stop syncing; a running cycle stops at the next page boundary'],
  ['resume', resumeSignal, 'resume a paused source (a cycle starts at once)'],
] as const) {
  program
    .command(`${name} <source>`)
    .description(text)
    .action(async (source: string) => {
      await withClient(async (client) => {
        await sourceHandle(client, source).signal(signal);
        console.log(`${name}: sent to ${source}`);
      });
    });
}

program
  .command('backfill <source>')
  .description('load a past time range of incremental collections as child workflows')
  .requiredOption('--collections <list>', 'e.g. tickets,ticket_events', list)
  .requiredOption('--from <date>', 'ISO date or time, e.g. 2020-01-01')
  .option('--to <date>', 'ISO date or time (default: now)')
  .action(async (source: string, o: { collections: string[]; from: string; to?: string }) => {
    await withClient(async (client) => {
      const started = await sourceHandle(client, source).executeUpdate(backfillUpdate, {
        args: [{ collections: o.collections, from: o.from, to: o.to }],
      });
      console.log(formatTable(['child workflow', 'stream', 'from', 'to', 'state'], started.map((b) => [b.workflowId, b.stream, b.from, b.to, b.state])));
    });
  });

program
  .command('set-rate <source>')
  .description("change a source's rate settings without a restart")
  .option('--core <n>', 'core API requests per minute', Number)
  .option('--export <n>', 'incremental-export requests per minute', Number)
  .option('--share <fraction>', "share of the account's limits to use, 0 < share <= 1", Number)
  .action(async (source: string, o: { core?: number; export?: number; share?: number }) => {
    await withClient(async (client) => {
      const rate = await sourceHandle(client, source).executeUpdate(setRateUpdate, {
        args: [{ corePerMinute: o.core, exportPerMinute: o.export, share: o.share }],
      });
      console.log(`rate settings of ${source}: ${JSON.stringify(rate)}`);
    });
  });

program
  .command('status <source>')
  .description('state, then per collection: rows and requests of the last run, cursor, last success, lag, errors; warnings below')
  .option('--json', 'print the raw status as JSON')
  .action(async (source: string, o: { json?: boolean }) => {
    await withClient(async (client) => {
      const status = await querySourceStatus(client, source);
      console.log(o.json ? JSON.stringify(status, null, 2) : renderStatus(status));
    });
  });

program
  .command('list')
  .description('every source workflow with its state')
  .option('--all', 'include stopped sources')
  .option('--runs', 'with --all: one row per run (each cycle continues-as-new into a new run) instead of per source')
  .action(async (o: { all?: boolean; runs?: boolean }) => {
    await withClient(async (client) => {
      const query = `WorkflowType = 'sourceWorkflow'${o.all ? '' : " AND ExecutionStatus = 'Running'"}`;
      const executions: WorkflowExecutionInfo[] = [];
      for await (const wf of client.workflow.list({ query })) executions.push(wf);
      const shown = o.runs ? executions : latestRunPerWorkflow(executions);
      const rows = shown.map((wf) => {
        const attrs = wf.typedSearchAttributes;
        return [
          attrs.get(SOURCE_NAME) ?? wf.workflowId,
          wf.status.name,
          attrs.get(SYNC_STATE) ?? '',
          attrs.get(LAST_SUCCESS)?.toISOString() ?? '',
          String(attrs.get(ROWS_SYNCED) ?? ''),
          ...(o.runs ? [wf.runId] : []),
        ];
      });
      const headers = ['source', 'workflow', 'state', 'last success', 'rows synced', ...(o.runs ? ['run'] : [])];
      console.log(rows.length ? formatTable(headers, rows) : 'no sources');
    });
  });

/**
 * A source continues-as-new every cycle, so `--all` sees one closed run per past cycle: keep the
 * most recently started run of each workflow ID (the running one, or the last if it was stopped).
 */
export function latestRunPerWorkflow<T extends { workflowId: string; startTime: Date }>(executions: T[]): T[] {
  const latest = new Map<string, T>();
  for (const wf of executions) {
    const seen = latest.get(wf.workflowId);
    if (!seen || wf.startTime.getTime() > seen.startTime.getTime()) latest.set(wf.workflowId, wf);
  }
  return [...latest.values()];
}

program
  .command('stop <source>')
  .description('stop a source workflow (cancels a running cycle; the warehouse keeps what was written)')
  .action(async (source: string) => {
    await withClient(async (client) => {
      await sourceHandle(client, source).cancel();
      console.log(`stop: requested for ${source}`);
    });
  });

/** How far behind Zendesk the warehouse is for a collection, e.g. "4m", "2h 5m", "3d 1h". */
export function lagOf(syncedThrough: string | undefined, nowMs = Date.now()): string {
  if (!syncedThrough) return '';
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(syncedThrough)) / 1000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m` : `${seconds}s`;
}

/**
 * A stream cursor for a terminal cell: epoch-second timestamps (time-based exports) as ISO instants,
 * opaque cursors (cursor-based exports and lists) shortened, since only their presence and change matter.
 */
export function formatCursor(cursor: StreamCursor | null | undefined): string {
  if (cursor === undefined) return '';
  if (cursor === null) return '(full read)';
  // The engines' resume positions: { start_time } (a time), { cursor } / { after_cursor } (opaque),
  // { next_page } (a link); a bare value is shown as it is.
  const raw = cursor.value;
  const shape = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
  const key = shape && ['start_time', 'cursor', 'after_cursor', 'next_page'].find((k) => k in shape);
  const value = key ? shape![key] : raw;
  if (key && value === null) return '(from the start)';
  // 10-digit epoch seconds: 2001-09-09 .. 2286-11-20; anything else is not a time.
  if (typeof value === 'number' && value >= 1e9 && value < 1e10) return new Date(value * 1000).toISOString().replace('.000Z', 'Z');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

/** The status table: one row per enabled collection, warnings and backfills below it. */
export function renderStatus(status: SourceStatus): string {
  const head = [
    `source ${status.source}: ${status.state}${status.paused ? ' (paused)' : ''}, cycle ${status.cycle}`,
    status.nextRunAt ? `next run: ${status.nextRunAt}` : '',
    status.credentialError ? `credentials: ${status.credentialError}` : '',
    status.settingsError ? `settings: ${status.settingsError}` : '',
    status.unreachableError ? `unreachable: ${status.unreachableError}` : '',
    status.lastCycle
      ? `last cycle: ${status.lastCycle.rows} rows, ${status.lastCycle.startedAt} → ${status.lastCycle.finishedAt}` +
        (status.lastCycle.interruptedBy
          ? ` (cut short by ${status.lastCycle.interruptedBy}; unfinished: ${(status.lastCycle.unfinishedStreams ?? []).join(', ') || 'none'})`
          : '')
      : '',
  ].filter(Boolean);
  const rows = Object.entries(status.collections)
    .filter(([, c]) => c.enabled)
    .map(([name, c]) => {
      // Older workers report the cursor and request count only per stream; newer ones per collection too.
      const stream = status.streams[collections.find((spec) => spec.name === name)?.stream ?? name];
      const cursor = 'cursor' in c ? c.cursor : stream?.cursor;
      const requests = c.lastRequests ?? (stream?.lastSuccessAt ? stream.lastRequests : undefined);
      return [
        name,
        c.lastRows === undefined ? '' : String(c.lastRows),
        requests === undefined ? '' : String(requests),
        formatCursor(c.lastSuccessAt || stream?.lastSuccessAt ? cursor : undefined),
        c.lastSuccessAt ?? '',
        lagOf(c.syncedThrough),
        c.lastError ? `error: ${c.lastError}` : c.skipped ? `skipped: ${c.skipped}` : '',
      ];
    });
  const table = formatTable(['collection', 'rows last run', 'requests', 'cursor', 'last success', 'lag', 'note'], rows);
  // The same warning (e.g. the API-token retirement) comes from the check and from every stream: once each.
  const warnings = [...new Set([...(status.warnings ?? []), ...Object.values(status.streams).flatMap((s) => s.warnings ?? [])])];
  const warningLines = warnings.length ? `\n\n${warnings.map((w) => `warning: ${w}`).join('\n')}` : '';
  const backfills = Object.values(status.backfills);
  const backfillTable = backfills.length
    ? `\n\n${formatTable(['backfill', 'stream', 'from', 'to', 'state', 'rows'], backfills.map((b) => [b.workflowId, b.stream, b.from, b.to, b.state, String(b.rows ?? '')]))}`
    : '';
  return `${head.join('\n')}\n\n${table}${warningLines}${backfillTable}`;
}

if (require.main === module) {
  program.parseAsync(process.argv).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}
