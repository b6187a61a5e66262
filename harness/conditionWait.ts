/**
 * How long a test waits for a condition before it fails with what it saw: most of the test runner's own
 * per-test bound (ZS_TEST_TIMEOUT_MS, scripts/test.sh), never a shorter guess at how fast this machine is.
 * A busy CI machine ran the BigQuery cycle past a 15-minute wait; every wait in the tests uses this bound,
 * so only a condition that never comes fails a test, not a slow machine.
 */
export const CONDITION_WAIT_MS = Math.floor(0.9 * (Number(process.env.ZS_TEST_TIMEOUT_MS) || 1_800_000));
