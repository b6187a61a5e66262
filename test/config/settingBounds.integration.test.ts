// Every numeric setting has a documented range (config/settingBounds.ts), and the settings schema
// (client, settings file, worker), the workflow's own check and the set-rate validator apply the
// same one: each is tried at its minimum and maximum, just outside both, as a fraction where whole
// numbers are needed, and as NaN, ±Infinity and text. A lookback reaching before 1970 is refused at
// configuration instead of failing every tickets cycle; the largest one accepted syncs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { rateSettingsProblems, validateSourceConfig } from '../../config/sourceConfig';
import { MAX_LOOKBACK_DAYS, SETTING_BOUNDS, type BoundedSetting, type NumberBound } from '../../config/settingBounds';
import { parseSettings } from '../../config/settingsFile';
import { workflowSettingsProblems } from '../../workflows/settingsCheck';
import type { SourceConfig } from '../../workflows/types';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { checkSource } from '../../cli/check';
import { streams } from '../../catalog/collections';
import { startSmall } from '../emulator/helpers';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const ROOT = path.resolve(__dirname, '../..');
const base: SourceConfig = { name: 'a', subdomain: 'acme', credentialRef: 'env:ZENDESK', destination: 'env:ZS_WAREHOUSE_URL' };

/** The settings with `field` (e.g. `rate.share`) set to `value`. */
function withSetting(field: string, value: unknown): SourceConfig {
  const [group, key] = field.includes('.') ? field.split('.') : [undefined, field];
  if (!group) return { ...base, [key!]: value } as SourceConfig;
  // The two retry delays are also compared with each other: the other one is kept out of the way.
  const companion: Record<string, unknown> =
    field === 'timing.retryInitialSeconds'
      ? { retryMaximumSeconds: SETTING_BOUNDS['timing.retryMaximumSeconds'].max }
      : field === 'timing.retryMaximumSeconds'
        ? { retryInitialSeconds: SETTING_BOUNDS['timing.retryInitialSeconds'].min }
        : {};
  return { ...base, [group]: { ...companion, [key!]: value } } as SourceConfig;
}

