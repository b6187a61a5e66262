/**
 * The check before a sync: who are these credentials, and may they read incremental exports?
 * `users/me` answers 200 with an anonymous user (id null) for missing or wrong passwords, so a 200
 * alone proves nothing: the user id must be real.
 */
import { ZendeskAuthError, ZendeskForbiddenError } from './errors';

export interface ZendeskUser {
  id: number;
  name: string;
  role: string;
  email: string | null;
}

export interface CredentialCheckOptions {
  /** Require the admin role (incremental exports are admin-only). Default true. */
  requireAdmin?: boolean;
}

export function userFromMeResponse(body: unknown, options: CredentialCheckOptions = {}): ZendeskUser {
  const user = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).user : undefined) as
    Record<string, unknown> | undefined;
  const id = user?.id;
  if (typeof id !== 'number' || !Number.isFinite(id) || id <= 0) {
    throw new ZendeskAuthError(
      'Zendesk did not recognise the credentials: /api/v2/users/me answered as "Anonymous user". Check the email and API token (or reconnect OAuth).',
      { status: 200, code: 'anonymous_user' },
    );
  }
  const role = typeof user!.role === 'string' ? user!.role : 'unknown';
  const name = typeof user!.name === 'string' ? user!.name : '';
  const email = typeof user!.email === 'string' ? user!.email : null;
  if (options.requireAdmin !== false && role !== 'admin') {
    throw new ZendeskForbiddenError(
      `The Zendesk user ${email ?? name ?? id} has role "${role}", but incremental exports (tickets, users, organizations, ticket events) need an admin. Connect with an admin user.`,
      { status: 403, code: 'not_admin', planGated: false },
    );
  }
  return { id, name, role, email };
}
