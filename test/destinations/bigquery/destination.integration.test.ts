/**
 * What is specific to the BigQuery writer, beyond the shared contract (test/destinations/contract.integration.test.ts):
 * the URL, the SQL real BigQuery gets (one transaction around the page's MERGEs), the table layout
 * (types, partitioning, clustering), staging tables that never outlive an upsert, the retry of a
 * transaction that lost a conflict, and the emulator gaps the tests work around (EMULATOR_GAPS.md),
 * each asserted still present so an upgrade that fixes one says which workaround to drop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BigQuery } from '@google-cloud/bigquery';
import { openBigQueryDestination, type BigQueryDestination } from '../../../destinations/bigquery/destination';
import { parseBigQueryUrl } from '../../../destinations/bigquery/settings';
import { openDestination } from '../../../destinations/open';
import { redactUrl } from '../../../destinations/reference';
import type { WarehouseTable } from '../../../destinations/types';
import { ticket, tickets, versioned } from '../fixtures';
import { uniqueName } from '../backends';
import {
  EMULATOR_PROJECT,
  forEmulator,
  restQuery,
  restTables,
  startBigQueryEmulator,
  type BigQueryEmulator,
} from '../../../harness/bigquery/emulator';
import { readRowsOverRest, restTableMetadata } from './read-back';

test('the URL: project, dataset prefix, location, key file by path, endpoint; anything else refused', () => {
  assert.deepEqual(parseBigQueryUrl('bigquery://my-project/zs_?location=EU&keyFile=/etc/zs/bq-key.json'), {
    projectId: 'my-project',
    datasetPrefix: 'zs_',
    location: 'EU',
    keyFilename: '/etc/zs/bq-key.json',
  });
  assert.deepEqual(parseBigQueryUrl('bigquery://my-project'), { projectId: 'my-project', datasetPrefix: '', location: 'US' });
  assert.equal(parseBigQueryUrl('bigquery://local-test?apiEndpoint=http%3A%2F%2F127.0.0.1%3A9050').apiEndpoint, 'http://127.0.0.1:9050');
  assert.throws(() => parseBigQueryUrl('bigquery://u:pw@my-project/zs_'), /no user or password/);
  assert.throws(() => parseBigQueryUrl('bigquery://my-project/zs-bad'), /letters, digits and _/);
  assert.throws(() => parseBigQueryUrl('bigquery://my-project/a/b'), /one dataset prefix/);
  assert.throws(() => parseBigQueryUrl('bigquery://my-project?keyJson=x'), /unknown parameter "keyJson"/);
  assert.throws(() => parseBigQueryUrl('bigquery://My_Project'), /project id/);
  const withKey = `bigquery://p-1/zs_?location=${encodeURIComponent('{"type":"service_account","private_key":"SECRET"}')}`;
  assert.ok(!redactUrl(withKey).includes('SECRET'), redactUrl(withKey));
});

describe('BigQuery writer on local-bigquery', () => {
  let emulator: BigQueryEmulator;
  let destination: BigQueryDestination;
  let failNextMerges = 0;

  before(async () => {
    emulator = await startBigQueryEmulator();
    destination = await openBigQueryDestination(emulator.settings('w_'), {
      bigquery: {
        configureClient(client: BigQuery) {
          emulator.configureClient(client);
          // Fails the next page transactions as real BigQuery does when a concurrent one won.
          const inner = client.makeAuthenticatedRequest as unknown as ((
            o: { json?: { query?: string; configuration?: { query?: { query?: string } } } },
            c?: unknown,
          ) => unknown) &
            object;
          const failing = (reqOpts: { json?: { query?: string; configuration?: { query?: { query?: string } } } }, config?: unknown) => {
            const sql = reqOpts.json?.query ?? reqOpts.json?.configuration?.query?.query ?? '';
            if (failNextMerges > 0 && /^MERGE /m.test(sql) && typeof config === 'function') {
              failNextMerges--;
              const error = Object.assign(new Error('Transaction is aborted due to concurrent update against table zs-test.w_x.tickets'), {
                code: 400,
              });
              (config as (err: Error) => void)(error);
              return undefined;
            }
            return inner(reqOpts, config);
          };
          Object.assign(failing, inner);
          (client as unknown as { makeAuthenticatedRequest: unknown }).makeAuthenticatedRequest = failing;
        },
        conflictAttempts: 3,
      },
    });
  });
  after(async () => {
    await destination?.close();
    await emulator?.stop();
  });

  const partitioned: WarehouseTable = {
    ...tickets,
    versionColumn: 'updated_at',
    columns: [...tickets.columns, { name: 'updated_at', type: 'timestamp' }],
  };

  test('bigquery:// URLs open the BigQuery writer (open.ts), which sets up its metadata and staging datasets', async () => {
    await assert.rejects(openDestination('bigquery://Not_A_Project/zs_'), /project id/);
    const opened = await openDestination(
      `bigquery://${EMULATOR_PROJECT}/url_?location=US&apiEndpoint=${encodeURIComponent(emulator.endpoint)}`,
    );
    try {
      assert.equal(opened.kind, 'bigquery');
      assert.deepEqual(await restTables(emulator.endpoint, 'url_zendesk_sync'), ['full_read_keys', 'full_reads', 'state']);
      await opened.writeState('src_a', 'k', 'v');
      assert.equal(await opened.readState('src_a', 'k'), 'v');
    } finally {
      await opened.close();
    }
  });

  test('tables: ids INT64, timestamps TIMESTAMP, arrays and objects JSON; partitioned by the version day, clustered by id', async () => {
    const schema = uniqueName('src');
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, partitioned);
    await destination.ensureTable(schema, versioned);
    const meta = await restTableMetadata(emulator.endpoint, destination.datasetFor(schema), 'tickets');
    assert.deepEqual(meta.types, {
      id: 'INTEGER',
      subject: 'STRING',
      requester_id: 'INTEGER',
      score: 'FLOAT',
      is_public: 'BOOLEAN',
      tags: 'JSON',
      via: 'JSON',
      created_at: 'TIMESTAMP',
      due_date: 'DATE',
      updated_at: 'TIMESTAMP',
    });
    assert.equal(meta.timePartitioning?.field, 'updated_at');
    assert.equal(meta.timePartitioning?.type, 'DAY');
    assert.deepEqual(meta.clustering?.fields, ['id']);
    // Without a timestamp version column: clustered only.
    await destination.ensureTable(schema, { ...tickets, name: 'plain' });
    const plain = await restTableMetadata(emulator.endpoint, destination.datasetFor(schema), 'plain');
    assert.equal(plain.timePartitioning, undefined);
    assert.deepEqual(plain.clustering?.fields, ['id']);
  });

  test('a page is one transaction of MERGEs as real BigQuery gets it; staging tables are gone afterwards, also after a failure', async () => {
    const schema = uniqueName('src');
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, partitioned);
    await destination.ensureTable(schema, versioned);
    const sentBefore = emulator.sentScripts.length;
    await destination.upsert(schema, [
      { table: partitioned, rows: [ticket(1, { updated_at: '2024-03-01T00:00:00Z' }), ticket(2, { updated_at: null })] },
      { table: versioned, rows: [{ id: 1, note: 'n', updated_at: '2024-03-01T00:00:00Z' }] },
    ]);
    const scripts = emulator.sentScripts.slice(sentBefore).filter((s) => /^MERGE /m.test(s));
    assert.equal(scripts.length, 1, 'one script for the page');
    const script = scripts[0]!;
    assert.match(script, /^BEGIN TRANSACTION;\nMERGE /);
    assert.equal(script.match(/^MERGE /gm)?.length, 2, 'one MERGE per table');
    assert.match(script, /;\nCOMMIT TRANSACTION;$/);
    assert.match(script, /PARSE_JSON\(`tags`, wide_number_mode => 'round'\)/);
    assert.match(
      script,
      /WHEN MATCHED AND \(existing\.`updated_at` IS NULL OR incoming\.`updated_at` IS NULL OR incoming\.`updated_at` >= existing\.`updated_at`\)/,
    );
    // What the emulator ran instead (EMULATOR_GAPS.md gaps 1 and 5): the same statements, no transaction.
    assert.doesNotMatch(forEmulator(script), /TRANSACTION|wide_number_mode/);
    assert.equal((await readRowsOverRest(emulator.endpoint, destination.datasetFor(schema), partitioned)).length, 2);

    assert.deepEqual(await restTables(emulator.endpoint, 'w_zendesk_sync_staging'), [], 'staging tables deleted');
    // A page whose transaction fails (here: every attempt loses a conflict) leaves no staging table either.
    failNextMerges = 3;
    await assert.rejects(destination.upsert(schema, [{ table: partitioned, rows: [ticket(3)] }]), /concurrent update/);
    failNextMerges = 0;
    assert.deepEqual(await restTables(emulator.endpoint, 'w_zendesk_sync_staging'), [], 'staging tables deleted after a failed page');
    const metadata = await fetch(`${emulator.endpoint}/bigquery/v2/projects/${EMULATOR_PROJECT}/datasets/w_zendesk_sync_staging`).then(
      (r) => r.json() as Promise<{ defaultTableExpirationMs?: string }>,
    );
    assert.equal(Number(metadata.defaultTableExpirationMs), 24 * 60 * 60 * 1000, 'leftovers of a crash expire by themselves');
  });

  test('a transaction that lost a conflict with a concurrent one is run again, whole; a persistent conflict fails', async () => {
    const schema = uniqueName('src');
    await destination.ensureSchema(schema);
    await destination.ensureTable(schema, tickets);
    failNextMerges = 2;
    await destination.upsert(schema, [{ table: tickets, rows: [ticket(1), ticket(2)] }]);
    assert.equal(failNextMerges, 0);
    assert.equal(await destination.countRows(schema, 'tickets'), 2);
    failNextMerges = 3;
    await assert.rejects(destination.upsert(schema, [{ table: tickets, rows: [ticket(3)] }]), /concurrent update/);
    failNextMerges = 0;
    assert.equal(await destination.countRows(schema, 'tickets'), 2);
  });
});

describe('local-bigquery 0.3.2 gaps (plain REST, no client, no rewriting)', () => {
  let emulator: BigQueryEmulator;
  before(async () => {
    emulator = await startBigQueryEmulator();
    await restQuery(emulator.endpoint, 'CREATE SCHEMA `zs-test`.g');
    await restQuery(emulator.endpoint, 'CREATE TABLE `zs-test`.g.t (id INT64, j JSON)');
  });
  after(async () => emulator?.stop());

  test('gap 1: a MERGE inside BEGIN TRANSACTION … COMMIT fails', async () => {
    const merge = 'MERGE `zs-test`.g.t AS e USING (SELECT 1 AS id) AS i ON e.id = i.id WHEN NOT MATCHED THEN INSERT (id) VALUES (i.id)';
    await assert.rejects(restQuery(emulator.endpoint, `BEGIN TRANSACTION;\n${merge};\nCOMMIT TRANSACTION;`), /transaction is aborted/i);
    await restQuery(emulator.endpoint, merge); // outside a transaction it works
  });

  test("gap 5: PARSE_JSON(…, wide_number_mode => 'round') is refused in a MERGE's source (a plain SELECT takes it)", async () => {
    await restQuery(emulator.endpoint, 'CREATE TABLE `zs-test`.g.s (id INT64, j STRING)');
    await restQuery(emulator.endpoint, `INSERT INTO \`zs-test\`.g.s (id, j) VALUES (1, '{"a":1}')`);
    const merge = (parse: string) =>
      `MERGE \`zs-test\`.g.t AS e USING (SELECT id, ${parse} AS j FROM \`zs-test\`.g.s) AS i ON e.id = i.id ` +
      'WHEN NOT MATCHED THEN INSERT (id, j) VALUES (i.id, i.j)';
    await restQuery(emulator.endpoint, "SELECT PARSE_JSON(j, wide_number_mode => 'round') AS j FROM `zs-test`.g.s");
    await assert.rejects(restQuery(emulator.endpoint, merge("PARSE_JSON(j, wide_number_mode => 'round')")), /parse_json/i);
    await restQuery(emulator.endpoint, merge('PARSE_JSON(j)'));
  });

  test('gap 6: a query parameter value sent as a JSON boolean (as the Node client sends it) is refused', async () => {
    const post = (value: unknown) =>
      fetch(`${emulator.endpoint}/bigquery/v2/projects/${EMULATOR_PROJECT}/queries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'SELECT @b AS b',
          useLegacySql: false,
          parameterMode: 'NAMED',
          queryParameters: [{ name: 'b', parameterType: { type: 'BOOL' }, parameterValue: { value } }],
        }),
      });
    assert.equal((await post(true)).ok, false);
    assert.equal((await post('true')).ok, true);
  });
});
