/**
 * Against a real Temporal dev server with its Web UI: a rate change takes effect on the next stream
 * activity without a restart, and the Web UI, driven in headless Chromium, shows the source workflow,
 * its per-collection activities and a backfill child (screenshots under artifacts/).
 * Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium); fails clearly without it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, WorkerResources } from '../../activities';
import { sourceHandle } from '../../cli/sources';
import { backfillUpdate, setRateUpdate, syncNowSignal } from '../../workflows/messages';
import { workflowIdForSource } from '../../workflows/ids';
import type { SyncStreamInput } from '../../workflows/types';
import { sourceConfig, startStack, startTestSource, waitForCycle, workflowBundle, type Stack } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../artifacts');
const SOURCE = 'zendesk_ui';

describe('live stack: rate settings and the Web UI', () => {
  let stack: Stack;
  let stopWorker: () => Promise<void>;
  const inputs: SyncStreamInput[] = [];

  before(async () => {
    stack = await startStack({ ui: true, emulator: { tickets: 30, users: 10 } });
    const connection = await NativeConnection.connect({ address: stack.server.address });
    const resources = new WorkerResources();
    const activities = createActivities(resources);
    const worker = await Worker.create({
      connection,
      taskQueue: stack.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: { ...activities, syncStream: (input: SyncStreamInput) => (inputs.push(input), activities.syncStream(input)) },
      shutdownGraceTime: '5 seconds',
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
      await resources.close();
      await connection.close();
    };
    const config = sourceConfig(stack, {
      name: SOURCE,
      destination: `sqlite://${stack.tmp}/wh`,
      collections: { tickets: true, groups: true, users: true },
    });
    await startTestSource(stack, config);
    await waitForCycle(stack, SOURCE, 1);
  });
  after(async () => {
    await stopWorker?.();
    await stack?.close();
  });

  test('set-rate takes effect on the next stream activity, without a restart', async () => {
    const handle = sourceHandle(stack.client, SOURCE);
    const rate = await handle.executeUpdate(setRateUpdate, { args: [{ corePerMinute: 4321, share: 0.5 }] });
    assert.equal(rate.corePerMinute, 4321);
    const before = inputs.length;
    await handle.signal(syncNowSignal);
    await waitForCycle(stack, SOURCE, 2);
    const next = inputs.slice(before);
    assert.ok(next.length > 0, 'a new cycle ran');
    for (const input of next) {
      assert.equal(input.config.rate?.corePerMinute, 4321, input.stream);
      assert.equal(input.config.rate?.share, 0.5);
    }
    for (const input of inputs.slice(0, before)) assert.notEqual(input.config.rate?.corePerMinute, 4321);
  });

  test('the Web UI in headless Chromium: source workflow, per-collection activities, a backfill child', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    const started = await sourceHandle(stack.client, SOURCE).executeUpdate(backfillUpdate, {
      args: [{ collections: ['tickets'], from: new Date(Date.now() - 30 * 86400_000).toISOString() }],
    });
    assert.ok(started.length > 0);
    const childId = started[0].workflowId;
    // No `to` given: the range ends "now", fixed by this first request (so asking again is the same backfill).
    assert.match(
      childId,
      /\/backfill\/tickets\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.\.now$/,
      'the backfill id shows its range as an ISO instant ..now',
    );
    await stack.client.workflow
      .getHandle(childId)
      .result()
      .catch(() => undefined);
    // The UI's list reads the visibility store, which may lag behind on a busy machine: open the
    // page once the store lists both workflows (a condition, not a longer timeout).
    const deadline = Date.now() + CONDITION_WAIT_MS;
    for (;;) {
      const ids = new Set<string>();
      for await (const w of stack.client.workflow.list({
        query: `WorkflowId = '${childId}' OR WorkflowId = '${workflowIdForSource(SOURCE)}'`,
      }))
        ids.add(w.workflowId);
      if (ids.size === 2) break;
      assert.ok(Date.now() < deadline, `the visibility store lists ${[...ids].join(', ') || 'nothing'}`);
      await new Promise((r) => setTimeout(r, 300));
    }

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const ui = stack.server.uiUrl!;
      await page.goto(`${ui}/namespaces/default/workflows`);
      const sourceLink = page.locator(`a[href*="zendesk-source-${SOURCE}"]`).first();
      await sourceLink.waitFor({ timeout: CONDITION_WAIT_MS });
      await page
        .locator(`a[href*="${encodeURIComponent(childId)}"], a[href*="${childId}"]`)
        .first()
        .waitFor({ timeout: CONDITION_WAIT_MS });
      await page.screenshot({ path: path.join(ARTIFACTS, 'webui-workflows.png'), fullPage: true });

      await sourceLink.click();
      await page.waitForURL(/\/workflows\/zendesk-source-/, { timeout: CONDITION_WAIT_MS });
      await page.getByText('syncStream').first().waitFor({ timeout: CONDITION_WAIT_MS });
      const body = await page.locator('body').innerText();
      for (const stream of ['tickets', 'groups', 'users'])
        assert.match(body, new RegExp(`sync ${stream}`), `the page names the ${stream} activity`);
      assert.match(body, /next cycle in 1h/, 'the wait between cycles says what it is');
      await page.screenshot({ path: path.join(ARTIFACTS, 'webui-source.png'), fullPage: true });

      await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(childId)}`);
      await page.getByText('backfillWorkflow').first().waitFor({ timeout: CONDITION_WAIT_MS });
      await page.screenshot({ path: path.join(ARTIFACTS, 'webui-backfill.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
