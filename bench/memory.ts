/**
 * Peak memory of a worker loading accounts of growing size: the emulator and the worker each run in
 * a process of their own (bench/emulatorProcess.ts, bench/memoryWorker.ts), so the figure is the
 * worker's alone. The worker runs tickets and ticket_events at once (two lanes of a cycle) into a
 * SQLite warehouse in a temp dir. Target: flat in account size, <= 300 MB.
 *
 * A large account may not fit the emulator (it keeps every record, and the JSON it has served, in
 * memory; at 1M tickets its garbage collector makes serving slow): sizes it cannot generate, or serve
 * within the time budget, are reported as not measured, with the reason and how far the load got.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulatorProcess, type EmulatorProcess } from './emulatorProcess';
import type { MemoryWorkerInput, MemoryWorkerOutput } from './memoryWorker';

export interface MemoryProgress {
  seconds: number;
  pages: number;
  rows: number;
  peakRssMb: number;
  progress: Record<string, { pages: number; rows: number }>;
}

export interface MemoryFigure {
  tickets: number;
  /** Set when this size was not measured. */
  notMeasured?: string;
  /** When the load was given up (deadline): how far it got, and the worker's peak RSS until then. */
  partial?: MemoryProgress;
  emulatorReadySeconds?: number;
  /** Emulator RSS after the load, MB (context: what the account costs the emulator). */
  emulatorRssMb?: number;
  worker?: MemoryWorkerOutput;
}

/** Per-ticket shape, the same for every size so only the ticket count changes. */
export const MEMORY_ACCOUNT = { eventsPerTicket: 2, commentsPerTicket: 1, users: 5000, organizations: 500 };

const projectRoot = path.resolve(__dirname, '..');

/**
 * Emulator heap for an account: measured ~5.3 GB RSS to generate 1M tickets at the shape above, and
 * ~4.4 GB RSS for 300k tickets once every record has been served (its JSON caches are off-heap).
 */
function emulatorHeapMb(tickets: number): number {
  return Math.max(2048, Math.ceil((tickets / 1_000_000) * 12_000));
}

function rssMbOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/status VmRSS is in kB (Linux only; elsewhere the emulator's RSS is simply not shown).
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

class DeadlineError extends Error {
  constructor(
    message: string,
    readonly last: MemoryProgress | undefined,
  ) {
    super(message);
  }
}

/** After this long, a load whose ticket rate projects past the deadline is given up at once. */
const PROJECT_AFTER_SECONDS = 150;

function runWorker(input: MemoryWorkerInput, tickets: number, deadlineMs: number): Promise<MemoryWorkerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', path.join(projectRoot, 'bench/memoryWorker.ts'), JSON.stringify(input)],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    let last: MemoryProgress | undefined;
    let gaveUp: string | undefined;
    const giveUp = (why: string) => {
      if (gaveUp) return;
      gaveUp = why;
      child.kill('SIGKILL');
    };
    const budget = `${Math.round(deadlineMs / 60_000)} min budget`;
    const timer = setTimeout(() => giveUp(`not done within the ${budget}`), deadlineMs);
    // Tickets are loaded at least as fast as their events (twice as many rows): the ticket rate
    // gives a lower bound of the load's duration.
    const project = (p: MemoryProgress) => {
      const loaded = (p.progress.tickets?.rows ?? 0) / 2; // tickets + ticket_metrics rows
      if (p.seconds < PROJECT_AFTER_SECONDS || loaded <= 0) return;
      const projectedMs = (p.seconds * 1000 * tickets) / loaded;
      if (projectedMs > deadlineMs) {
        giveUp(
          `at the rate of its first ${p.seconds} s (${Math.round(loaded / p.seconds)} tickets/s) the load would take at least ${Math.round(projectedMs / 60_000)} min, over the ${budget}`,
        );
      }
    };
    child.stdout.on('data', (d) => {
      out += String(d);
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('MEMORY_PROGRESS ')) {
          last = JSON.parse(line.slice('MEMORY_PROGRESS '.length)) as MemoryProgress;
          project(last);
        } else if (line.startsWith('MEMORY_RESULT ')) out = `${line}\n${out}`;
      }
    });
    child.stderr.on('data', (d) => (err += String(d)));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (gaveUp) return reject(new DeadlineError(gaveUp, last));
      const line = out.split('\n').find((l) => l.startsWith('MEMORY_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('MEMORY_RESULT '.length)) as MemoryWorkerOutput);
      else reject(new Error(`memory worker exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/**
 * `deadlineMs` bounds each worker load: a size the emulator cannot serve in time is reported as not
 * measured, with how far it got.
 */
export async function benchMemory(opts: { sizes: number[]; deadlineMs: number; log?: (line: string) => void }): Promise<MemoryFigure[]> {
  const log = opts.log ?? (() => {});
  const figures: MemoryFigure[] = [];
  for (const tickets of opts.sizes) {
    // The emulator keeps every record and, once served, its JSON (off-heap): ~4.4 GB for 300k tickets
    // at this shape, so a fully served 1M account would need ~14 GB. Generating it needs the heap
    // below; serving is given up early (see runWorker) long before the rest is reached.
    const heapMb = emulatorHeapMb(tickets);
    const neededMb = heapMb + 1024;
    const freeMb = Math.round(os.freemem() / 2 ** 20);
    if (freeMb < neededMb) {
      figures.push({ tickets, notMeasured: `the emulator needs ~${neededMb} MB for ${tickets} tickets, ${freeMb} MB free` });
      log(`  ${tickets} tickets: not measured (${figures.at(-1)!.notMeasured})`);
      continue;
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-mem-'));
    let emulator: EmulatorProcess | undefined;
    try {
      const started = performance.now();
      log(`  ${tickets} tickets: generating the account (emulator heap up to ${heapMb} MB)...`);
      try {
        emulator = await startEmulatorProcess(
          [
            '--seed',
            '5',
            '--tickets',
            String(tickets),
            '--users',
            String(MEMORY_ACCOUNT.users),
            '--organizations',
            String(MEMORY_ACCOUNT.organizations),
            '--events-per-ticket',
            String(MEMORY_ACCOUNT.eventsPerTicket),
            '--comments-per-ticket',
            String(MEMORY_ACCOUNT.commentsPerTicket),
            '--no-rate-limits',
            // Render records as they are first served, not all at start-up: a background warm-up of
            // a 1M-ticket account would compete with the worker for the two cores being measured.
            '--warm',
            'off',
          ],
          { maxOldSpaceMb: heapMb },
        );
      } catch (err) {
        figures.push({ tickets, notMeasured: `the emulator could not generate ${tickets} tickets: ${(err as Error).message}` });
        log(`  ${tickets} tickets: not measured (${figures.at(-1)!.notMeasured})`);
        continue;
      }
      const emulatorReadySeconds = Math.round((performance.now() - started) / 1000);
      log(`  ${tickets} tickets: emulator ready in ${emulatorReadySeconds} s; loading tickets + ticket_events in a worker process...`);
      try {
        const worker = await runWorker(
          {
            baseUrl: emulator.baseUrl,
            email: emulator.admin.email,
            apiToken: emulator.admin.apiToken,
            dir: tmp,
            streams: ['tickets', 'ticket_events'],
            lookbackDays: 3650, // every ticket of the account, not only the last year
          },
          tickets,
          opts.deadlineMs,
        );
        figures.push({ tickets, emulatorReadySeconds, emulatorRssMb: rssMbOf(emulator.process.pid!), worker });
        log(`  ${tickets} tickets: worker peak RSS ${worker.maxRssMb} MB in ${worker.seconds} s`);
      } catch (err) {
        if (err instanceof DeadlineError) {
          const p = err.last;
          const loaded = p?.progress.tickets?.rows ? Math.round(p.progress.tickets.rows / 2) : 0; // tickets + ticket_metrics rows
          figures.push({
            tickets,
            emulatorReadySeconds,
            emulatorRssMb: rssMbOf(emulator.process.pid!),
            partial: p,
            notMeasured:
              `the emulator could not serve the account in time: ${err.message}; ~${loaded} of ${tickets} tickets ` +
              `(${p?.rows ?? 0} rows) loaded in ${p?.seconds ?? 0} s, worker peak RSS until then ${p?.peakRssMb ?? '?'} MB (partial, not a figure for this size)`,
          });
        } else {
          figures.push({ tickets, emulatorReadySeconds, notMeasured: `the load failed: ${(err as Error).message.slice(0, 300)}` });
        }
        log(`  ${tickets} tickets: not measured (${figures.at(-1)!.notMeasured})`);
      }
    } finally {
      await emulator?.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return figures;
}

export function memoryRows(figures: MemoryFigure[]): string[][] {
  return figures.map((f) => {
    if (!f.worker) return [String(f.tickets), 'not measured', '', '', '', '', 'see below'];
    const w = f.worker;
    const rows = w.streams.reduce((n, s) => n + s.rows, 0);
    const pages = w.streams.reduce((n, s) => n + s.pages, 0);
    return [
      String(f.tickets),
      `${w.maxRssMb} MB`,
      `${w.baselineRssMb} MB`,
      `${w.peakHeapUsedMb} MB`,
      `${w.peakExternalMb} MB`,
      `${rows} rows / ${pages} pages in ${w.seconds} s`,
      w.maxRssMb <= 300 ? 'ok' : 'over 300 MB',
    ];
  });
}