function schemaProblem(config: SourceConfig): string | undefined {
  try {
    validateSourceConfig(config);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Values inside the bounds and values outside them, derived from the documented bounds. */
function cases(bound: NumberBound): { accepted: number[]; refused: unknown[] } {
  const step = bound.integer ? 1 : Math.min(0.001, bound.min / 10 || 0.001);
  const accepted = [bound.max, bound.minExclusive ? bound.min + step : bound.min];
  const refused: unknown[] = [
    bound.max + step,
    bound.minExclusive ? bound.min : bound.min - step,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    String(bound.max),
    null,
    -1,
  ];
  if (bound.integer) refused.push(bound.min + 0.5, bound.max - 0.5);
  else accepted.push(bound.min + 0.5);
  return { accepted, refused };
}

test('every numeric setting: accepted at its bounds, refused just outside, as a fraction where whole numbers are needed, NaN, ±Infinity, text', () => {
  assert.deepEqual(Object.keys(SETTING_BOUNDS).sort(), [
    'intervalSeconds',
    'lookbackDays',
    'parallelStreams',
    'rate.corePerMinute',
    'rate.exportPerMinute',
    'rate.share',
    'rate.windowMs',
    'reconcileEveryHours',
    'timing.heartbeatTimeoutSeconds',
    'timing.maxAttempts',
    'timing.retryInitialSeconds',
    'timing.retryMaximumSeconds',
  ]);
  for (const [field, bound] of Object.entries(SETTING_BOUNDS) as Array<[BoundedSetting, NumberBound]>) {
    const { accepted, refused } = cases(bound);
    for (const value of accepted) {
      const config = withSetting(field, value);
      assert.equal(schemaProblem(config), undefined, `${field} = ${value} is accepted by the settings schema`);
      assert.deepEqual(workflowSettingsProblems(config, { strict: true }), [], `${field} = ${value} is accepted by the workflow's check`);
      if (field.startsWith('rate.')) assert.deepEqual(rateSettingsProblems(config.rate), [], `${field} = ${value} accepted by set-rate`);
    }
    for (const value of refused) {
      const config = withSetting(field, value);
      const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
      const message = schemaProblem(config);
      assert.ok(message, `${field} = ${shown} is refused by the settings schema`);
      assert.match(message!, new RegExp(`${field.replace('.', '\\.')}: must be a (whole )?number`), `${field} = ${shown}: ${message}`);
      // The message gives the range, so the operator knows the fix.
      assert.ok(message!.includes(`${bound.max}`), `${field} = ${shown}: the range is in ${message}`);
      const inWorkflow = workflowSettingsProblems(config, { strict: true });
      assert.equal(inWorkflow.length, 1, `${field} = ${shown} is refused by the workflow's check: ${inWorkflow}`);
      assert.ok(inWorkflow[0]!.startsWith(`${field}: `), inWorkflow[0]);
      if (field.startsWith('rate.')) assert.equal(rateSettingsProblems(config.rate).length, 1, `${field} = ${shown} refused by set-rate`);
    }
  }
});

test('lookbackDays: the largest accepted value still starts after 1970; a larger one is refused at configuration with a message for the operator', () => {
  assert.ok(Date.now() / 1000 - MAX_LOOKBACK_DAYS * 86_400 > 365 * 86_400, 'the maximum reaches back no further than 1971');
  const message = schemaProblem({ ...base, lookbackDays: 36_500 }) ?? '';
  assert.match(message, /lookbackDays: must be a whole number from 1 to 20000 \(days\): start_time must stay after 1970-01-01.*got 36500/);
  // The settings file says which source.
  assert.throws(
    () => parseSettings({ sources: [{ ...base, lookbackDays: 36_500 }] }, 'sources.json'),
    /sources\[0\] \(a\)\.lookbackDays: must be a whole number from 1 to 20000/,
  );
});

test('timing: the longest retry delay may not be shorter than the first (Temporal would refuse the retry policy in the workflow task)', () => {
  assert.equal(schemaProblem({ ...base, timing: { retryInitialSeconds: 1, retryMaximumSeconds: 1 } }), undefined);
  assert.match(
    schemaProblem({ ...base, timing: { retryInitialSeconds: 10, retryMaximumSeconds: 5 } }) ?? '',
    /timing\.retryMaximumSeconds: the longest retry delay \(5 s\) must not be shorter than the first/,
  );
  // Against the default first delay (5 s).
  assert.match(
    schemaProblem({ ...base, timing: { retryMaximumSeconds: 4 } }) ?? '',
    /timing\.retryMaximumSeconds: .*retryInitialSeconds 5 s/,
  );
  assert.deepEqual(
    workflowSettingsProblems({ ...base, timing: { retryMaximumSeconds: 4 } }, { strict: true }).map((p) => p.split(':')[0]),
    ['timing.retryMaximumSeconds'],
  );
});

test('the workflow check without the bounds patch keeps its older rules (runs recorded before replay unchanged)', () => {
  assert.deepEqual(
    workflowSettingsProblems({ ...base, lookbackDays: 36_500, rate: { share: 5 }, destination: 'postgres://u@h/db?password=x' }),
    [],
  );
  assert.equal(workflowSettingsProblems({ ...base, lookbackDays: 36_500 }, { strict: true }).length, 1);
});

test("runs patched only with the bounds keep that era's subset; runs patched with the schema apply all of it (open runs replay)", () => {
  // A bad subdomain was the checkSource activity's to refuse in the bounds era: such a run has that activity in its history.
  const badSubdomain = { ...base, subdomain: 'not a subdomain!' };
  assert.deepEqual(workflowSettingsProblems(badSubdomain, { strict: true }), []);
  assert.deepEqual(
    workflowSettingsProblems(badSubdomain, { strict: true, wholeSchema: true }).map((p) => p.split(':')[0]),
    ['subdomain'],
  );
  // What the bounds era did check, both apply.
  for (const wholeSchema of [false, true]) {
    assert.deepEqual(
      workflowSettingsProblems({ ...base, lookbackDays: 36_500 }, { strict: true, wholeSchema }).map((p) => p.split(':')[0]),
      ['lookbackDays'],
    );
    assert.deepEqual(
      workflowSettingsProblems({ ...base, destination: 'postgres://u@h/db?password=x' }, { strict: true, wholeSchema }).map(
        (p) => p.split(':')[0],
      ),
      ['destination'],
    );
  }
});

test('client start: --lookback-days 0 or a typo is refused before Temporal is contacted, not silently dropped', async () => {
  const run = promisify(execFile);
  for (const given of ['0', 'ten']) {
    const result = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'client.ts',
        '--address',
        '127.0.0.1:1',
        'start',
        '--name',
        'acme',
        '--subdomain',
        'acme',
        '--credential',
        'env:ZD',
        '--destination',
        'env:ZS_WAREHOUSE_URL',
        '--lookback-days',
        given,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    ).then(
      () => assert.fail(`--lookback-days ${given} was accepted`),
      (err: { code?: number; stderr?: string }) => err,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr ?? '', /lookbackDays: must be a whole number from 1 to 20000/, `--lookback-days ${given}`);
  }
});

test('lookbackDays at its maximum: the tickets export starts after 1970 and loads every ticket', async () => {
  const emulator = await startSmall({ tickets: 6, users: 3 });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-lookback-'));
  const resources = new WorkerResources();
  try {
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const config = validateSourceConfig({
      name: 'far_back',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
      lookbackDays: MAX_LOOKBACK_DAYS,
      collections: { ticket_metrics: false },
    });
    const result = await runSyncStream(
      { config, stream: 'tickets', cursor: null, mode: 'incremental', runTag: 'test' },
      {
        destination: await resources.destination(config.destination),
        session: await resources.session(config),
        heartbeat: () => {},
        signal: new AbortController().signal,
        log: () => {},
      },
    );
    const truth = emulator.groundTruth();
    assert.equal(result.rowsByTable?.tickets, truth.tickets!.length, JSON.stringify(result.rowsByTable));
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('check: a probe Zendesk answers with 422 "too recent start_time" means available (nothing new), not unavailable', async () => {
  const emulator = await startSmall({ tickets: 3, users: 3 });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-check-recent-'));
  try {
    // The account's clock two hours behind the worker's: the probe's start_time (the worker's "an
    // hour ago") is in the account's future, which Zendesk answers with 422 "Too recent start_time".
    emulator.advanceClock(-7200);
    const credentialRef = await saveAdminCredential(emulator, tmp);
    const report = await checkSource({
      name: 'acme',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
    });
    const exports = streams.filter((s) => s.style === 'cursor_export' || s.style === 'time_export').map((s) => s.name);
    assert.ok(exports.includes('tickets'));
    const tooRecent = emulator.requestLog.entries().filter((e) => e.status === 422);
    assert.ok(tooRecent.length > 0, 'the emulator answered a probe with 422');
    for (const stream of exports) {
      const probe = report.streams.find((s) => s.stream === stream)!;
      assert.equal(probe.available, true, `${stream}: ${JSON.stringify(probe)}`);
    }
    assert.ok(
      report.streams.some((s) => /too recent start_time/.test(s.note ?? '')),
      JSON.stringify(report.streams),
    );
  } finally {
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('reconciliationOnly names only lists read in full: memberships yes; a time-filtered list, an export or an unknown name no', () => {
  const base = { name: 'r', baseUrl: 'http://127.0.0.1:1', credentialRef: 'file:/x.json', destination: 'sqlite://./w' };
  assert.deepEqual(
    validateSourceConfig({ ...base, reconciliationOnly: ['organization_memberships', 'group_memberships'] }).reconciliationOnly,
    ['organization_memberships', 'group_memberships'],
  );
  for (const name of ['satisfaction_ratings', 'ticket_skips', 'tickets', 'no_such_table']) {
    assert.throws(
      () => validateSourceConfig({ ...base, reconciliationOnly: [name] }),
      new RegExp(`${name}: only lists read in full can be read only on reconciliations; one of groups`),
    );
  }
});
