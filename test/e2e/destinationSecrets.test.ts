// A destination that carries a secret never enters workflow history: one rule
// (destinations/referenceSecrets.ts) refuses a password in the user part or in any secret-carrying
// query parameter (Postgres' password/sslpassword, Snowflake's privateKey/token/passcode, …) at
// every edge a destination enters: the settings schema (client start, settings file, the worker),
// startSource before Temporal is contacted, the client command line, and the workflow's own check
// for a raw `temporal workflow start`. The fix it names is env:<VAR>. Errors that show a URL hide
// the same parameters.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { validateSourceConfig } from '../../config/sourceConfig';
import { parseSettings } from '../../config/settingsFile';
import { destinationSecretProblem, redactUrl } from '../../destinations/reference';
import { sqliteDirectory } from '../../destinations/sqlite/settings';
import { startSource, querySourceStatus } from '../../cli/sources';
import { workflowIdForSource } from '../../workflows/ids';
import { workflowSettingsProblems } from '../../workflows/settingsCheck';
import { sourceConfig, startStack, startWorker, type RunningWorker, type Stack } from '../../harness/stack';
import { CONDITION_WAIT_MS } from '../../harness/conditionWait';

const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'hunter2-Secret';
const base = { name: 'a', subdomain: 'acme', credentialRef: 'env:ZENDESK' };

/** Destinations that carry SECRET somewhere a driver would read it. */
const withSecrets = [
  `postgres://u:${SECRET}@db.internal:5432/warehouse`,
  `postgresql://u:${SECRET}@db.internal/warehouse?sslmode=require`,
  `postgres://u:pa/ss${SECRET}@db.internal/warehouse`, // a password containing "/"
  `postgres://u@db.internal/warehouse?password=${SECRET}`,
  `postgres://db.internal/warehouse?user=u&password=${SECRET}`,
  `postgres://u@db.internal/warehouse?sslmode=verify-full&sslpassword=${SECRET}`,
  `postgres://u@db.internal/warehouse?PASSWORD=${SECRET}`,
  `postgres://u@db.internal/warehouse?pass%77ord=${SECRET}`, // percent-encoded name
  `postgres://u@db.internal/warehouse?sslmode=require&password=${SECRET}#x`,
  `snowflake://U:${SECRET}@org-acct/DB?warehouse=WH`,
  `snowflake://U@org-acct/DB?warehouse=WH&password=${SECRET}`,
  `snowflake://U@org-acct/DB?privateKey=${SECRET}`,
  `snowflake://U@org-acct/DB?private_key=${SECRET}`,
  `snowflake://U@org-acct/DB?privateKeyPath=/k.p8&privateKeyPass=${SECRET}`,
  `snowflake://U@org-acct/DB?token=${SECRET}&authenticator=OAUTH`,
  `snowflake://U@org-acct/DB?authenticator=USERNAME_PASSWORD_MFA&passcode=${SECRET}`,
  `snowflake://U@org-acct/DB?oauth_token=${SECRET}`,
  `snowflake://U@org-acct/DB?client_secret=${SECRET}`,
  `bigquery://u:${SECRET}@my-project/zs_`,
  `bigquery://my-project/zs_?credentials=${SECRET}`,
  `bigquery://my-project/zs_?private_key=${SECRET}`,
  `bigquery://my-project/zs_?access_token=${SECRET}`,
  `bigquery://my-project/zs_?location=EU&key=${SECRET}`,
  `bigquery://my-project/zs_?keyJson=${SECRET}`,
  `bigquery://my-project/zs_?serviceAccount=${SECRET}`,
  // Key material under an innocent name: the value itself gives it away.
  `bigquery://my-project/zs_?location=${encodeURIComponent(`{"type":"service_account","private_key":"${SECRET}"}`)}`,
  `bigquery://my-project/zs_?sa=${encodeURIComponent(`-----BEGIN PRIVATE KEY-----\n${SECRET}`)}`,
];

/** Destinations without a secret: files holding key material are named by path. */
const withoutSecrets = [
  'sqlite://./data/warehouse',
  'sqlite:///var/lib/zs/warehouse',
  'postgres://u@db.internal:5432/warehouse',
  'postgres://u@db.internal/warehouse?sslmode=verify-full&sslkey=/etc/zs/client.key&sslcert=/etc/zs/client.crt&sslrootcert=/etc/zs/ca.crt',
  'postgres://u@db.internal/warehouse?application_name=zs&connect_timeout=10',
  'snowflake://U@org-acct/DB?warehouse=WH&role=R&privateKeyPath=/etc/zs/key.p8',
  'bigquery://my-project/zs_?location=EU&keyFile=/etc/zs/bq-key.json',
  'bigquery://my-project?apiEndpoint=http://127.0.0.1:9050',
  'env:ZS_WAREHOUSE_URL',
];

