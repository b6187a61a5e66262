/**
 * Records workflow histories for the determinism guard (test/workflows/replay.test.ts): runs a source through
 * cycles, a pause and resume, a sync-now, a backfill (asked for twice) and a credentials failure on a
 * real dev server, plus sources with invalid settings (then stopped), a Zendesk outage during the
 * check, a stop in mid-cycle, and a backfill asked for again after its source was stopped and started
 * (answered by asking Temporal about the child), then saves every run's history under test/histories/<label>/. Record a new label after a
 * versioned (patched) workflow change, and keep the old labels: workflows started on older code
 * must keep replaying.  npx tsx scripts/record-histories.ts <label>
 */
import { writeFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findTemporalCli } from '../runtime/temporalCli';
import { saveCredential } from '../credentials/store';
import { querySourceStatus, sourceHandle, stopSourceAndWait } from '../cli/sources';
import type { SourceState } from '../workflows/types';
import { backfillUpdate, pauseSignal, resumeSignal, syncNowSignal } from '../workflows/messages';
import { workflowIdForAccount, workflowIdForSource } from '../workflows/ids';
import { WorkerResources } from '../activities/resources';
import { sourceConfig, startStack, startTestSource, startWorker, waitForCycle, type Stack } from '../harness/stack';

async function main(): Promise<void> {
  const label = process.argv[2];
  if (!label || !/^[\w.-]+$/.test(label)) throw new Error('usage: npx tsx scripts/record-histories.ts <label>   (e.g. v2-named-ids)');
  const out = path.resolve(__dirname, '../test/histories', label);
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.endsWith('.json')) rmSync(path.join(out, f));
  const stack = await startStack({ emulator: { tickets: 150 } });
  const worker = await startWorker(stack);
  try {
    const destination = `sqlite://${path.join(stack.tmp, 'warehouse')}`;
    const name = 'recorded';
    await startTestSource(stack, sourceConfig(stack, { name, destination, lookbackDays: 30, intervalSeconds: 1 }));
    await waitForCycle(stack, name, 2);
    const handle = sourceHandle(stack.client, name);
    const from = new Date((stack.emulator.now() - 600 * 86_400) * 1000).toISOString();
    const [backfill] = await handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from }] });
    await handle.executeUpdate(backfillUpdate, { args: [{ collections: ['tickets'], from }] }); // the idempotent answer
    await handle.signal(pauseSignal);
    await new Promise((r) => setTimeout(r, 1500));
    await handle.signal(resumeSignal);
    await waitForCycle(stack, name, 4);
    await handle.signal(syncNowSignal);
    await waitForCycle(stack, name, 5);
    await handle.signal(pauseSignal);

    const badRef = `file:${path.join(stack.tmp, 'bad.json')}`;
    await saveCredential(badRef, { type: 'api_token', email: 'nobody@example.com', token: 'bad' });
    await startTestSource(stack, sourceConfig(stack, { name: 'recorded_bad', destination, credentialRef: badRef }));
    await waitForCycle(stack, 'recorded_bad', 1);

    // Settings no cycle can run with, straight from a raw start; then stopped while it waits.
    const invalidId = workflowIdForSource('recorded_invalid');
    const invalid = await stack.client.workflow.start('sourceWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: invalidId,
      args: [{ config: { ...sourceConfig(stack, { name: 'recorded_invalid', destination }), intervalSeconds: 0 } }],
    });
    await waitForState(stack, 'recorded_invalid', 'settings_invalid');
    await invalid.cancel();
    await invalid.result().catch(() => {});

    // Zendesk failing the credential check (5xx): the source waits to retry soon.
    stack.emulator.setFaults([{ id: 'check-down', endpoint: '/api/v2/users/me', kind: 'status', status: 500 }]);
    await startTestSource(stack, sourceConfig(stack, { name: 'recorded_down', destination }));
    await waitForState(stack, 'recorded_down', 'unreachable');
    stack.emulator.setFaults([]);

    // A stop in mid-cycle (a slow tickets export keeps the cycle busy).
    stack.emulator.setFaults([{ id: 'slow', endpoint: '/api/v2/incremental/tickets/cursor', kind: 'latency', latencyMs: 3000 }]);
    await startTestSource(stack, sourceConfig(stack, { name: 'recorded_stopped', destination }));
    await waitForState(stack, 'recorded_stopped', 'syncing');
    await sourceHandle(stack.client, 'recorded_stopped').cancel();
    await sourceHandle(stack.client, 'recorded_stopped')
      .result()
      .catch(() => {});
    stack.emulator.setFaults([]);

    // A completed backfill asked for again by a new run of its source (no memory of it).
    const againConfig = sourceConfig(stack, { name: 'recorded_again', destination, lookbackDays: 30 });
    await startTestSource(stack, againConfig);
    await waitForCycle(stack, 'recorded_again', 1);
    const againRequest = {
      collections: ['tickets'],
      from: new Date((stack.emulator.now() - 600 * 86_400) * 1000).toISOString(),
      to: new Date((stack.emulator.now() - 300 * 86_400) * 1000).toISOString(),
    };
    const again = sourceHandle(stack.client, 'recorded_again');
    const [againChild] = await again.executeUpdate(backfillUpdate, { args: [againRequest] });
    const deadline = Date.now() + 180_000;
    while ((await querySourceStatus(stack.client, 'recorded_again')).backfills[againChild!.workflowId]?.state !== 'completed') {
      if (Date.now() > deadline) throw new Error('the recorded_again backfill never completed');
      await new Promise((r) => setTimeout(r, 200));
    }
    await stopSourceAndWait(stack.client, 'recorded_again', 120_000);
    await startTestSource(stack, againConfig);
    await again.executeUpdate(backfillUpdate, { args: [againRequest] });
    await again.signal(pauseSignal);
    await waitForState(stack, 'recorded_again', 'paused');

    const ids = [
      workflowIdForSource(name),
      workflowIdForSource('recorded_bad'),
      backfill!.workflowId,
      invalidId,
      workflowIdForSource('recorded_down'),
      workflowIdForSource('recorded_stopped'),
      workflowIdForSource('recorded_again'),
      againChild!.workflowId,
      // The account host (workflows/accountHost.ts), still running: its history so far.
      workflowIdForAccount(WorkerResources.accountKey({ baseUrl: stack.emulator.baseUrl }), stack.taskQueue),
    ];
    let n = 0;
    const manifest: Record<string, string> = {};
    for (const workflowId of ids) {
      for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        // The CLI writes the standard JSON history format that historyFromJSON reads.
        const json = execFileSync(findTemporalCli(), [
          'workflow',
          'show',
          '--address',
          stack.server.address,
          '--workflow-id',
          workflowId,
          '--run-id',
          execution.runId,
          '--output',
          'json',
        ]);
        const file = path.join(out, `${execution.type}-${String(++n).padStart(2, '0')}.json`);
        writeFileSync(file, json);
        manifest[path.basename(file)] = workflowId; // replay needs the real workflow id
      }
    }
    writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`recorded ${n} histories in ${out}`);
  } finally {
    await worker.stop();
    await stack.close();
  }
}

async function waitForState(stack: Stack, source: string, state: SourceState): Promise<void> {
  const deadline = Date.now() + 180_000;
  while ((await querySourceStatus(stack.client, source).catch(() => undefined))?.state !== state) {
    if (Date.now() > deadline) throw new Error(`${source} never reached ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
