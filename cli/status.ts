/**
 * `client.ts status` and `client.ts backfill` on the terminal: a source's status as a table (state,
 * then per collection rows, requests, cursor, last success, lag and errors; warnings and backfills
 * below), and the backfills a request started.
 */
import { Command } from 'commander';
import { collections } from '../catalog/collections';
import type { BackfillStatus, SourceStatus, StreamCursor } from '../workflows/types';
import { formatTable } from './table';
import { querySourceStatus } from './sources';
import { withClient, type TemporalOptions } from './options';

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
    ? `\n\n${formatTable(
        ['backfill', 'stream', 'from', 'to', 'state', 'rows'],
        backfills.map((b) => [b.workflowId, b.stream, b.from, b.to, b.state, String(b.rows ?? '')]),
      )}`
    : '';
  return `${head.join('\n')}\n\n${table}${warningLines}${backfillTable}`;
}

/** The child workflows a backfill request started, one row each. */
export function renderStartedBackfills(started: BackfillStatus[]): string {
  return formatTable(
    ['child workflow', 'stream', 'from', 'to', 'state'],
    started.map((b) => [b.workflowId, b.stream, b.from, b.to, b.state]),
  );
}

export function statusCommand(temporal: TemporalOptions): Command {
  return new Command('status')
    .argument('<source>')
    .description('state, then per collection: rows and requests of the last run, cursor, last success, lag, errors; warnings below')
    .option('--json', 'print the raw status as JSON')
    .action(async (source: string, o: { json?: boolean }) => {
      await withClient(temporal, async (client) => {
        const status = await querySourceStatus(client, source);
        console.log(o.json ? JSON.stringify(status, null, 2) : renderStatus(status));
      });
    });
}
