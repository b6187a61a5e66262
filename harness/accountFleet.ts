/**
 * Many emulated Zendesk accounts at once: one emulator per account, each on its own port (so each is
 * its own origin, hence its own account to the client's per-account pool and rate budget), all in
 * this process so their ground truth and request logs are read directly. Each account gets a
 * credential file a worker resolves by reference.
 */
import path from 'node:path';
import { saveCredential } from '../credentials/store';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator';

export interface EmulatedAccount {
  name: string;
  emulator: Emulator;
  /** `file:<path>` of the admin's API token, for a source's `credentialRef`. */
  credentialRef: string;
}

/** Starts the accounts one after another (each generates its data first), writing credentials under `dir`. */
export async function startAccounts(
  specs: Array<{ name: string; options: EmulatorOptions }>,
  dir: string,
  onStarted?: (account: EmulatedAccount, index: number) => void,
): Promise<EmulatedAccount[]> {
  const accounts: EmulatedAccount[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const emulator = await startEmulator(spec.options);
      const credentialRef = `file:${path.join(dir, 'credentials', `${spec.name}.json`)}`;
      const account = { name: spec.name, emulator, credentialRef };
      accounts.push(account);
      await saveCredential(credentialRef, {
        type: 'api_token',
        email: emulator.credentials.admin.email,
        token: emulator.credentials.admin.apiToken,
      });
      onStarted?.(account, index);
    }
  } catch (err) {
    await closeAccounts(accounts);
    throw err;
  }
  return accounts;
}

export async function closeAccounts(accounts: EmulatedAccount[]): Promise<void> {
  await Promise.all(accounts.map((a) => a.emulator.close().catch(() => {})));
}
