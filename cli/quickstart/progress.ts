/**
 * Progress of a sync cycle on the terminal: one bar per stream on a TTY (cli-progress), plain lines
 * otherwise (CI logs, pipes). Fed from the status query and the running activities' heartbeats.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { SourceStatus } from '../../workflows/types';

export type LiveProgress = Record<string, { pages: number; rows: number; attempt: number }>;

export function streamState(name: string, status: SourceStatus, live: LiveProgress): string {
  const running = live[name];
  if (running) return running.attempt > 1 ? `retry ${running.attempt}` : 'syncing';
  const s = status.streams[name];
  const finishedThisCycle = Boolean(s?.lastSuccessAt && status.cycleStartedAt && s.lastSuccessAt >= status.cycleStartedAt);
  if (status.state === 'syncing') {
    if (s?.lastError && !finishedThisCycle) return 'failed';
    return finishedThisCycle ? (s?.skipped ? 'skipped' : 'done') : 'queued';
  }
  if (s?.lastError) return 'failed';
  if (s?.skipped) return 'skipped';
  return s?.lastSuccessAt ? 'done' : status.state;
}

export class Progress {
  private readonly multibar?: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private readonly lastLine = new Map<string, string>();

  constructor(
    private readonly streamNames: string[],
    tty = Boolean(process.stdout.isTTY),
  ) {
    if (tty) {
      this.multibar = new MultiBar(
        { format: ' {stream} |{bar}| {state} {rows} rows, {pages} pages', hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      for (const name of streamNames) {
        this.bars.set(name, this.multibar.create(1, 0, { stream: name.padEnd(24), state: 'queued  ', rows: 0, pages: 0 }));
      }
    }
  }

  update(status: SourceStatus, live: LiveProgress): void {
    for (const name of this.streamNames) {
      const state = streamState(name, status, live);
      const s = status.streams[name];
      const rows = live[name]?.rows ?? (state === 'done' ? s?.lastRows : 0) ?? 0;
      const pages = live[name]?.pages ?? (state === 'done' ? s?.lastPages : 0) ?? 0;
      const bar = this.bars.get(name);
      if (bar) {
        // Totals are unknown until an export ends, so the bar fills on completion and creeps while running.
        const value = ['done', 'skipped', 'failed'].includes(state) ? 1 : Math.min(0.9, pages / (pages + 10));
        bar.update(value, { stream: name.padEnd(24), state: state.padEnd(8), rows, pages });
      } else {
        const line = `${name}: ${state}, ${rows} rows, ${pages} pages`;
        if (this.lastLine.get(name) !== line) {
          this.lastLine.set(name, line);
          console.log(line);
        }
      }
    }
  }

  stop(): void {
    this.multibar?.stop();
  }
}
