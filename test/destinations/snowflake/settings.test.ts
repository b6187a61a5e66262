/**
 * Addressing the Snowflake destination: the snowflake:// URL, credentials from the environment,
 * and the query tag. No server needed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_BIND_VALUES_PER_STATEMENT,
  PASSWORD_ENV,
  PRIVATE_KEY_PASSPHRASE_ENV,
  driverConnectionOptions,
  parseSnowflakeUrl,
  snowflakeQueryTag,
} from '../../../destinations/snowflake/settings';

describe('snowflake:// URL', () => {
  test('every part and parameter', () => {
    assert.deepEqual(
      parseSnowflakeUrl(
        'snowflake://SYNC_USER@myorg-acct1/ANALYTICS?warehouse=LOAD_WH&role=LOADER&privateKeyPath=%2Fetc%2Fzs%2Fkey.p8' +
          '&host=127.0.0.1&port=8765&protocol=http&queryTag=nightly&maxStatementBytes=500000',
      ),
      {
        username: 'SYNC_USER',
        account: 'myorg-acct1',
        database: 'ANALYTICS',
        warehouse: 'LOAD_WH',
        role: 'LOADER',
        privateKeyPath: '/etc/zs/key.p8',
        host: '127.0.0.1',
        port: 8765,
        protocol: 'http',
        queryTag: 'nightly',
        maxStatementBytes: 500_000,
      },
    );
  });

  test('a password in the URL is refused without echoing it', () => {
    assert.throws(
      () => parseSnowflakeUrl('snowflake://u:hunter2@acct/db'),
      (err: Error) => err.message.includes(PASSWORD_ENV) && !err.message.includes('hunter2'),
    );
  });

  test('missing parts and unknown or malformed parameters are refused', () => {
    assert.throws(() => parseSnowflakeUrl('snowflake://acct/db'), /no user/);
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct'), /database/);
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct/db/schema'), /database/);
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct/db?warehose=WH'), /Unknown Snowflake URL parameter "warehose"/);
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct/db?port=0'), /port must be a positive integer/);
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct/db?protocol=ftp'), /http or https/);
    assert.throws(() => parseSnowflakeUrl('postgres://u@acct/db'), /snowflake:\/\//);
  });

  test('arrayBindingThreshold is refused with the reason: the destination sets it itself', () => {
    assert.throws(() => parseSnowflakeUrl('snowflake://u@acct/db?arrayBindingThreshold=1000'), /no longer accepted.*inline/);
  });
});

describe('array binding', () => {
  const base = { account: 'acct', username: 'u', database: 'db', password: 'pw' };

  test("the driver's arrayBindingThreshold is always set, to the bind-value cap of one INSERT (Snowflake's default, 100,000)", () => {
    // Unset, the server's CLIENT_STAGE_ARRAY_BINDING_THRESHOLD would decide (fakesnow: 0, every array bind staged).
    assert.equal(DEFAULT_MAX_BIND_VALUES_PER_STATEMENT, 100_000);
    assert.equal(driverConnectionOptions(base).arrayBindingThreshold, DEFAULT_MAX_BIND_VALUES_PER_STATEMENT);
    assert.equal(driverConnectionOptions({ ...base, maxBindValuesPerStatement: 18 }).arrayBindingThreshold, 18);
  });

  test('a cap the driver would ignore (0) or not an integer is refused', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => driverConnectionOptions({ ...base, maxBindValuesPerStatement: bad }),
        /maxBindValuesPerStatement must be a positive integer/,
      );
    }
  });
});

describe('credentials', () => {
  const base = { account: 'acct', username: 'u', database: 'db' };

  test('a private key means key-pair (JWT) login, passphrase from the environment', () => {
    const options = driverConnectionOptions(
      { ...base, privateKeyPath: '/k.p8' },
      { [PRIVATE_KEY_PASSPHRASE_ENV]: 'pp', [PASSWORD_ENV]: 'ignored' },
    );
    assert.equal(options.authenticator, 'SNOWFLAKE_JWT');
    assert.equal(options.privateKeyPath, '/k.p8');
    assert.equal(options.privateKeyPass, 'pp');
    assert.equal(options.password, undefined);
  });

  test('without a key, the password comes from the environment', () => {
    const options = driverConnectionOptions(base, { [PASSWORD_ENV]: 'pw' });
    assert.equal(options.authenticator, 'SNOWFLAKE');
    assert.equal(options.password, 'pw');
  });

  test('no key and no password is an error naming the variable', () => {
    assert.throws(() => driverConnectionOptions(base, {}), new RegExp(PASSWORD_ENV));
  });
});

test('the query tag names app, source and run as JSON', () => {
  assert.deepEqual(JSON.parse(snowflakeQueryTag({ source: 'zendesk_prod', run: 'wf-1/run-2' })), {
    app: 'zendesk-sync',
    source: 'zendesk_prod',
    run: 'wf-1/run-2',
  });
  assert.ok(snowflakeQueryTag({ source: 'x'.repeat(5000) }).length <= 2000);
});
