// Secret files (credential files and privacy salts named by file: references) must be owner-only,
// as ssh demands of a private key: one that group or others can read or write is refused on read
// with the chmod that fixes it. Files the project writes itself (the auth command, OAuth rotation,
// the quick start: all through saveCredential) are created 0600 and pass. POSIX permissions only.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { resolveCredential, saveCredential } from '../../credentials/store';
import { privacyTransform } from '../../sync/privacy';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-secret-mode-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const credential = { type: 'api_token' as const, email: 'admin@example.com', token: 'tok-123' };

test('a credential file open to group or others is refused with the chmod that fixes it; 0600 and 0400 are read', async () => {
  const file = path.join(tmp, 'acme.json');
  await saveCredential(`file:${file}`, credential);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'saveCredential writes owner-only');
  assert.deepEqual(await resolveCredential(`file:${file}`), credential);

  for (const [mode, access] of [
    [0o644, 'readable'],
    [0o640, 'readable'],
    [0o604, 'readable'],
    [0o620, 'writable'],
    [0o602, 'writable'],
    [0o610, 'writable'], // group execute: still more than the owner alone
  ] as const) {
    chmodSync(file, mode);
    await assert.rejects(resolveCredential(`file:${file}`), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'CredentialNotFoundError');
      assert.equal(
        err.message,
        `credential file ${file} is ${access} by group/others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${file}`,
      );
      assert.ok(!err.message.includes(credential.token));
      return true;
    });
  }
  chmodSync(file, 0o400);
  assert.deepEqual(await resolveCredential(`file:${file}`), credential);
  chmodSync(file, 0o600);
  assert.deepEqual(await resolveCredential(`file:${file}`), credential);
});

test('rewriting a credential (auth, OAuth rotation) leaves it owner-only even when the old file was open to others', async () => {
  const file = path.join(tmp, 'rotated.json');
  writeFileSync(file, JSON.stringify(credential), { mode: 0o644 });
  chmodSync(file, 0o644);
  await assert.rejects(resolveCredential(`file:${file}`), /run chmod 600/);
  await saveCredential(`file:${file}`, { type: 'oauth', accessToken: 'a2', refreshToken: 'r2' });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal((await resolveCredential(`file:${file}`)).type, 'oauth');
});

test('a privacy salt file open to group or others is refused the same way; an owner-only one is used', () => {
  const file = path.join(tmp, 'salt');
  writeFileSync(file, 'a-salt-of-enough-length-0123456789\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  const settings = { hash: { users: ['email'] }, saltRef: `file:${file}` };
  assert.ok(privacyTransform(settings));
  chmodSync(file, 0o644);
  assert.throws(
    () => privacyTransform(settings),
    (err: Error) =>
      (err as { type?: string }).type === 'InvalidSettingsError' &&
      err.message === `privacy.saltRef: salt file ${file} is readable by group/others (mode 0644); run chmod 600 ${file}` &&
      !err.message.includes('a-salt'),
  );
});
