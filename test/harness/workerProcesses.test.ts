// Worker processes' memory, read from /proc/<pid>/status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { procStatusMb } from '../../harness/workerProcesses';

test('worker memory is read from /proc/<pid>/status in MB', () => {
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
  assert.equal(procStatusMb(status, 'VmRSS'), 100);
  assert.equal(procStatusMb(status, 'VmHWM'), 200);
  assert.equal(procStatusMb('Name:\tnode\n', 'VmRSS'), undefined);
});
