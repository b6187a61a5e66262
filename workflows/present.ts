/** How the source workflow's state reads to people: error text and the Web UI's details panel. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import { CREDENTIAL_FAILURE_TYPES, SETTINGS_FAILURE_TYPE } from '../failures/vocabulary';
import type { SourceState, SourceStatus } from './types';

/** The type of the innermost ApplicationFailure of an activity or child failure, if any. */
export function failureType(err: unknown): string | undefined {
  let current: unknown = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  return current instanceof ApplicationFailure ? (current.type ?? undefined) : undefined;
}

/**
 * What a failed credential check means for the source: a credential Zendesk refuses (wait for the
 * next interval or a sync-now), settings that cannot work (wait for a fix), or anything else — a
 * network error, a Zendesk 5xx, an unreachable warehouse, a timeout — which is transient: retry soon.
 */
export function checkFailureState(err: unknown): Extract<SourceState, 'credentials_invalid' | 'settings_invalid' | 'unreachable'> {
  const type = failureType(err);
  if (type && CREDENTIAL_FAILURE_TYPES.includes(type)) return 'credentials_invalid';
  if (type === SETTINGS_FAILURE_TYPE) return 'settings_invalid';
  return 'unreachable';
}

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
  const header = [
    `**${status.source}** — ${status.state}${status.paused ? ' (paused)' : ''}, cycle ${status.cycle}`,
    // The rhythm: every interval from the last start (a sync-now or resume starts one at once).
    status.nextRunAt
      ? `next cycle starts ${status.nextRunAt}${status.lastCycleStartedAt ? ` (last started ${status.lastCycleStartedAt})` : ''}`
      : '',
    status.credentialError ? `**credentials:** ${status.credentialError}` : '',
    status.settingsError ? `**settings:** ${status.settingsError}` : '',
    status.unreachableError ? `**unreachable:** ${status.unreachableError}` : '',
    ...(status.warnings ?? []).map((w) => `**warning:** ${w}`),
  ].filter((l) => l !== '');
  const lines = [...header, '', '| collection | rows last run | last success | synced through | note |', '|---|---:|---|---|---|'];
  for (const [name, c] of Object.entries(status.collections)) {
    if (!c.enabled) continue;
    const note = c.lastError ? `error: ${c.lastError}` : c.skipped ? `skipped: ${c.skipped}` : '';
    lines.push(
      `| ${name} | ${c.lastRows ?? ''} | ${c.lastSuccessAt ?? ''} | ${c.syncedThrough ?? ''} | ${note.replace(/\|/g, '/').slice(0, 160)} |`,
    );
  }
  const backfills = Object.values(status.backfills);
  if (backfills.length) {
    lines.push('', '| backfill | range | state | rows |', '|---|---|---|---:|');
    for (const b of backfills) lines.push(`| ${b.stream} | ${b.from} → ${b.to} | ${b.state} | ${b.rows ?? ''} |`);
  }
  return lines.join('\n');
}

/** "1h", "3h", "90m", "45s": a duration as people say it. */
export function humanDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
