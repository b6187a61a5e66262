/**
 * Opening a destination from its URL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDestination, registerDestinationScheme } from '../../destinations/open';
import { sqliteDirectory } from '../../destinations/sqlite/settings';
import {
  DESTINATION_REFERENCE_PATTERN,
  redactUrl,
  referenceForDisplay,
  referenceKind,
  resolveDestinationReference,
  urlScheme,
} from '../../destinations/reference';
import type { Destination } from '../../destinations/types';
import { PG_URL } from './backends';

describe('openDestination', () => {
  test('sqlite URLs name a directory, relative or absolute', () => {
    assert.equal(sqliteDirectory('sqlite://./data/warehouse'), path.resolve('data/warehouse'));
    assert.equal(sqliteDirectory('sqlite://data/warehouse'), path.resolve('data/warehouse'));
    assert.equal(sqliteDirectory('sqlite:///var/lib/zs/warehouse'), '/var/lib/zs/warehouse');
    assert.equal(sqliteDirectory('SQLITE:///tmp/my%20warehouse'), '/tmp/my warehouse');
    assert.throws(() => sqliteDirectory('sqlite://'), /names no directory/);
    assert.throws(() => sqliteDirectory('sqlite:///'), /names no directory/);
    assert.throws(() => sqliteDirectory('sqlite://./x?mode=ro'), /query or fragment/);
    assert.throws(() => sqliteDirectory('sqlite:///bad%zz'), /percent-escape/);
  });

  test('opens SQLite and Postgres by scheme', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-open-'));
    try {
      const sqlite = await openDestination(`sqlite://${directory}/warehouse`);
      assert.equal(sqlite.kind, 'sqlite');
      await sqlite.close();
      assert.ok(fs.existsSync(path.join(directory, 'warehouse', 'zendesk_sync.sqlite')));
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
    for (const url of [PG_URL, PG_URL.replace(/^postgres:/, 'postgresql:')]) {
      const postgres = await openDestination(url);
      assert.equal(postgres.kind, 'postgres');
      await postgres.close();
    }
  });

  test('an unsupported scheme names the supported ones and hides the password', async () => {
    for (const url of ['mysql://admin:s3cret@db.example.com/warehouse', 'warehouse.db', '']) {
      await assert.rejects(openDestination(url), (err: Error) => {
        assert.match(err.message, /Unsupported destination URL/);
        assert.match(err.message, /sqlite:\/\/, postgres:\/\/, postgresql:\/\/, snowflake:\/\//);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      });
    }
  });

  test('a failed Postgres connection reports the URL without its password', async () => {
    const url = 'postgres://zs_user:hunter2secret@127.0.0.1:1/nowhere';
    await assert.rejects(openDestination(url, { postgres: { retry: { attempts: 2, baseDelayMs: 1 } } }), (err: Error) => {
      assert.match(err.message, /Could not open destination postgres:\/\/zs_user:\*\*\*@127\.0\.0\.1:1\/nowhere/);
      assert.doesNotMatch(err.message, /hunter2secret/);
      return true;
    });
  });

  test('redactUrl hides passwords in user info and query parameters', () => {
    assert.equal(redactUrl('postgres://u:p%40ss@h:5432/db?sslmode=require'), 'postgres://u:***@h:5432/db?sslmode=require');
    assert.equal(redactUrl('postgres://h/db?user=u&password=topsecret'), 'postgres://h/db?user=u&password=***');
    assert.equal(redactUrl('postgres://u@h/db'), 'postgres://u@h/db');
    assert.doesNotMatch(redactUrl('weird://u:secret@[bad'), /secret/);
  });

  test('other writers can register a scheme', async () => {
    const opened: string[] = [];
    registerDestinationScheme('Memtest', async (url) => {
      opened.push(url);
      return { kind: 'snowflake' } as unknown as Destination;
    });
    const destination = await openDestination('memtest://account/db');
    assert.equal(destination.kind, 'snowflake');
    assert.deepEqual(opened, ['memtest://account/db']);
  });
});

describe('a destination reference', () => {
  test('env:<VAR> resolves from the environment it is given; an unset variable is a settings error', () => {
    const env = { ZS_WAREHOUSE_URL: 'postgres://u:secret@h/db' };
    assert.equal(resolveDestinationReference('env:ZS_WAREHOUSE_URL', env), 'postgres://u:secret@h/db');
    assert.equal(resolveDestinationReference('sqlite://./w', env), 'sqlite://./w');
    assert.throws(
      () => resolveDestinationReference('env:ZS_MISSING', env),
      (err: Error & { type?: string }) =>
        err.type === 'InvalidSettingsError' && /env:ZS_MISSING: the environment variable is not set/.test(err.message),
    );
  });

  test('its kind and display form never show a query; the scheme of a URL is read without case', () => {
    assert.equal(referenceKind('postgres://u@h/db?sslmode=require'), 'postgres');
    assert.equal(referenceKind('env:ZS_WAREHOUSE_URL'), 'env');
    assert.equal(referenceForDisplay('snowflake://U@A/DB?warehouse=WH'), 'snowflake://U@A/DB');
    assert.equal(referenceForDisplay('env:ZS_WAREHOUSE_URL'), 'env:ZS_WAREHOUSE_URL');
    assert.equal(urlScheme(' SNOWFLAKE://U@A/DB'), 'snowflake');
    assert.equal(urlScheme('env:ZS_WAREHOUSE_URL'), undefined);
  });

  test('the settings accept the built-in schemes and env:<VAR> only', () => {
    for (const ok of ['sqlite://./w', 'postgres://h/db', 'postgresql://h/db', 'snowflake://U@A/DB', 'bigquery://p/zs_', 'env:ZS_URL']) {
      assert.match(ok, DESTINATION_REFERENCE_PATTERN, ok);
    }
    for (const bad of ['mysql://h/db', 'env:', 'env:A-B', './warehouse']) assert.doesNotMatch(bad, DESTINATION_REFERENCE_PATTERN, bad);
  });
});
