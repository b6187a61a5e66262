/**
 * Worker processes as an operator runs them (`node --import tsx worker.ts`, configured by its
 * environment), with real OS pids: their memory can be read from /proc and one can be SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { CONDITION_WAIT_MS } from './conditionWait';

const projectRoot = path.resolve(__dirname, '..');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The last lines it wrote on stderr (kept for the error of a worker that died unasked). */
  stderrTail(): string;
}

export function spawnWorkerProcesses(
  count: number,
  env: { TEMPORAL_ADDRESS: string; ZS_TASK_QUEUE: string } & Record<string, string>,
): WorkerProcess[] {
  return Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'worker.ts')], {
      cwd: projectRoot,
      env: { ...process.env, ZS_LOG_LEVEL: 'WARN', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      if (process.env.ZS_BENCH_VERBOSE) process.stderr.write(chunk);
    });
    return { child, pid: child.pid!, stderrTail: () => tail };
  });
}

/**
 * Waits until every process polls the task queue for workflow tasks (a worker starts polling for
 * workflow and activity tasks together; activities may be routed to queues of their own).
 */
export async function waitForPollers(
  client: Client,
  taskQueue: string,
  workers: WorkerProcess[],
  timeoutMs = CONDITION_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    // By the SDK's default identity, <pid>@<host>; any other identity scheme counts by number.
    const identities = (answer.pollers ?? []).map((p) => p.identity ?? '');
    const pids = new Set(identities.map((identity) => Number(/^(\d+)@/.exec(identity)?.[1])));
    if (workers.every((w) => pids.has(w.pid)) || new Set(identities).size >= workers.length) return;
    const dead = workers.find((w) => w.child.exitCode !== null);
    if (dead) throw new Error(`worker ${dead.pid} exited (${dead.child.exitCode}) before polling: ${dead.stderrTail()}`);
    if (Date.now() > deadline) throw new Error(`workers did not all poll ${taskQueue} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A `VmRSS:`/`VmHWM:` line of /proc/<pid>/status, in MB (undefined when absent). */
export function procStatusMb(statusText: string, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(statusText);
  return match ? Number(match[1]) / 1024 : undefined;
}

/**
 * Resident memory per process, sampled from /proc/<pid>/status every `intervalMs` from its
 * construction: the first sample (`first`) and the highest (`peak`). VmRSS, not the kernel's VmHWM:
 * a worker's all-time peak is its start-up (bundling the workflow code), not the work it then does.
 */
export class MemorySampler {
  private readonly firstMb = new Map<number, number>();
  private readonly peakMb = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: number[],
    intervalMs = 1000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Reads every live process now (a killed process keeps what was read before). */
  sample(): void {
    for (const pid of this.pids) {
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // exited
      }
      const mb = procStatusMb(status, 'VmRSS');
      if (mb === undefined) continue;
      if (!this.firstMb.has(pid)) this.firstMb.set(pid, mb);
      this.peakMb.set(pid, Math.max(this.peakMb.get(pid) ?? 0, mb));
    }
  }

  first(pid: number): number | undefined {
    return this.firstMb.get(pid);
  }

  peak(pid: number): number | undefined {
    return this.peakMb.get(pid);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** SIGTERM (a graceful shutdown), then SIGKILL after `graceMs`. */
export async function stopWorkerProcesses(workers: WorkerProcess[], graceMs = 20_000): Promise<void> {
  await Promise.all(
    workers.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
