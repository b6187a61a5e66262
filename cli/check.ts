/**
 * `client.ts check`: validates a source's settings, signs in to the account, and probes each stream's
 * endpoint with one small request, so plan and role gaps show before anything is synced.
 */
import { Command } from 'commander';
import { formatTable } from './table';
import { loadSourceSettings, sourceSettingsOption } from './options';
import { WorkerResources } from '../activities/resources';
import { collectionsOfStream, streamByName, streams } from '../catalog/collections';
import { isCollectionEnabled } from '../workflows/collectionSelection';
import { isTooRecentStartTime } from '../zendesk/pagination/tooRecent';
import type { StreamSpec } from '../catalog/types';
import type { SourceConfig } from '../workflows/types';

export interface StreamProbe {
  stream: string;
  tables: string[];
  enabled: boolean;
  available: boolean;
  note?: string;
}

export interface CheckReport {
  source: string;
  user: { id: number; role?: string; email?: string; name?: string };
  warnings: string[];
  streams: StreamProbe[];
}

function probePath(stream: StreamSpec): string {
  // A list read per parent record has no path of its own to probe: its parent stream's endpoint
  // answers for it (same product, same plan gate).
  if (stream.perParent) return probePath(streamByName(stream.perParent.stream));
  const q = new URLSearchParams(stream.params ?? {});
  const hourAgo = String(Math.floor(Date.now() / 1000) - 3600);
  if (stream.style === 'cursor_export' || stream.style === 'time_export') {
    q.set('start_time', hourAgo);
    q.set('per_page', '1');
  } else if (stream.style === 'cursor_list') q.set('page[size]', '1');
  else if (stream.style === 'offset_list') q.set('per_page', '1');
  const query = q.toString();
  return query ? `${stream.path}?${query}` : stream.path;
}

export async function checkSource(config: SourceConfig, resources = new WorkerResources()): Promise<CheckReport> {
  try {
    const session = await resources.session(config);
    const user = await session.checkCredentials();
    const report: CheckReport = {
      source: config.name,
      user: { id: user.id, role: user.role, email: user.email ?? undefined, name: user.name },
      warnings: session.warnings(),
      streams: [],
    };
    for (const stream of streams) {
      const tables = collectionsOfStream(stream.name).map((c) => c.name);
      const enabled = tables.some((t) => isCollectionEnabled(config, t));
      try {
        await resources.probe(config, probePath(stream));
        report.streams.push({ stream: stream.name, tables, enabled, available: true });
      } catch (err) {
        if (isTooRecentStartTime(err)) {
          // Zendesk's 422 "Too recent start_time" means the export works and has nothing that new.
          report.streams.push({
            stream: stream.name,
            tables,
            enabled,
            available: true,
            note: 'available (Zendesk answered "too recent start_time": nothing new yet)',
          });
          continue;
        }
        const reason = session.forbiddenReason(err);
        if (reason === undefined) {
          report.streams.push({ stream: stream.name, tables, enabled, available: false, note: `error: ${(err as Error).message}` });
        } else {
          report.streams.push({
            stream: stream.name,
            tables,
            enabled,
            available: false,
            note: `not available to this plan or role: ${reason}`,
          });
        }
      }
    }
    return report;
  } finally {
    await resources.close();
  }
}

/** The check report on the terminal: sign-in, warnings, then one row per stream and what will be skipped. */
export function renderCheckReport(source: string, report: CheckReport): string {
  const lines = [
    `settings of ${source}: valid`,
    `signed in as user ${report.user.id}${report.user.email ? ` <${report.user.email}>` : ''}, role ${report.user.role ?? 'unknown'}`,
    ...report.warnings.map((w) => `warning: ${w}`),
    formatTable(
      ['stream', 'tables', 'enabled', 'available', 'note'],
      report.streams.map((p) => [p.stream, p.tables.join(','), p.enabled ? 'yes' : 'no', p.available ? 'yes' : 'NO', p.note ?? '']),
    ),
  ];
  const missing = report.streams.filter((p) => p.enabled && !p.available);
  if (missing.length)
    lines.push(`\n${missing.length} enabled stream(s) are not available and will be skipped: ${missing.map((p) => p.stream).join(', ')}`);
  return lines.join('\n');
}

export function checkCommand(): Command {
  return new Command('check')
    .argument('<source>')
    .description('validate the settings, sign in to the account, report the role and which collections the plan allows — before any sync')
    .addOption(sourceSettingsOption())
    .option('--json', 'print the report as JSON')
    .action(async (source: string, o: { settings: string; json?: boolean }) => {
      const report = await checkSource(loadSourceSettings(o.settings, source));
      console.log(o.json ? JSON.stringify(report, null, 2) : renderCheckReport(source, report));
    });
}
