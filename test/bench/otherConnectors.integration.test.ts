import assert from 'node:assert/strict';
import { test } from 'node:test';
import { airbyteInstalled, airbyteVenv, runAirbyteAgainstEmulator } from '../../bench/airbyteZendesk';
import { formatTapRun, runTapAgainstEmulator, tapInstalled, tapVenv } from '../../bench/otherConnectors';

/**
 * Singer's tap-zendesk, unchanged, discovers and syncs from the emulator, and its records equal the
 * ground truth (bench/otherConnectors.ts does the work), and so does Airbyte's source-zendesk-support.
 * Opt-in: they run Python programs, so `npm test` skips them unless ZS_OTHER_CONNECTORS=1; each needs
 * its connector installed (`bash scripts/tap-zendesk.sh`, `bash scripts/airbyte-zendesk.sh`).
 */
const enabled = process.env.ZS_OTHER_CONNECTORS === '1';
const skip = !enabled
  ? 'set ZS_OTHER_CONNECTORS=1 to run tap-zendesk against the emulator'
  : !tapInstalled()
    ? `tap-zendesk is not installed in ${tapVenv()}: run \`bash scripts/tap-zendesk.sh\``
    : false;

test('tap-zendesk syncs from the emulator unchanged and its records equal the ground truth', { skip }, async () => {
  const run = await runTapAgainstEmulator({ tickets: 150 });
  const report = formatTapRun(run);
  for (const stream of [
    'tickets',
    'ticket_metrics',
    'users',
    'organizations',
    'groups',
    'ticket_fields',
    'ticket_forms',
    'group_memberships',
    'satisfaction_ratings',
  ]) {
    assert.ok(run.discovered.includes(stream), `discovery lists ${stream}\n${report}`);
    const compared = run.streams.find((s) => s.stream === stream)!;
    assert.ok(compared.truthRows > 0, `the account has ${stream} to compare\n${report}`);
  }
  assert.ok(run.ok, report);
  // The check reached the connection-check endpoints the emulator serves for it.
  assert.ok(run.requests['/api/v2/search.json'], 'the users check searched');
});

const airbyteSkip = !enabled
  ? 'set ZS_OTHER_CONNECTORS=1 to run Airbyte source-zendesk-support against the emulator'
  : !airbyteInstalled()
    ? `Airbyte source-zendesk-support is not installed in ${airbyteVenv()}: run \`bash scripts/airbyte-zendesk.sh\``
    : false;

test(
  "Airbyte's source-zendesk-support checks, discovers and reads from the emulator unchanged; its records equal the ground truth",
  { skip: airbyteSkip },
  async () => {
    const run = await runAirbyteAgainstEmulator({ tickets: 150 });
    const report = formatTapRun(run);
    for (const s of run.streams) assert.ok(s.truthRows > 0, `the account has ${s.stream} to compare\n${report}`);
    assert.ok(run.ok, report);
    assert.equal(run.requests['/api/v2/account/settings.json'], 1, 'the check read the account settings');
  },
);
