import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTapRun, runTapAgainstEmulator, tapInstalled, tapVenv } from '../../bench/otherConnectors';

/**
 * Singer's tap-zendesk, unchanged, discovers and syncs from the emulator, and its records equal the
 * ground truth (bench/otherConnectors.ts does the work). Opt-in: it runs a Python program for about
 * a minute, so `npm test` skips it unless ZS_OTHER_CONNECTORS=1; it needs the tap installed
 * (`bash scripts/tap-zendesk.sh`).
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
  for (const stream of ['tickets', 'ticket_metrics', 'users', 'organizations', 'groups', 'ticket_fields', 'ticket_forms', 'group_memberships', 'satisfaction_ratings']) {
    assert.ok(run.discovered.includes(stream), `discovery lists ${stream}\n${report}`);
    const compared = run.streams.find((s) => s.stream === stream)!;
    assert.ok(compared.truthRows > 0, `the account has ${stream} to compare\n${report}`);
  }
  assert.ok(run.ok, report);
  // The check reached the connection-check endpoints the emulator serves for it.
  assert.ok(run.requests['/api/v2/search.json'], 'the users check searched');
});
