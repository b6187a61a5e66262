/**
 * `client.ts auth`: obtains Zendesk OAuth tokens from a terminal and stores them in the credential
 * file the worker reads (0600, via credentials/store.ts).
 *
 *   authorization_code (default): PKCE S256 + state. Prints the authorization URL, listens on a
 *     loopback redirect (http://127.0.0.1:<port>/oauth/callback), checks `state`, exchanges the code
 *     at /oauth/tokens.
 *   client_credentials: a confidential client's own token (no browser, no refresh token).
 *
 * Nothing secret is printed: the URL carries only the client id, the PKCE challenge and the state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Command, Option } from 'commander';
import { saveCredential, type OAuthCredential } from '../credentials/store';
import { API_TOKEN_RETIREMENT_WARNING } from '../zendesk/auth';

export interface AuthorizeOptions {
  /** https://acme.zendesk.com or an emulator URL. */
  baseUrl: string;
  clientId: string;
  clientSecret?: string;
  /** file:<path> — where the tokens are written. */
  credentialRef: string;
  grant?: 'authorization_code' | 'client_credentials';
  scope?: string;
  /** Loopback port for the redirect; 0 picks a free one (the redirect URI must be registered with Zendesk). */
  port?: number;
  /** Host in the redirect URI (127.0.0.1 by default; the listener always binds 127.0.0.1). */
  redirectHost?: string;
  /** Give up waiting for the browser after this long. Default 5 minutes. */
  timeoutMs?: number;
  /** Where to say what to open; defaults to stdout. */
  log?: (line: string) => void;
  /** Called with the authorization URL once the listener is ready (tests play the browser here). */
  onAuthorizationUrl?: (url: string) => void;
}

export interface AuthorizeResult {
  credentialRef: string;
  scope?: string;
  expiresAt?: string;
  hasRefreshToken: boolean;
}

export class AuthorizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

export function zendeskBaseUrl(o: { subdomain?: string; baseUrl?: string }): string {
  if (o.baseUrl) return o.baseUrl.replace(/\/+$/, '');
  if (!o.subdomain) throw new AuthorizationError('give --subdomain (acme for acme.zendesk.com) or --base-url');
  const sub = o.subdomain
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '')
    .replace(/\.zendesk\.com$/, '');
  return `https://${sub}.zendesk.com`;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function postToken(baseUrl: string, body: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  if (!response.ok || typeof parsed.access_token !== 'string') {
    const reason = [parsed.error, parsed.error_description].filter(Boolean).join(': ') || `HTTP ${response.status}`;
    throw new AuthorizationError(`token request (${body.grant_type}) refused by ${baseUrl}/oauth/tokens: ${reason}`);
  }
  return parsed;
}

function toCredential(body: Record<string, unknown>, clientId: string, clientSecret?: string): OAuthCredential {
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
  return {
    type: 'oauth',
    accessToken: body.access_token as string,
    ...(typeof body.refresh_token === 'string' && { refreshToken: body.refresh_token }),
    ...(expiresIn && { expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() }),
    clientId,
    ...(clientSecret && { clientSecret }),
  };
}

async function store(o: AuthorizeOptions, body: Record<string, unknown>): Promise<AuthorizeResult> {
  if (!o.credentialRef.startsWith('file:')) {
    throw new AuthorizationError('--credential must be file:<path>: rotated refresh tokens are written back to that file');
  }
  const credential = toCredential(body, o.clientId, o.clientSecret);
  await saveCredential(o.credentialRef, credential);
  return {
    credentialRef: o.credentialRef,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
    expiresAt: credential.expiresAt,
    hasRefreshToken: Boolean(credential.refreshToken),
  };
}

