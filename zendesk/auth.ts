/**
 * Credentials: the OAuth access token (primary; refreshed with rotation) or the legacy API token.
 *
 * Refresh-token rotation is unforgiving: Zendesk deletes the old pair as soon as it issues a new
 * one. So the new pair is handed to the caller's persistence callback *before* the new access
 * token is used, every concurrent request shares one in-flight refresh, and a pair that could not
 * be saved is kept in memory and saved again before anything uses it.
 *
 * When several processes share one stored credential (workers on one credential file), the
 * in-process sharing is not enough: each process holds the refresh token in memory, and the second
 * one to refresh would spend a token the first already killed. With a `sharedStore`, a refresh
 * runs under the store's exclusive lock and first re-reads the stored pair: if another process
 * already rotated it, that pair is adopted instead of refreshing again.
 */
import { abortReason } from './abortableSleep';
import { InvalidSettingsError, ZendeskAuthError, ZendeskError, ZendeskTokenPersistError } from './errors';

export const API_TOKEN_RETIREMENT_WARNING =
  'Zendesk API tokens are legacy: Zendesk stops issuing them in 2026 and all API tokens stop working on 2027-04-30. Switch this source to OAuth.';

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires, if Zendesk said. */
  expiresAt?: number;
  /** Epoch ms when the refresh token expires, if Zendesk said. */
  refreshTokenExpiresAt?: number;
}

/** An OAuth pair as stored (the refresh token may be absent). */
export interface StoredOAuthTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

/** Where the credential lives when other processes may refresh it too (see the module comment). */
export interface SharedTokenStore {
  /** Runs `task` holding an exclusive lock that every process using this store respects. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** The pair as currently stored, or undefined when it cannot be read. */
  read(): Promise<StoredOAuthTokens | undefined>;
}

export interface ApiTokenAuthSettings {
  type: 'api_token';
  email: string;
  apiToken: string;
}

export interface OAuthAuthSettings {
  type: 'oauth';
  accessToken: string;
  /** Without a refresh token the access token is used as is and a 401 is final. */
  refreshToken?: string;
  /** Epoch ms; the token is refreshed `refreshSkewMs` before this. */
  expiresAt?: number;
  clientId?: string;
  clientSecret?: string;
  /**
   * Persists a rotated pair (e.g. to the secret store). Awaited before the new access token is
   * used; if it throws, the request fails retryably and saving is tried again next time.
   */
  onTokensRotated?: (tokens: OAuthTokens) => Promise<void>;
  /**
   * The stored credential shared with other processes. Refreshes then run under its lock, adopt a
   * pair another process stored meanwhile, and `onTokensRotated` is called with the lock held.
   */
  sharedStore?: SharedTokenStore;
  /** Lifetimes to ask for on refresh (seconds), passed to Zendesk as expires_in / refresh_token_expires_in. */
  requestedExpiresInSeconds?: number;
  requestedRefreshTokenExpiresInSeconds?: number;
  /** Refresh this long before expiry. Default 5 minutes. */
  refreshSkewMs?: number;
}

export type AuthSettings = ApiTokenAuthSettings | OAuthAuthSettings;

/** The current Authorization value and a generation number that changes when credentials rotate. */
export interface Credential {
  authorization: string;
  generation: number;
}

/** Posts a token request to `/oauth/tokens` on the account origin and returns the parsed body. */
export type TokenEndpoint = (body: Record<string, unknown>) => Promise<unknown>;

export interface AuthProvider {
  readonly kind: AuthSettings['type'];
  readonly warnings: readonly string[];
  credential(signal?: AbortSignal): Promise<Credential>;
  /**
   * Called after a 401 sent with credential `generation`. Resolves true when newer credentials
   * exist (someone refreshed, or this call did) and the request is worth one more try.
   */
  recoverFromUnauthorized(generation: number, signal?: AbortSignal): Promise<boolean>;
}

export function createAuthProvider(settings: AuthSettings, tokenEndpoint: TokenEndpoint): AuthProvider {
  if (settings?.type === 'api_token') return new ApiTokenAuth(settings);
  if (settings?.type === 'oauth') return new OAuthAuth(settings, tokenEndpoint);
  throw new InvalidSettingsError('Zendesk auth must be { type: "oauth", accessToken, ... } or { type: "api_token", email, apiToken }.');
}

class ApiTokenAuth implements AuthProvider {
  readonly kind = 'api_token';
  readonly warnings = [API_TOKEN_RETIREMENT_WARNING];
  private readonly authorization: string;

