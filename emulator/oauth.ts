import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { jsonResponse, type ApiResponse } from './http';
import type { OAuthSettings } from './options';

/**
 * Zendesk's OAuth endpoints (zendesk-api.md §2.2): authorization-code flow with optional PKCE (S256),
 * refresh with rotation (a refresh deletes the previous access and refresh token at once), and
 * client_credentials. Lifetimes run on the emulated clock, so advanceClock() expires tokens.
 */
interface AuthorizationCode {
  code: string;
  redirectUri: string;
  scope: string;
  challenge: string | null;
  challengeMethod: string | null;
  expiresAt: number;
  userId: number;
}

export interface AccessToken {
  token: string;
  userId: number;
  scopes: string[];
  /** Emulated epoch seconds; null = never. */
  expiresAt: number | null;
  /** The refresh token issued with it (rotated together). */
  refreshToken: string | null;
}

interface RefreshToken {
  token: string;
  userId: number;
  scope: string;
  expiresAt: number;
  accessToken: string;
}

const oauthError = (status: number, error: string, description: string) => jsonResponse(status, { error, error_description: description });

/**
 * Zendesk's documented bounds on requested lifetimes (zendesk-api.md §2.2): expires_in more than
 * 300 s and less than 172,800 s; refresh_token_expires_in from 604,800 s to 7,776,000 s.
 */
export const ACCESS_TOKEN_LIFETIME = { min: 301, max: 172_799 } as const;
export const REFRESH_TOKEN_LIFETIME = { min: 604_800, max: 7_776_000 } as const;

type Lifetimes = { expiresIn?: number; refreshExpiresIn?: number };

/**
 * The lifetimes a token request asks for, checked against Zendesk's bounds: out of range is either
 * refused (400 invalid_request) or clamped, per `oauth.expiresInOutOfRange`. Absent = the defaults.
 */
function requestedLifetimes(params: Record<string, string>, mode: OAuthSettings['expiresInOutOfRange']): Lifetimes | ApiResponse {
  const out: Lifetimes = {};
  const checks = [
    ['expires_in', ACCESS_TOKEN_LIFETIME, 'expiresIn'],
    ['refresh_token_expires_in', REFRESH_TOKEN_LIFETIME, 'refreshExpiresIn'],
  ] as const;
  for (const [name, bounds, key] of checks) {
    const raw = params[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value)) return oauthError(400, 'invalid_request', `${name} must be an integer number of seconds.`);
    if (value >= bounds.min && value <= bounds.max) out[key] = value;
    else if (mode === 'clamp') out[key] = Math.min(bounds.max, Math.max(bounds.min, value));
    else return oauthError(400, 'invalid_request', `${name} must be between ${bounds.min} and ${bounds.max} seconds.`);
  }
  return out;
}

