/** The quick start's Zendesk account: the real one when ZENDESK_* credentials are set, else the emulator. */
import path from 'node:path';
import { saveCredential } from '../../credentials/store';
import type { SourceConfig } from '../../workflows/types';
import type { QuickstartOptions } from './run';

/** Real credentials from the environment, or the emulator. */
export async function zendeskAccount(options: QuickstartOptions, dataDir: string) {
  const subdomain = process.env.ZENDESK_SUBDOMAIN;
  if (subdomain && (process.env.ZENDESK_ACCESS_TOKEN || (process.env.ZENDESK_EMAIL && process.env.ZENDESK_API_TOKEN))) {
    console.log(`Syncing the real Zendesk account ${subdomain}.zendesk.com (credentials from ZENDESK_*).`);
    return { account: { subdomain, credentialRef: 'env:ZENDESK' } as Partial<SourceConfig>, close: async () => {} };
  }
  const { startEmulator } = await import('../../emulator');
  // A compressed "minute" keeps Zendesk's limits visible (10 exports per window) without a long wait.
  const minuteMs = 3000;
  const emulator = await startEmulator({
    port: options.emulatorPort,
    seed: 1,
    tickets: options.tickets,
    rateLimits: { minuteMs },
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new Error(
      `port ${options.emulatorPort} is taken (is another demo running?): stop what holds it, or pass --emulator-port <free port> ` +
        '(a source started on another port is replaced, since its URL changes)',
    );
  });
  const credentialFile = path.join(dataDir, 'credentials', `${options.source}.json`);
  await saveCredential(`file:${credentialFile}`, {
    type: 'api_token',
    email: emulator.credentials.admin.email,
    token: emulator.credentials.admin.apiToken,
  });
  console.log(`Zendesk emulator at ${emulator.baseUrl} (${options.tickets} tickets); credential in ${credentialFile}`);
  return {
    account: {
      baseUrl: emulator.baseUrl,
      credentialRef: `file:${credentialFile}`,
      rate: { windowMs: minuteMs },
    } as Partial<SourceConfig>,
    close: () => emulator.close(),
  };
}