export async function authorize(o: AuthorizeOptions): Promise<AuthorizeResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const scope = o.scope ?? 'read';
  if (!o.credentialRef.startsWith('file:')) {
    throw new AuthorizationError('--credential must be file:<path>: rotated refresh tokens are written back to that file');
  }
  if ((o.grant ?? 'authorization_code') === 'client_credentials') {
    if (!o.clientSecret) throw new AuthorizationError('the client_credentials grant needs --client-secret (a confidential client)');
    const body = await postToken(o.baseUrl, {
      grant_type: 'client_credentials',
      client_id: o.clientId,
      client_secret: o.clientSecret,
      scope,
    });
    return store(o, body);
  }

  const { verifier, challenge } = pkcePair();
  const state = randomBytes(24).toString('base64url');
  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await new Promise<{ code: string; redirectUri: string }>((resolve, reject) => {
      let redirectUri = '';
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname !== '/oauth/callback') {
          res.writeHead(404).end('not found');
          return;
        }
        const fail = (status: number, message: string) => {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`zendesk-sync: ${message}\n`);
          reject(new AuthorizationError(message));
        };
        if (url.searchParams.get('state') !== state) return fail(400, 'the state parameter does not match this authorization; start again');
        const error = url.searchParams.get('error');
        if (error)
          return fail(
            400,
            `Zendesk refused the authorization: ${error}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`,
          );
        const received = url.searchParams.get('code');
        if (!received) return fail(400, 'the redirect carries no code');
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('zendesk-sync: authorized. You can close this window.\n');
        resolve({ code: received, redirectUri });
      });
      server.on('error', (err) => reject(new AuthorizationError(`cannot listen on 127.0.0.1:${o.port ?? 8976}: ${err.message}`)));
      server.listen(o.port ?? 8976, '127.0.0.1', () => {
        const address = server!.address();
        const port = typeof address === 'object' && address ? address.port : o.port;
        redirectUri = `http://${o.redirectHost ?? '127.0.0.1'}:${port}/oauth/callback`;
        const query = new URLSearchParams({
          response_type: 'code',
          client_id: o.clientId,
          redirect_uri: redirectUri,
          scope,
          state,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        });
        const url = `${o.baseUrl}/oauth/authorizations/new?${query}`;
        log(
          `Open this URL in a browser signed in to Zendesk and approve access:\n\n  ${url}\n\nWaiting for the redirect on ${redirectUri} …`,
        );
        o.onAuthorizationUrl?.(url);
      });
      timer = setTimeout(
        () => reject(new AuthorizationError('no redirect arrived in time; run the command again')),
        o.timeoutMs ?? 300_000,
      );
    });
    const body = await postToken(o.baseUrl, {
      grant_type: 'authorization_code',
      code: code.code,
      client_id: o.clientId,
      ...(o.clientSecret && { client_secret: o.clientSecret }),
      redirect_uri: code.redirectUri,
      code_verifier: verifier,
      scope,
    });
    return await store(o, body);
  } finally {
    if (timer) clearTimeout(timer);
    const s = server as Server | undefined;
    if (s) {
      s.closeAllConnections?.();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}

/** What `client.ts auth` tells the operator once the tokens are stored: where, how long, what next. */
export function authorizationSummary(source: string, result: AuthorizeResult): string {
  return (
    `authorized ${source}: tokens stored in ${result.credentialRef} (0600)` +
    `${result.scope ? `, scope ${result.scope}` : ''}${result.expiresAt ? `, access token expires ${result.expiresAt}` : ''}` +
    `${result.hasRefreshToken ? ', refresh token rotates automatically' : ', no refresh token: run auth again when it expires'}` +
    `\nuse --credential ${result.credentialRef} (or "credentialRef": "${result.credentialRef}") for this source.` +
    `\n(API tokens still work as {"type":"api_token",…} credentials, but ${API_TOKEN_RETIREMENT_WARNING})`
  );
}

export function authCommand(): Command {
  return new Command('auth')
    .argument('<source>')
    .description(
      'get OAuth tokens for a source (authorization code + PKCE in a browser, or client_credentials) and store them in its credential file',
    )
    .option('--subdomain <subdomain>', 'Zendesk subdomain: acme for acme.zendesk.com')
    .option('--base-url <url>', 'Zendesk base URL override (an emulator or a proxy)')
    .addOption(
      new Option('--client-id <id>', 'OAuth client unique identifier (Admin Center → Apps and integrations → OAuth clients)').env(
        'ZS_OAUTH_CLIENT_ID',
      ),
    )
    .addOption(
      new Option('--client-secret <secret>', 'OAuth client secret (needed for confidential clients and client_credentials)').env(
        'ZS_OAUTH_CLIENT_SECRET',
      ),
    )
    .option('--credential <ref>', 'where to store the tokens: file:<path> (default file:./secrets/<source>.json)')
    .option(
      '--port <n>',
      'loopback port of the redirect http://127.0.0.1:<port>/oauth/callback (must be a registered redirect URL)',
      Number,
      8976,
    )
    .option('--scope <scope>', 'OAuth scope', 'read')
    .addOption(
      new Option('--grant <type>', 'OAuth grant').choices(['authorization_code', 'client_credentials']).default('authorization_code'),
    )
    .action(
      async (
        source: string,
        o: {
          subdomain?: string;
          baseUrl?: string;
          clientId?: string;
          clientSecret?: string;
          credential?: string;
          port: number;
          scope: string;
          grant: 'authorization_code' | 'client_credentials';
        },
      ) => {
        if (!o.clientId) throw new Error('give --client-id (or ZS_OAUTH_CLIENT_ID): the OAuth client registered in Zendesk');
        const credentialRef = o.credential ?? `file:./secrets/${source}.json`;
        const result = await authorize({
          baseUrl: zendeskBaseUrl(o),
          clientId: o.clientId,
          clientSecret: o.clientSecret,
          credentialRef,
          grant: o.grant,
          scope: o.scope,
          port: o.port,
        });
        console.log(authorizationSummary(source, result));
      },
    );
}
