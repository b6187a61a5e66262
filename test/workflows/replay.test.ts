// Determinism guard: the workflows must replay every recorded history (test/histories/<label>/, made
// by scripts/record-histories.ts). Each label is the workflow code of one version: old ones stay, so
// a change that would break workflows still running on an older version fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../../harness/stack';

const root = path.join(__dirname, '../histories');
const labels = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const recorded = labels.flatMap((label) => {
  const dir = path.join(root, label);
  const manifest: Record<string, string> = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .sort()
    .map((f) => ({ label, file: f, path: path.join(dir, f), workflowId: manifest[f]! }));
});
const files = recorded.map((r) => r.file);

test('recorded histories exist for both workflow types', () => {
  assert.ok(labels.length >= 1, 'at least one recorded version');
  assert.ok(
    files.some((f) => f.startsWith('sourceWorkflow')),
    'source workflow histories',
  );
  assert.ok(
    files.some((f) => f.startsWith('backfillWorkflow')),
    'backfill workflow histories',
  );
});

test('the current workflow code replays every recorded history', async () => {
  const histories = recorded.map((r) => ({ workflowId: r.workflowId, history: historyFromJSON(JSON.parse(readFileSync(r.path, 'utf8'))) }));
  const bundle = await workflowBundle();
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message.slice(0, 400)}`);
  }
  assert.deepEqual(failures, []);
  assert.equal(histories.length, recorded.length);
});
