/**
 * Resolves a credential reference (what workflow inputs carry) to the secret (what only the worker
 * sees), and writes rotated OAuth tokens back.
 *
 *   file:<path>   JSON file, owner-only (0600). {"type":"api_token","email","token"} or
 *                 {"type":"oauth","accessToken","refreshToken"?,"expiresAt"?,"clientId"?,"clientSecret"?}
 *   env:<PREFIX>  PREFIX_EMAIL + PREFIX_API_TOKEN, or PREFIX_ACCESS_TOKEN (+ PREFIX_REFRESH_TOKEN,
 *                 PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET). Rotated tokens cannot be written back to the
 *                 environment, so refresh-token rotation needs a file: reference.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface ApiTokenCredential {
  type: 'api_token';
  email: string;
  token: string;
}

export interface OAuthCredential {
  type: 'oauth';
  accessToken: string;
  refreshToken?: string;
  /** ISO time the access token expires, when known. */
  expiresAt?: string;
  clientId?: string;
  clientSecret?: string;
}

export type ZendeskCredential = ApiTokenCredential | OAuthCredential;

export class CredentialNotFoundError extends Error {
  readonly type = 'CredentialNotFoundError';
  constructor(message: string) {
    super(message);
    this.name = 'CredentialNotFoundError';
  }
}

export function describeCredentialRef(ref: string): string {
  return ref.startsWith('file:') || ref.startsWith('env:') ? ref : `(invalid reference)`;
}

export async function resolveCredential(ref: string): Promise<ZendeskCredential> {
  if (ref.startsWith('file:')) return readCredentialFile(ref.slice('file:'.length));
  if (ref.startsWith('env:')) return readCredentialEnv(ref.slice('env:'.length));
  throw new CredentialNotFoundError(
    `credential reference "${ref}" is not understood: use file:<path to a JSON credential> or env:<PREFIX>`,
  );
}

async function readCredentialFile(file: string): Promise<ZendeskCredential> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CredentialNotFoundError(`credential file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialNotFoundError(`credential file ${file} is not JSON`);
  }
  return validateCredential(parsed, `credential file ${file}`);
}

function readCredentialEnv(prefix: string): ZendeskCredential {
  const env = (name: string) => process.env[`${prefix}_${name}`] || undefined;
  if (env('ACCESS_TOKEN')) {
    return {
      type: 'oauth',
      accessToken: env('ACCESS_TOKEN')!,
      refreshToken: env('REFRESH_TOKEN'),
      clientId: env('CLIENT_ID'),
      clientSecret: env('CLIENT_SECRET'),
    };
  }
  if (env('EMAIL') && env('API_TOKEN')) return { type: 'api_token', email: env('EMAIL')!, token: env('API_TOKEN')! };
  throw new CredentialNotFoundError(
    `environment has no credential for env:${prefix}: set ${prefix}_ACCESS_TOKEN (OAuth) or ${prefix}_EMAIL and ${prefix}_API_TOKEN`,
  );
}

export function validateCredential(value: unknown, where: string): ZendeskCredential {
  const v = value as Record<string, unknown>;
  if (v && v.type === 'api_token' && typeof v.email === 'string' && typeof v.token === 'string') {
    return { type: 'api_token', email: v.email, token: v.token };
  }
  if (v && v.type === 'oauth' && typeof v.accessToken === 'string') {
    const optional = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
    return {
      type: 'oauth',
      accessToken: v.accessToken,
      refreshToken: optional('refreshToken'),
      expiresAt: optional('expiresAt'),
      clientId: optional('clientId'),
      clientSecret: optional('clientSecret'),
    };
  }
  throw new CredentialNotFoundError(
    `${where} must be {"type":"api_token","email","token"} or {"type":"oauth","accessToken",…}`,
  );
}

/** Writes a credential file readable by its owner only, atomically (no half-written token file). */
export async function saveCredential(ref: string, credential: ZendeskCredential): Promise<void> {
  if (!ref.startsWith('file:')) {
    throw new CredentialNotFoundError(`cannot store a rotated token in ${describeCredentialRef(ref)}: use a file: reference`);
  }
  const file = ref.slice('file:'.length);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await fs.chmod(temp, 0o600);
  await fs.rename(temp, file);
}
