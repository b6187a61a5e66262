// More accounts starting at once than the worker has activity slots on its shared queue: every
// source's first step asks its account's host workflow for a host, and each ask holds a slot while
// it waits. The host must not depend on another activity of that queue (a claim that can never get a
// slot): the fleet benchmark's 105 sources on one worker deadlocked that way. The asking worker, alive
// since it runs the ask, hosts the account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { saveCredential } from '../../credentials/store';
import { startEmulator, type Emulator } from '../../emulator';
import { accountHostStatusQuery } from '../../workflows/accountHostMessages';
import { workflowIdForAccount } from '../../workflows/ids';
import { WorkerResources } from '../../activities/resources';
import {
  SMALL_ACCOUNT,
  sourceConfig,
  startStack,
  startTestSource,
  startWorker,
  waitForCycle,
  type RunningWorker,
  type Stack,
} from '../../harness/stack';

const SLOTS = 2;
const ACCOUNTS = 5;

let stack: Stack;
let worker: RunningWorker | undefined;
const emulators: Emulator[] = [];

before(async () => {
  stack = await startStack({ emulator: { ...SMALL_ACCOUNT, rateLimits: false } });
  for (let i = 1; i < ACCOUNTS; i++) emulators.push(await startEmulator({ ...SMALL_ACCOUNT, seed: 100 + i, rateLimits: false }));
});
after(async () => {
  await worker?.stop().catch(() => {});
  for (const e of emulators) await e.close();
  await stack?.close();
});

test(`${ACCOUNTS} accounts starting at once on a worker with ${SLOTS} activity slots all finish their first cycle`, async () => {
  worker = await startWorker(stack, { maxConcurrentActivities: SLOTS });
  const accounts = [{ baseUrl: stack.emulator.baseUrl, credentialRef: stack.credentialRef }];
  for (const [i, emulator] of emulators.entries()) {
    const credentialRef = `file:${path.join(stack.tmp, `account-${i}.json`)}`;
    await saveCredential(credentialRef, {
      type: 'api_token',
      email: emulator.credentials.admin.email,
      token: emulator.credentials.admin.apiToken,
    });
    accounts.push({ baseUrl: emulator.baseUrl, credentialRef });
  }
  const names = accounts.map((_, i) => `slots_${i}`);
  await Promise.all(
    accounts.map((account, i) =>
      startTestSource(
        stack,
        sourceConfig(stack, {
          name: names[i]!,
          destination: `sqlite://${path.join(stack.tmp, 'warehouse')}`,
          baseUrl: account.baseUrl,
          credentialRef: account.credentialRef,
          collections: {
            tickets: false,
            users: false,
            organizations: false,
            ticket_events: false,
            ticket_comments: false,
            attachments: false,
            ticket_metrics: false,
          },
        }),
      ),
    ),
  );
  for (const name of names) {
    const status = await waitForCycle(stack, name, 1);
    assert.equal(status.state, 'idle', `${name}: ${JSON.stringify(status)}`);
  }
  for (const account of accounts) {
    const key = WorkerResources.accountKey({ baseUrl: account.baseUrl });
    const host = await stack.client.workflow.getHandle(workflowIdForAccount(key, stack.taskQueue)).query(accountHostStatusQuery);
    assert.equal(host.host, worker.hostQueue, `${key} is hosted by the worker that asked`);
  }
});
