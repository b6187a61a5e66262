// Determinism guard: the workflows must replay every recorded history (test/histories/, made by
// scripts/record-histories.ts). A change that would break running workflows fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from './support/stack';

const dir = path.join(__dirname, 'histories');
const manifest: Record<string, string> = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort();

test('recorded histories exist for both workflow types', () => {
  assert.ok(files.some((f) => f.startsWith('sourceWorkflow')), 'source workflow histories');
  assert.ok(files.some((f) => f.startsWith('backfillWorkflow')), 'backfill workflow histories');
});

test('the current workflow code replays every recorded history', async () => {
  const histories = files.map((f) => ({ workflowId: manifest[f]!, history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) }));
  const bundle = await workflowBundle();
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message.slice(0, 400)}`);
  }
  assert.deepEqual(failures, []);
  assert.equal(histories.length, files.length);
});
