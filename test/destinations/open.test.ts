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
import { redactUrl } from '../../destinations/reference';
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
