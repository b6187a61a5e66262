import { errors, type ApiResponse } from './http';
import type { OAuthServer } from './oauth';

/**
 * Who is calling, from the Authorization header (zendesk-api.md §2). Basic `email/token:TOKEN` for the
 * admin and the agent credential, Bearer for OAuth tokens. Credentials can be revoked and restored
 * at runtime; a revoked credential fails exactly like a wrong one.
 */
export interface Principal {
  role: 'admin' | 'agent';
  userId: number;
  scheme: 'basic' | 'bearer';
  /** OAuth scopes; null for API tokens (they carry the user's full rights). */
  scopes: string[] | null;
}

export type CredentialKind = 'admin' | 'agent' | 'oauth';

export type AuthResult =
  | { kind: 'ok'; principal: Principal }
  /** No credentials, or password Basic auth: only users/me answers (with the anonymous user). */
  | { kind: 'anonymous'; failure: ApiResponse }
  | { kind: 'failed'; failure: ApiResponse };

export interface ApiTokenCredential {
  email: string;
  apiToken: string;
  userId: () => number;
}

export class Authenticator {
  private readonly revoked = new Set<CredentialKind>();

  constructor(
    private readonly admin: ApiTokenCredential,
    private readonly agent: ApiTokenCredential,
    private readonly oauth: OAuthServer,
  ) {}

  revoke(which: CredentialKind | 'all' = 'all'): void {
    for (const kind of which === 'all' ? (['admin', 'agent', 'oauth'] as const) : [which]) this.revoked.add(kind);
  }

  restore(which: CredentialKind | 'all' = 'all'): void {
    for (const kind of which === 'all' ? (['admin', 'agent', 'oauth'] as const) : [which]) this.revoked.delete(kind);
  }

  revokedKinds(): CredentialKind[] {
    return [...this.revoked];
  }

  authenticate(header: string | undefined): AuthResult {
    if (!header) return { kind: 'anonymous', failure: errors.basicUnauthorized() };
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') {
      const token = this.revoked.has('oauth') ? undefined : this.oauth.lookup(value);
      if (!token) return { kind: 'failed', failure: errors.bearerUnauthorized() };
      return { kind: 'ok', principal: { role: 'admin', userId: token.userId, scheme: 'bearer', scopes: token.scopes } };
    }
    if (scheme !== 'basic') return { kind: 'failed', failure: errors.basicUnauthorized() };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (!user.toLowerCase().endsWith('/token')) {
      // Password auth: the emulator knows no passwords, so it is always a wrong password.
      return { kind: 'anonymous', failure: errors.basicUnauthorized() };
    }
    const email = user.slice(0, -'/token'.length).toLowerCase();
    for (const [kind, credential] of [
      ['admin', this.admin],
      ['agent', this.agent],
    ] as const) {
      if (this.revoked.has(kind)) continue;
      if (credential.email.toLowerCase() === email && credential.apiToken === secret) {
        return { kind: 'ok', principal: { role: kind, userId: credential.userId(), scheme: 'basic', scopes: null } };
      }
    }
    return { kind: 'failed', failure: errors.basicUnauthorized() };
  }
}

/** The OAuth scope a read of `path` needs besides plain `read`. */
export function resourceScope(path: string): string | null {
  if (
    /^\/api\/v2\/(incremental\/)?(tickets|ticket_events|ticket_metric|ticket_metrics|ticket_fields|ticket_forms|skips|satisfaction_ratings)/.test(
      path,
    )
  )
    return 'tickets';
  if (/^\/api\/v2\/(incremental\/)?(users|user_fields|group|groups|group_memberships)/.test(path)) return 'users';
  if (/^\/api\/v2\/(incremental\/)?(organizations|organization_fields|organization_memberships)/.test(path)) return 'organizations';
  if (path.startsWith('/api/v2/audit_logs')) return 'auditlogs';
  return null;
}

export function hasReadScope(scopes: string[] | null, path: string): boolean {
  if (scopes === null) return true;
  if (scopes.includes('read') || scopes.includes('write')) return true;
  const resource = resourceScope(path);
  return resource !== null && (scopes.includes(`${resource}:read`) || scopes.includes(`${resource}:write`));
}
