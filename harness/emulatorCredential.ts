import path from 'node:path';
import { saveCredential } from '../credentials/store';
import type { Emulator } from '../emulator';

/**
 * Saves the emulator's admin API token as an owner-only credential file in `dir` and returns its
 * reference (`file:<dir>/<file>`), as a source names its credential.
 */
export async function saveAdminCredential(emulator: Pick<Emulator, 'credentials'>, dir: string, file = 'admin.json'): Promise<string> {
  const credentialRef = `file:${path.join(dir, file)}`;
  await saveCredential(credentialRef, {
    type: 'api_token',
    email: emulator.credentials.admin.email,
    token: emulator.credentials.admin.apiToken,
  });
  return credentialRef;
}
