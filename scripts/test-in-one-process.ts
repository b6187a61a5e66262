/**
 * Runs test files in this one process: node:test runs the tests each file registers when it is loaded.
 * `npm run test:unit` uses it because a process per file costs more than most unit tests do (Node and tsx
 * start-up, the shared modules compiled again); `npm test` keeps one process per file, so a unit test that
 * leaks state into the next file still fails there. A watchdog ends a run that hangs.
 *   node --import tsx scripts/test-in-one-process.ts <file.test.ts>...
 */
import path from 'node:path';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node --import tsx scripts/test-in-one-process.ts <file.test.ts>...');
  process.exit(2);
}
const limitMs = Number(process.env.ZS_TEST_TIMEOUT_MS ?? 600_000);
setTimeout(() => {
  console.error(`tests still running after ${limitMs} ms (ZS_TEST_TIMEOUT_MS): giving up`);
  process.exit(1);
}, limitMs).unref();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loading by path, in order, is the point
for (const file of files) require(path.resolve(file));