function base64url(buffer: Buffer): string {
  return buffer.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class OAuthServer {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();

  constructor(
    public settings: OAuthSettings,
    private readonly clock: Clock,
    /** The user the flow logs in as (the account admin). */
    private readonly userId: () => number,
  ) {}

  update(patch: Partial<OAuthSettings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  /** GET /oauth/authorizations/new — auto-approves (or denies) without a login page. */
  authorize(query: URLSearchParams): ApiResponse {
    const clientId = query.get('client_id');
    const redirectUri = query.get('redirect_uri');
    if (clientId !== this.settings.clientId) return oauthError(400, 'invalid_client', 'Unknown client_id.');
    // Never redirect to an unregistered URI: answer the browser directly.
    if (!redirectUri || !this.settings.redirectUris.includes(redirectUri)) {
      return oauthError(400, 'invalid_request', 'The redirect_uri does not match a registered redirect URL of this client.');
    }
    const state = query.get('state');
    const target = new URL(redirectUri);
    const redirect = (params: Record<string, string>) => {
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, body: '', headers: { Location: target.toString() } } satisfies ApiResponse;
    };
    if (query.get('response_type') !== 'code') {
      return redirect({ error: 'unsupported_response_type', error_description: 'Only response_type=code is supported.' });
    }
    const challenge = query.get('code_challenge');
    const method = challenge ? (query.get('code_challenge_method') ?? 'plain') : null;
    if (method && method !== 'S256' && method !== 'plain') {
      return redirect({ error: 'invalid_request', error_description: 'code_challenge_method must be S256.' });
    }
    if (this.settings.authorize === 'deny') {
      return redirect({ error: 'access_denied', error_description: 'The end-user or authorization server denied the request.' });
    }
    const code = base64url(randomBytes(24));
    this.codes.set(code, {
      code,
      redirectUri,
      scope: query.get('scope') ?? 'read',
      challenge,
      challengeMethod: method,
      expiresAt: this.clock.now() + this.settings.codeLifetimeSeconds,
      userId: this.userId(),
    });
    return redirect({ code });
  }

  /** POST /oauth/tokens — JSON or form-encoded body. */
  token(params: Record<string, string>): ApiResponse {
    const lifetimes = requestedLifetimes(params, this.settings.expiresInOutOfRange);
    if ('status' in lifetimes) return lifetimes;
    params = { ...params };
    delete params.expires_in;
    delete params.refresh_token_expires_in;
    if (lifetimes.expiresIn !== undefined) params.expires_in = String(lifetimes.expiresIn);
    if (lifetimes.refreshExpiresIn !== undefined) params.refresh_token_expires_in = String(lifetimes.refreshExpiresIn);
    const grant = params.grant_type;
    if (grant === 'authorization_code') return this.exchangeCode(params);
    if (grant === 'refresh_token') return this.refresh(params);
    if (grant === 'client_credentials') {
      if (!this.clientAuthenticates(params)) return oauthError(401, 'invalid_client', 'Client authentication failed.');
      return this.issue(this.userId(), params.scope ?? 'read', params, false);
    }
    return oauthError(400, 'unsupported_grant_type', `The authorization grant type is not supported: ${grant ?? '(none)'}`);
  }

  private clientAuthenticates(params: Record<string, string>): boolean {
    return params.client_id === this.settings.clientId && params.client_secret === this.settings.clientSecret;
  }

  private exchangeCode(params: Record<string, string>): ApiResponse {
    if (params.client_id !== this.settings.clientId) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const code = params.code ? this.codes.get(params.code) : undefined;
    // Codes are single-use: consume before validating the rest.
    if (code) this.codes.delete(code.code);
    if (!code || code.expiresAt < this.clock.now()) {
      return oauthError(
        400,
        'invalid_grant',
        'The provided authorization grant is invalid, expired, revoked, or was issued to another client.',
      );
    }
    if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) {
      return oauthError(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request.');
    }
    if (code.challenge) {
      const verifier = params.code_verifier;
      if (!verifier) return oauthError(400, 'invalid_grant', 'code_verifier is required.');
      const computed = code.challengeMethod === 'S256' ? base64url(createHash('sha256').update(verifier).digest()) : verifier;
      if (computed !== code.challenge) return oauthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
    } else if (params.client_secret !== this.settings.clientSecret) {
      // Confidential clients without PKCE must authenticate.
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    }
    return this.issue(code.userId, params.scope ?? code.scope, params, true);
  }

  private refresh(params: Record<string, string>): ApiResponse {
    if (params.client_id !== this.settings.clientId) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    if (params.client_secret !== undefined && params.client_secret !== this.settings.clientSecret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    }
    const old = params.refresh_token ? this.refreshTokens.get(params.refresh_token) : undefined;
    if (!old || old.expiresAt < this.clock.now()) {
      return oauthError(
        400,
        'invalid_grant',
        'The provided authorization grant is invalid, expired, revoked, or was issued to another client.',
      );
    }
    // Rotation: the old pair dies the moment the new one is issued.
    this.refreshTokens.delete(old.token);
    this.accessTokens.delete(old.accessToken);
    return this.issue(old.userId, params.scope ?? old.scope, params, true);
  }

  private issue(userId: number, scope: string, params: Record<string, string>, withRefresh: boolean): ApiResponse {
    const now = this.clock.now();
    const expiresIn = params.expires_in ? Number(params.expires_in) : this.settings.accessTokenLifetimeSeconds;
    const refreshExpiresIn = params.refresh_token_expires_in
      ? Number(params.refresh_token_expires_in)
      : this.settings.refreshTokenLifetimeSeconds;
    const access = base64url(randomBytes(32));
    const refresh = withRefresh ? base64url(randomBytes(32)) : null;
    this.accessTokens.set(access, {
      token: access,
      userId,
      scopes: scope.split(/\s+/).filter(Boolean),
      expiresAt: expiresIn > 0 ? now + expiresIn : null,
      refreshToken: refresh,
    });
    if (refresh) this.refreshTokens.set(refresh, { token: refresh, userId, scope, expiresAt: now + refreshExpiresIn, accessToken: access });
    const body: Record<string, unknown> = { access_token: access, token_type: 'bearer', scope };
    if (refresh) body.refresh_token = refresh;
    body.expires_in = expiresIn > 0 ? expiresIn : null;
    if (refresh) body.refresh_token_expires_in = refreshExpiresIn;
    return jsonResponse(200, body);
  }

  /** A live access token, or undefined when unknown, rotated away or expired. */
  lookup(token: string): AccessToken | undefined {
    const found = this.accessTokens.get(token);
    if (!found) return undefined;
    if (found.expiresAt !== null && found.expiresAt <= this.clock.now()) return undefined;
    return found;
  }

  /** Mint a token directly (tests that need a bearer credential without the browser flow). */
  mintAccessToken(scope = 'read', expiresIn?: number): { accessToken: string; refreshToken: string } {
    const response = this.issue(this.userId(), scope, expiresIn ? { expires_in: String(expiresIn) } : {}, true);
    const body = JSON.parse(String(response.body)) as { access_token: string; refresh_token: string };
    return { accessToken: body.access_token, refreshToken: body.refresh_token };
  }

  revokeAll(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }
}
