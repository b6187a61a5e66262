// The project's Temporal CLI runs a dev server (Web UI on) that a real worker can use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer } from '../../runtime/devServer';
import { findTemporalCli } from '../../runtime/temporalCli';

test('temporal server start-dev from the built CLI runs a workflow through a real worker', async () => {
  const binary = findTemporalCli();
  const server = await startDevServer({ binary });
  try {
    assert.ok(server.uiUrl, 'the Web UI should be on');
    const ui = await fetch(server.uiUrl!);
    assert.equal(ui.status, 200, 'the Web UI answers');

    const connection = await NativeConnection.connect({ address: server.address });
    const taskQueue = `smoke-${process.pid}`;
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/trivialWorkflow'),
      activities: { shout: async (text: string) => text.toUpperCase() },
    });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const result = await worker.runUntil(
      client.workflow.execute('greet', { taskQueue, workflowId: `smoke-${Date.now()}`, args: ['temporal'] }),
    );
    assert.equal(result, 'HELLO TEMPORAL');
    await client.connection.close();
    await connection.close();
  } finally {
    await server.stop();
  }
  assert.notEqual(server.process.exitCode ?? server.process.signalCode, null, 'the server process has exited');
});
