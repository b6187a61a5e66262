/**
 * Resolves a credential reference (what workflow inputs carry) to the secret (what only the worker
 * sees), and writes rotated OAuth tokens back.
 *
 *   file:<path>   JSON file, owner-only (0600; a file group or others can read or write is refused). {"type":"api_token","email","token"} or
 *                 {"type":"oauth","accessToken","refreshToken"?,"expiresAt"?,"clientId"?,"clientSecret"?}
 *   env:<PREFIX>  PREFIX_EMAIL + PREFIX_API_TOKEN, or PREFIX_ACCESS_TOKEN alone (an OAuth access token
 *                 used until it expires). A PREFIX_REFRESH_TOKEN is refused: Zendesk kills the old
 *                 refresh token the moment it issues a new one, and the new one cannot be written back
 *                 to the environment, so refreshing would leave the source with no working token.
 *
 * Several worker processes may share one credential file. Refreshing it is serialised across
 * processes with an exclusive lock file next to it (see withCredentialFileLock and
 * credentialFileTokenStore), so only one process ever spends a given refresh token.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOwnerOnlyFile } from './ownerOnly';
import type { SharedTokenStore, StoredOAuthTokens } from '../zendesk/auth';
import { InvalidSettingsError } from '../failures/vocabulary';

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
    // Owner-only, like an ssh key: a token others can read is refused, with the chmod that fixes it.
    text = await readOwnerOnlyFile(file, 'credential file', (message) => new CredentialNotFoundError(message));
  } catch (err) {
    if (err instanceof CredentialNotFoundError) throw err;
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
    if (env('REFRESH_TOKEN')) {
      // Refused before anything is sent: the refresh would succeed at Zendesk, kill the refresh
      // token in the environment, and leave a new pair nowhere to live. The source would be dead
      // until someone reconnected it by hand.
      throw new InvalidSettingsError(
        `env:${prefix} holds an OAuth refresh token (${prefix}_REFRESH_TOKEN). Zendesk replaces the refresh token on every refresh and a new one cannot be written back to the environment, so refreshing would leave this source with no working token. Store the OAuth credential in a file instead (credentialRef file:<path>, e.g. written by \`client.ts auth <source>\`), or unset ${prefix}_REFRESH_TOKEN to use the access token alone until it expires.`,
      );
    }
    return { type: 'oauth', accessToken: env('ACCESS_TOKEN')!, clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') };
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
  throw new CredentialNotFoundError(`${where} must be {"type":"api_token","email","token"} or {"type":"oauth","accessToken",…}`);
}

/**
 * Writes a credential file readable by its owner only, atomically and durably: a crash or power
 * loss leaves either the old file or the new one, never a half-written or lost token. That matters
 * for rotated OAuth tokens, where the old pair is already dead at Zendesk.
 */
export async function saveCredential(ref: string, credential: ZendeskCredential): Promise<void> {
  if (!ref.startsWith('file:')) {
    throw new CredentialNotFoundError(`cannot store a rotated token in ${describeCredentialRef(ref)}: use a file: reference`);
  }
  const file = path.resolve(ref.slice('file:'.length));
  const directory = path.dirname(file);
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(credential, null, 2)}\n`);
    await handle.chmod(0o600);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.rename(temp, file);
  await syncDirectory(directory);
}

/** Makes a rename inside `directory` durable (the new directory entry survives a crash). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems cannot fsync a directory; the rename itself has still happened.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

export interface CredentialLockOptions {
  /**
   * A lock whose file has not been touched for this long is taken to belong to a crashed process
   * (possibly on another host) and is broken. A live holder touches it every staleMs / 3. Default 30 s.
   */
  staleMs?: number;
  /** Give up waiting for the lock after this long (a retryable failure). Default 60 s. */
  timeoutMs?: number;
  /** Delay between attempts while another process holds the lock. Default 50 ms (plus jitter). */
  pollMs?: number;
}

/** The lock on a credential file could not be taken in time. Retryable: the holder will finish. */
export class CredentialLockTimeoutError extends Error {
  readonly type = 'CredentialLockTimeoutError';
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'CredentialLockTimeoutError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  /** Unique per acquisition, so a process only ever removes its own lock. */
  nonce: string;
  acquiredAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readLockOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.nonce === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    /* missing, or created but not written yet */
  }
  return undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes the lock when its holder is gone: a dead process on this host, or (any host) a lock
 * file nobody has touched for `staleMs`. Returns true when the lock was (or already is) gone.
 */
async function breakStaleLock(lockFile: string, staleMs: number): Promise<boolean> {
  let modifiedAt: number;
  try {
    modifiedAt = (await fs.stat(lockFile)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const owner = await readLockOwner(lockFile);
  const holderDied = owner !== undefined && owner.host === os.hostname() && !processIsAlive(owner.pid);
  if (!holderDied && Date.now() - modifiedAt < staleMs) return false;
  // Only remove the very lock judged stale: if another process broke it and took a new one in the
  // meantime, its nonce differs and that lock is left alone.
  const current = await readLockOwner(lockFile);
  if (owner !== undefined && current?.nonce !== owner.nonce) return false;
  await fs.rm(lockFile, { force: true });
  return true;
}

/**
 * Runs `task` while holding an exclusive lock on a credential file, shared by every process that
 * uses this function on the same file (an O_EXCL lock file `<file>.lock` next to it).
 */
export async function withCredentialFileLock<T>(file: string, task: () => Promise<T>, options: CredentialLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 50;
  const lockFile = `${path.resolve(file)}.lock`;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), nonce: randomUUID(), acquiredAt: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await breakStaleLock(lockFile, staleMs)) continue;
    if (Date.now() >= deadline) {
      const holder = await readLockOwner(lockFile);
      throw new CredentialLockTimeoutError(
        `the credential file ${file} stayed locked for ${Math.round(timeoutMs / 1000)} s${holder ? ` by process ${holder.pid} on ${holder.host}` : ''}; another worker is refreshing its OAuth token`,
      );
    }
    await sleep(pollMs + Math.random() * pollMs);
  }
  // Keep the lock visibly alive so a slow refresh is never mistaken for a crashed holder.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      fs.utimes(lockFile, now, now).catch(() => {});
    },
    Math.max(1, Math.floor(staleMs / 3)),
  );
  heartbeat.unref();
  try {
    return await task();
  } finally {
    clearInterval(heartbeat);
    if ((await readLockOwner(lockFile))?.nonce === owner.nonce) await fs.rm(lockFile, { force: true });
  }
}

/**
 * The OAuth pair in a file: credential as a store shared by every process using that file, for
 * OAuthAuthSettings.sharedStore. Undefined for env: references (they never hold a refresh token).
 */
export function credentialFileTokenStore(ref: string, options: CredentialLockOptions = {}): SharedTokenStore | undefined {
  if (!ref.startsWith('file:')) return undefined;
  const file = ref.slice('file:'.length);
  return {
    exclusive: (task) => withCredentialFileLock(file, task, options),
    async read(): Promise<StoredOAuthTokens | undefined> {
      let credential: ZendeskCredential;
      try {
        credential = await readCredentialFile(file);
      } catch {
        // Unreadable right now: the caller falls back to the pair it holds in memory.
        return undefined;
      }
      if (credential.type !== 'oauth') return undefined;
      const expiresAt = credential.expiresAt ? Date.parse(credential.expiresAt) : undefined;
      return {
        accessToken: credential.accessToken,
        ...(credential.refreshToken ? { refreshToken: credential.refreshToken } : {}),
        ...(expiresAt !== undefined && Number.isFinite(expiresAt) ? { expiresAt } : {}),
      };
    },
  };
}