  constructor(settings: ApiTokenAuthSettings) {
    const email = settings.email?.trim() ?? '';
    const token = settings.apiToken?.trim() ?? '';
    if (!email.includes('@'))
      throw new InvalidSettingsError('API-token auth needs the email address of the Zendesk user that owns the token.');
    if (token === '') throw new InvalidSettingsError('API-token auth needs a non-empty API token.');
    this.authorization = `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
  }

  async credential(): Promise<Credential> {
    return { authorization: this.authorization, generation: 0 };
  }

  async recoverFromUnauthorized(): Promise<boolean> {
    return false;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class OAuthAuth implements AuthProvider {
  readonly kind = 'oauth';
  readonly warnings: string[] = [];
  private accessToken: string;
  private refreshToken: string | undefined;
  private expiresAt: number | undefined;
  private generation = 0;
  /** A rotated pair Zendesk issued that is not saved yet; the old refresh token is already dead. */
  private unsaved: OAuthTokens | undefined;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly settings: OAuthAuthSettings,
    private readonly tokenEndpoint: TokenEndpoint,
  ) {
    if (!settings.accessToken?.trim()) throw new InvalidSettingsError('OAuth auth needs an access token.');
    this.accessToken = settings.accessToken.trim();
    this.refreshToken = settings.refreshToken?.trim() || undefined;
    this.expiresAt = settings.expiresAt;
    if (this.refreshToken && !settings.clientId) {
      throw new InvalidSettingsError('OAuth refresh needs the OAuth client id (clientId) the tokens were issued to.');
    }
    if (this.refreshToken && !settings.onTokensRotated) {
      throw new InvalidSettingsError(
        'OAuth refresh needs onTokensRotated: Zendesk invalidates the old refresh token on every refresh, so the new one must be saved.',
      );
    }
    if (!this.refreshToken && this.expiresAt !== undefined) {
      this.warnings.push('The OAuth access token expires and no refresh token was given: syncing stops working when it expires.');
    }
  }

  async credential(signal?: AbortSignal): Promise<Credential> {
    const skew = this.settings.refreshSkewMs ?? 5 * 60_000;
    const expiring = this.expiresAt !== undefined && Date.now() >= this.expiresAt - skew;
    if (this.unsaved || (expiring && this.refreshToken)) await raceAbort(this.refreshOnce(), signal);
    return { authorization: `Bearer ${this.accessToken}`, generation: this.generation };
  }

  async recoverFromUnauthorized(generation: number, signal?: AbortSignal): Promise<boolean> {
    if (generation !== this.generation) return true;
    if (!this.refreshToken) return false;
    await raceAbort(this.refreshOnce(), signal);
    return generation !== this.generation;
  }

  /** All callers share one refresh; it is not tied to any one caller's signal. */
  private refreshOnce(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.refresh().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async refresh(): Promise<void> {
    const store = this.settings.sharedStore;
    if (!store) return this.rotate();
    await store.exclusive(async () => {
      // Another process may have rotated the pair since we read it; then our refresh token is dead
      // and theirs is the live one. (An unsaved pair of our own is newer than anything stored.)
      if (!this.unsaved && (await this.adoptNewerStoredPair(store))) return;
      try {
        await this.rotate();
      } catch (error) {
        // invalid_grant: someone rotated without our lock (an older worker, a hand-edited file).
        if (error instanceof ZendeskAuthError && error.code === 'invalid_grant' && (await this.adoptNewerStoredPair(store))) return;
        throw error;
      }
    });
  }

  /** Takes the stored pair when it differs from the one in memory; true when it did. */
  private async adoptNewerStoredPair(store: SharedTokenStore): Promise<boolean> {
    const stored = await store.read();
    if (!stored?.accessToken || (stored.accessToken === this.accessToken && stored.refreshToken === this.refreshToken)) return false;
    this.accessToken = stored.accessToken;
    this.refreshToken = stored.refreshToken;
    this.expiresAt = stored.expiresAt;
    this.generation += 1;
    return true;
  }

  private async rotate(): Promise<void> {
    if (!this.unsaved) {
      this.unsaved = await this.requestNewPair();
      // The old refresh token died with this response; only the new one can ever work again.
      this.refreshToken = this.unsaved.refreshToken;
    }
    try {
      await this.settings.onTokensRotated!(this.unsaved);
    } catch (error) {
      throw new ZendeskTokenPersistError(
        'Zendesk rotated the OAuth tokens but saving the new pair failed; the new access token is not used until it is saved.',
        { cause: error },
      );
    }
    this.accessToken = this.unsaved.accessToken;
    this.expiresAt = this.unsaved.expiresAt;
    this.unsaved = undefined;
    this.generation += 1;
  }

  private async requestNewPair(): Promise<OAuthTokens> {
    const body: Record<string, unknown> = {
      grant_type: 'refresh_token',
      refresh_token: this.refreshToken,
      client_id: this.settings.clientId,
    };
    if (this.settings.clientSecret) body.client_secret = this.settings.clientSecret;
    if (this.settings.requestedExpiresInSeconds) body.expires_in = this.settings.requestedExpiresInSeconds;
    if (this.settings.requestedRefreshTokenExpiresInSeconds) {
      body.refresh_token_expires_in = this.settings.requestedRefreshTokenExpiresInSeconds;
    }
    let response: unknown;
    try {
      response = await this.tokenEndpoint(body);
    } catch (error) {
      if (error instanceof ZendeskError && !error.retryable) {
        throw new ZendeskAuthError(
          `Zendesk refused to refresh the OAuth token (${error.message}). Reconnect the source to issue new OAuth tokens.`,
          { ...(error.status !== undefined ? { status: error.status } : {}), ...(error.code ? { code: error.code } : {}) },
        );
      }
      throw error;
    }
    const record = (typeof response === 'object' && response !== null ? response : {}) as Record<string, unknown>;
    const accessToken = record.access_token;
    const refreshToken = record.refresh_token;
    if (typeof accessToken !== 'string' || accessToken === '' || typeof refreshToken !== 'string' || refreshToken === '') {
      throw new ZendeskAuthError('Zendesk answered the OAuth refresh without a new access_token and refresh_token.');
    }
    const now = Date.now();
    const tokens: OAuthTokens = { accessToken, refreshToken };
    if (typeof record.expires_in === 'number') tokens.expiresAt = now + record.expires_in * 1000;
    if (typeof record.refresh_token_expires_in === 'number') {
      tokens.refreshTokenExpiresAt = now + record.refresh_token_expires_in * 1000;
    }
    return tokens;
  }
}
