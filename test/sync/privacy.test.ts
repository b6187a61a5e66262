import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { WorkerResources } from '../../activities/resources';
import { runSyncStream } from '../../activities/syncStream';
import { validateSourceConfig } from '../../config/sourceConfig';
import { InvalidSettingsError } from '../../failures/vocabulary';
import { hashValue, privacyTransform, withPrivacy } from '../../sync/privacy';
import type { SourceConfig } from '../../workflows/types';
import { get, startSmall } from '../emulator/helpers';
import { saveAdminCredential } from '../../harness/emulatorCredential';

const SALT = 'test-salt-0123456789abcdef';
const base = { name: 'p', baseUrl: 'http://127.0.0.1:1', credentialRef: 'env:X', destination: 'sqlite://./x' };

test('hash is HMAC-SHA256 hex, stable per salt, different across salts', () => {
  const a = hashValue(SALT, 'ann@example.com');
  assert.match(a!, /^[0-9a-f]{64}$/);
  assert.equal(a, hashValue(SALT, 'ann@example.com'));
  assert.notEqual(a, hashValue('another-salt-0123456789', 'ann@example.com'));
  assert.equal(hashValue(SALT, null), null);
});

test('transform drops excluded columns from the table and rows, hashes the hashed ones', () => {
  process.env.ZS_TEST_SALT = SALT;
  const t = privacyTransform({ exclude: { users: ['phone'] }, hash: { users: ['email'] }, saltRef: 'env:ZS_TEST_SALT' })!;
  const table = t.table({
    name: 'users',
    primaryKey: 'id',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'email', type: 'text' },
      { name: 'phone', type: 'text' },
    ],
  });
  assert.deepEqual(
    table.columns.map((c) => c.name),
    ['id', 'email'],
  );
  const [row] = t.rows('users', [{ id: 1, email: 'a@b.c', phone: '+1 555' }]);
  assert.deepEqual(row, { id: 1, email: hashValue(SALT, 'a@b.c') });
  assert.deepEqual(t.rows('tickets', [{ id: 1, subject: 'x' }]), [{ id: 1, subject: 'x' }], 'other tables untouched');
  assert.equal(privacyTransform(undefined), undefined);
  assert.throws(() => privacyTransform({ hash: { users: ['email'] }, saltRef: 'env:ZS_TEST_SALT_MISSING' }), /at least 16 characters/);
});

test('an excluded or hashed version column no longer versions the rows (the last write wins)', () => {
  process.env.ZS_TEST_SALT = SALT;
  const users = {
    name: 'users',
    primaryKey: 'id',
    versionColumn: 'updated_at',
    columns: [
      { name: 'id', type: 'bigint' as const },
      { name: 'updated_at', type: 'timestamp' as const },
      { name: 'email', type: 'text' as const },
    ],
  };
  const kept = privacyTransform({ exclude: { users: ['email'] } })!.table(users);
  assert.equal(kept.versionColumn, 'updated_at');
  assert.equal(privacyTransform({ exclude: { users: ['updated_at'] } })!.table(users).versionColumn, undefined);
  assert.equal(privacyTransform({ hash: { users: ['updated_at'] }, saltRef: 'env:ZS_TEST_SALT' })!.table(users).versionColumn, undefined);
});

test('settings validation names the field and the fix', () => {
  const problems = (privacy: unknown) => {
    try {
      validateSourceConfig({ ...base, privacy });
      return '';
    } catch (err) {
      assert.ok(err instanceof InvalidSettingsError);
      return (err as Error).message;
    }
  };
  assert.equal(problems({ exclude: { users: ['phone'] }, hash: { users: ['email'] }, saltRef: 'env:ZS_SALT' }), '');
  assert.match(problems({ hash: { users: ['email'] } }), /privacy\.saltRef: hashing columns needs "saltRef"/);
  assert.match(problems({ hash: { users: ['email'] }, saltRef: 'my-secret-salt' }), /privacy\.saltRef: must name where the salt is/);
  assert.match(problems({ exclude: { userz: ['phone'] } }), /privacy\.exclude\.userz: unknown collection/);
  assert.match(problems({ exclude: { users: ['phon'] } }), /privacy\.exclude\.users\.0: users has no column "phon"/);
  assert.match(problems({ hash: { users: ['id'] }, saltRef: 'env:S' }), /primary key/);
});

test('a users sync with privacy: phone never created, email stored as the HMAC of the real address', async () => {
  const emulator = await startSmall({ tickets: 3, users: 12 });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-privacy-'));
  const resources = new WorkerResources();
  try {
    process.env.ZS_TEST_SALT = SALT;
    const credentialRef = await saveAdminCredential(emulator, tmp, 'c.json');
    const config: SourceConfig = validateSourceConfig({
      name: 'private',
      baseUrl: emulator.baseUrl,
      credentialRef,
      destination: `sqlite://${path.join(tmp, 'wh')}`,
      privacy: { exclude: { users: ['phone'] }, hash: { users: ['email'] }, saltRef: 'env:ZS_TEST_SALT' },
    });
    const result = await runSyncStream(
      { config, stream: 'users', cursor: null, mode: 'incremental', runTag: 't' },
      {
        destination: withPrivacy(await resources.destination(config.destination), config.privacy),
        session: await resources.session(config),
        heartbeat: () => {},
        signal: new AbortController().signal,
        log: () => {},
      },
    );
    assert.ok(result.rows > 0);
    const db = new Database(path.join(tmp, 'wh', 'private.sqlite'), { readonly: true });
    const columns = (db.prepare('pragma table_info(users)').all() as Array<{ name: string }>).map((c) => c.name);
    assert.ok(columns.includes('email') && !columns.includes('phone'), columns.join(','));
    const stored = new Set(
      (db.prepare('select email from users where email is not null').all() as Array<{ email: string }>).map((r) => r.email),
    );
    db.close();
    const users = (await get(emulator, '/api/v2/users.json?per_page=100')).body.users as Array<{ email: string | null }>;
    const expected = new Set(users.filter((u) => u.email).map((u) => hashValue(SALT, u.email)));
    assert.ok(stored.size > 0);
    for (const h of stored) assert.ok(expected.has(h), `${h} is the HMAC of a real address`);
  } finally {
    await resources.close();
    await emulator.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
