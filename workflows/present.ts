/** How the source workflow's state reads to people: error text and the Web UI's details panel. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import type { SourceStatus } from './types';

/** The innermost human message of a failure, with its type when it has one. */
export function describeFailure(err: unknown): string {
  let current: unknown = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) {
    return current.type ? `${current.type}: ${current.message}` : current.message;
  }
  if (current instanceof TemporalFailure || current instanceof Error) return current.message;
  return String(current);
}

/** Markdown for the Web UI's "current details": one line per collection. */
export function renderDetails(status: SourceStatus): string {
  const lines = [
    `**${status.source}** — ${status.state}${status.paused ? ' (paused)' : ''}, cycle ${status.cycle}`,
    status.nextRunAt ? `next run ${status.nextRunAt}` : '',
    status.credentialError ? `**credentials:** ${status.credentialError}` : '',
    '',
    '| collection | rows last run | last success | synced through | note |',
    '|---|---:|---|---|---|',
  ];
  for (const [name, c] of Object.entries(status.collections)) {
    if (!c.enabled) continue;
    const note = c.lastError ? `error: ${c.lastError}` : c.skipped ? `skipped: ${c.skipped}` : '';
    lines.push(`| ${name} | ${c.lastRows ?? ''} | ${c.lastSuccessAt ?? ''} | ${c.syncedThrough ?? ''} | ${note.replace(/\|/g, '/').slice(0, 160)} |`);
  }
  const backfills = Object.values(status.backfills);
  if (backfills.length) {
    lines.push('', '| backfill | range | state | rows |', '|---|---|---|---:|');
    for (const b of backfills) lines.push(`| ${b.stream} | ${b.from} → ${b.to} | ${b.state} | ${b.rows ?? ''} |`);
  }
  return lines.filter((l, i) => l !== '' || i > 2).join('\n');
}
