/**
 * The quick start's Temporal: a server already answering at TEMPORAL_ADDRESS (or the default port) is
 * used as it is, with its Web UI linked when found; otherwise a dev server is started with its state
 * under the data directory.
 */
import path from 'node:path';
import { temporalSettings } from '../../runtime/connection';
import { isListening, startDevServer, type DevServer } from '../../runtime/devServer';

export interface QuickstartTemporal {
  address: string;
  uiUrl: string | null;
  /** Set when this command started the server, and so must stop it. */
  server?: DevServer;
}

export async function ensureTemporal(dataDir: string, defaultPort: number): Promise<QuickstartTemporal> {
  const settings = temporalSettings({ address: process.env.TEMPORAL_ADDRESS || `localhost:${defaultPort}` });
  const [host, portText] = settings.address.split(':');
  const port = Number(portText);
  if (await isListening(port, host === 'localhost' ? '127.0.0.1' : host)) {
    return { address: settings.address, uiUrl: await probeWebUi(host!, port + 1000) };
  }
  if (process.env.TEMPORAL_ADDRESS) throw new Error(`TEMPORAL_ADDRESS=${settings.address} does not answer`);
  console.log('Starting a Temporal dev server (state in', path.join(dataDir, 'temporal.sqlite'), ')...');
  const server = await startDevServer({ port: defaultPort, uiPort: defaultPort + 1000, dbFilename: path.join(dataDir, 'temporal.sqlite') });
  return { address: server.address, uiUrl: server.uiUrl!, server };
}

/**
 * The Web UI of a server this command did not start is usually on port + 1000 (the dev server's
 * default), but need not be: link it only if the Temporal UI server answers there. Its page is a
 * bare app shell, so the check is its settings endpoint, a JSON object with the UI's version.
 */
export async function probeWebUi(host: string, port: number): Promise<string | null> {
  const url = `http://${host}:${port}`;
  try {
    const response = await fetch(`${url}/api/v1/settings`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return null;
    const settings = (await response.json()) as { Version?: unknown; Auth?: unknown };
    return typeof settings.Version === 'string' && settings.Auth !== undefined ? url : null;
  } catch {
    return null;
  }
}
