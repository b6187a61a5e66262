import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseSettings } from '../../config/settingsFile';
import { validateSourceConfig } from '../../config/sourceConfig';
import { RateBudget } from '../../zendesk';
import { checkSource } from '../../cli/check';
import { startSmall } from '../emulator/helpers';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const ROOT = path.resolve(__dirname, '../..');
const good = (name: string) => ({ name, subdomain: 'acme', credentialRef: 'env:ZENDESK', destination: 'env:ZS_WAREHOUSE_URL' });

test('settings file: many sources; problems name the source, the field and the fix', () => {
  assert.deepEqual(
    parseSettings({ sources: [good('a'), good('b')] }).map((c) => c.name),
    ['a', 'b'],
  );
  const message = (v: unknown) => {
    try {
      parseSettings(v, 'sources.json');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(message({}), /must be \{"sources": \[/);
  const m = message({
    sources: [good('a'), { ...good('b'), rate: { share: 2 } }, { ...good('a') }, { ...good('c'), credentialRef: 'hunter2' }],
  });
  assert.match(m, /sources\[1\] \(b\)\.rate\.share: /);
  assert.match(m, /sources\[2\] \(a\)\.name: "a" is used twice/);
  assert.match(m, /sources\[3\] \(c\)\.credentialRef: must name a secret: file:<path to a credential JSON> or env:<PREFIX>/);
  assert.ok(!m.includes('hunter2'), 'the bad value is not echoed');
});

test('settings: the subdomain is normalised and checked when the source is configured', () => {
  assert.equal(validateSourceConfig({ ...good('a'), subdomain: 'https://ACME.zendesk.com/' }).subdomain, 'acme');
  assert.equal(validateSourceConfig({ ...good('a'), subdomain: 'acme.zendesk.com' }).subdomain, 'acme');
  assert.throws(
    () => validateSourceConfig({ ...good('a'), subdomain: 'acme.zendesk.com.zendesk.com' }),
    (err: Error) =>
      (err as { type?: string }).type === 'InvalidSettingsError' &&
      /subdomain: Invalid Zendesk subdomain "acme\.zendesk\.com\.zendesk\.com": expected the account subdomain only/.test(err.message),
  );
  assert.throws(
    () => parseSettings({ sources: [{ ...good('a'), subdomain: 'acme/tickets' }] }),
    /sources\[0\] \(a\)\.subdomain: Invalid Zendesk subdomain/,
  );
  assert.throws(
    () => validateSourceConfig({ name: 'a', baseUrl: 'http://zendesk-proxy.internal:8080', credentialRef: 'env:Z', destination: 'env:W' }),
    /baseUrl: .*plain http is only allowed for loopback hosts/,
  );
  assert.equal(
    validateSourceConfig({ name: 'a', baseUrl: 'http://127.0.0.1:4010', credentialRef: 'env:Z', destination: 'env:W' }).baseUrl,
    'http://127.0.0.1:4010',
  );
});

test('settings: intervalSeconds of at least one second', () => {
  for (const seconds of [1, 3, 2.5, 3600])
    assert.equal(validateSourceConfig({ ...good('a'), intervalSeconds: seconds }).intervalSeconds, seconds);
  for (const bad of [0, -5, 0.5, 0.001, Number.POSITIVE_INFINITY]) {
    assert.throws(() => validateSourceConfig({ ...good('a'), intervalSeconds: bad }), /intervalSeconds: /, String(bad));
  }
  assert.throws(
    () => validateSourceConfig({ ...good('a'), intervalSeconds: 0.5 }),
    /intervalSeconds: must be a number from 1 to 2678400 \(s\): at least 1 s between sync cycles/,
  );
});

test('settings: rate.highVolumeAddOn switches the export cap to 30/min unless exportPerMinute is set', () => {
  const config = validateSourceConfig({ ...good('a'), rate: { highVolumeAddOn: true } });
  // (RateSettings in workflows/types.ts gains the field with the wiring in activities/resources.ts.)
  assert.equal((config.rate as { highVolumeAddOn?: boolean } | undefined)?.highVolumeAddOn, true);
  assert.equal(new RateBudget(config.rate).currentSettings.exportPerMinute, 30);
  const explicit = validateSourceConfig({ ...good('a'), rate: { highVolumeAddOn: true, exportPerMinute: 20 } });
  assert.equal(new RateBudget(explicit.rate).currentSettings.exportPerMinute, 20);
  assert.throws(() => validateSourceConfig({ ...good('a'), rate: { highVolumeAddOn: 'yes' } }), /rate\.highVolumeAddOn: /);
});

test('check: role and plan-available collections before any sync (team plan: no ticket forms, no audit logs)', async () => {
  const emulator = await startSmall({ tickets: 3, users: 3, plan: 'team' });
  try {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-check-'));
    const credentialRef = await saveAdminCredential(emulator, tmp, 'c.json');
    const config = { name: 'acme', baseUrl: emulator.baseUrl, credentialRef, destination: `sqlite://${tmp}/wh` };
    const report = await checkSource(config);
    assert.equal(report.user.role, 'admin');
    const byStream = Object.fromEntries(report.streams.map((s) => [s.stream, s]));
    assert.equal(byStream.tickets.available, true);
    assert.equal(byStream.users.available, true);
    assert.equal(byStream.ticket_forms.available, false, JSON.stringify(byStream.ticket_forms));
    assert.equal(byStream.audit_logs.available, false);
    assert.match(byStream.audit_logs.note!, /not available to this plan or role/);
    // Lists read per parent are probed through their parent list; plan-gated configuration shows as such.
    assert.equal(byStream.schedule_holidays.available, true, JSON.stringify(byStream.schedule_holidays));
    for (const gated of ['sla_policies', 'attribute_values', 'custom_roles'])
      assert.match(byStream[gated].note!, /not available to this plan or role/, gated);
    assert.match(report.warnings.join(' '), /2027-04-30/);

    // The same through the command line, from a settings file with two sources.
    const file = path.join(tmp, 'sources.json');
    writeFileSync(file, JSON.stringify({ sources: [good('other'), config] }));
    // Asynchronously: the emulator runs in this process.
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'client.ts', 'check', 'acme', '--settings', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.match(run.stdout, /signed in as user \d+ .*role admin/);
    assert.match(run.stdout, /audit_logs\s.*NO/);
  } finally {
    await emulator.close();
  }
});