function problemOf(fn: () => unknown): string {
  try {
    fn();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

test('settings schema and settings file: a destination carrying a secret is refused, the secret is not echoed, env:<VAR> is the fix', () => {
  for (const destination of withSecrets) {
    const message = problemOf(() => validateSourceConfig({ ...base, destination }));
    assert.match(message, /destination: must not contain a password or other secret .*pass env:<VAR>/, destination);
    assert.ok(!message.includes(SECRET), `the secret is echoed: ${message}`);
    const fromFile = problemOf(() => parseSettings({ sources: [{ ...base, destination }] }, 'sources.json'));
    assert.match(fromFile, /sources\[0\] \(a\)\.destination: must not contain a password/, destination);
    assert.ok(!fromFile.includes(SECRET));
  }
  for (const destination of withoutSecrets) {
    assert.equal(
      problemOf(() => validateSourceConfig({ ...base, destination })),
      '',
      destination,
    );
  }
  assert.match(
    destinationSecretProblem(`postgres://u@h/db?sslpassword=${SECRET}&password=${SECRET}`) ?? '',
    /secret query parameters sslpassword, password/,
  );
});

test("the workflow's own check refuses the same destinations (runs with the bounds patch)", () => {
  for (const destination of withSecrets) {
    const problems = workflowSettingsProblems({ ...base, destination }, { strict: true });
    assert.equal(problems.length, 1, destination);
    assert.match(problems[0]!, /^destination: must not contain a password/);
    assert.ok(!problems[0]!.includes(SECRET));
  }
  for (const destination of withoutSecrets)
    assert.deepEqual(workflowSettingsProblems({ ...base, destination }, { strict: true }), [], destination);
});

test('startSource refuses before anything reaches Temporal', async () => {
  let started = 0;
  const client = { workflow: { start: async () => void started++ } } as unknown as Client;
  for (const destination of withSecrets) {
    await assert.rejects(startSource(client, 'q', { ...base, destination }), /destination: must not contain a password/);
  }
  assert.equal(started, 0);
});

test('client start --destination with a secret fails before Temporal is contacted, without printing it', async () => {
  const result = await promisify(execFile)(
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
      `postgres://u@db.internal/warehouse?sslpassword=${SECRET}`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  ).then(
    () => assert.fail('accepted'),
    (err: { code?: number; stdout?: string; stderr?: string }) => err,
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr ?? '',
    /destination: must not contain a password or other secret \(found secret query parameter sslpassword\)/,
  );
  assert.ok(!`${result.stdout}${result.stderr}`.includes(SECRET));
});

test('redactUrl hides every secret the rule knows, and keeps the rest readable', () => {
  for (const url of withSecrets) {
    const shown = redactUrl(url);
    assert.ok(!shown.includes(SECRET), `${url} -> ${shown}`);
  }
  assert.equal(
    redactUrl('postgres://u@db.internal/warehouse?sslmode=require&sslkey=/k.pem'),
    'postgres://u@db.internal/warehouse?sslmode=require&sslkey=/k.pem',
  );
  assert.match(redactUrl(`postgres://u@h/db?sslmode=require&sslpassword=${SECRET}`), /sslmode=require&sslpassword=\*\*\*/);
  // A SQLite URL (from env:) with a query is refused without showing it.
  assert.throws(
    () => sqliteDirectory(`sqlite://./data?password=${SECRET}`),
    (err: Error) => /must not have a query/.test(err.message) && !err.message.includes(SECRET),
  );
});

let stack: Stack | undefined;
let worker: RunningWorker | undefined;
after(async () => {
  await worker?.stop();
  await stack?.close();
});

test('a raw workflow start with a secret in the destination: settings_invalid naming the destination, no request, no secret in the status', async () => {
  stack = await startStack({ emulator: { tickets: 3, users: 3 } });
  worker = await startWorker(stack);
  const name = 'raw_secret_destination';
  const config = sourceConfig(stack, { name, destination: `postgres://u@127.0.0.1:1/db?password=${SECRET}` });
  const checksBefore = stack.emulator.requestLog.entries('/api/v2/users/me').length;
  // Straight to Temporal, as `temporal workflow start` would: the client's validation is skipped.
  await stack.client.workflow.start('sourceWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: workflowIdForSource(name),
    args: [{ config }],
  });
  let status = await querySourceStatus(stack.client, name);
  for (const deadline = Date.now() + CONDITION_WAIT_MS; status.state !== 'settings_invalid' && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    status = await querySourceStatus(stack.client, name);
  }
  assert.equal(status.state, 'settings_invalid');
  assert.match(status.settingsError ?? '', /destination: must not contain a password or other secret/);
  assert.ok(!JSON.stringify(status).includes(SECRET));
  assert.equal(stack.emulator.requestLog.entries('/api/v2/users/me').length, checksBefore, 'no request to Zendesk');
});

test(
  'a destination from env: whose URL has secret parameters: the open failure enters history with them redacted',
  { skip: !process.env.ZS_PG_URL && 'needs ZS_PG_URL (a Postgres to refuse the login)' },
  async () => {
    stack ??= await startStack({ emulator: { tickets: 3, users: 3 } });
    worker ??= await startWorker(stack);
    const name = 'env_secret_destination';
    const variable = `ZS_TEST_SECRET_DESTINATION_${process.pid}`;
    // A database that does not exist: the open fails at once, and its error names the destination.
    const url = new URL(process.env.ZS_PG_URL!);
    url.pathname = `/zs_no_such_database_${process.pid}`;
    url.searchParams.set('sslpassword', SECRET);
    process.env[variable] = url.toString();
    try {
      await stack.client.workflow.start('sourceWorkflow', {
        taskQueue: stack.taskQueue,
        workflowId: workflowIdForSource(name),
        args: [{ config: sourceConfig(stack, { name, destination: `env:${variable}` }) }],
      });
      const handle = stack.client.workflow.getHandle(workflowIdForSource(name));
      let history = '';
      for (
        const deadline = Date.now() + CONDITION_WAIT_MS;
        !history.includes('activityTaskFailedEventAttributes') && Date.now() < deadline;
      ) {
        await new Promise((r) => setTimeout(r, 500));
        history = JSON.stringify(await handle.fetchHistory());
      }
      assert.match(
        history,
        /Could not open destination postgres:\/\/[^"]*sslpassword=\*\*\*/,
        'the failure, with the URL redacted, is in history',
      );
      const decoded = [
        history,
        ...[...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')),
      ].join('\n');
      assert.ok(!decoded.includes(SECRET), 'the secret is not in workflow history');
      await handle.cancel();
    } finally {
      delete process.env[variable];
    }
  },
);
