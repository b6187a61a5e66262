/**
 * What a worker keeps between activities: one open destination per warehouse URL (./warehousePools:
 * shared by every source writing there, with a bound on its connections) and one Zendesk
 * client per account and credential (so the account's keep-alive pool, rate budget and OAuth token
 * refreshes are shared by every stream and backfill of that account in this process).
 *
 * "Account" is the normalised origin (`acme`, `ACME` and `https://acme.zendesk.com/` are one
 * account). Several sources on one account share its rate budget, and the budget keeps the most
 * conservative of their rate settings (the lowest caps and share): Zendesk's limits are per account,
 * so the strictest source's settings are the only ones that keep every source within them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { StreamSpec } from '../catalog/types';
import { credentialFileTokenStore, resolveCredential, saveCredential, type ZendeskCredential } from '../credentials/store';
import { resolveDestinationReference, urlScheme } from '../destinations/reference';
import { snowflakeQueryTag } from '../destinations/snowflake/settings';
import type { Destination } from '../destinations/types';
import {
  createZendeskClient,
  resolveEndpoint,
  ZendeskForbiddenError,
  ZendeskNotFoundError,
  type AuthSettings,
  type PageResult,
  type PaginateOptions,
  type ZendeskClient,
  type RequestEvent,
  type ZendeskUser,
} from '../zendesk';
import type { RateSettings, SourceConfig } from '../workflows/types';
import { WarehousePools, warehouseLimitsFromEnv, type WarehouseLimits } from './warehousePools';

/** The slice of the Zendesk client one activity uses, with requests counted for that activity only. */
export interface AccountSession {
  paginate(stream: StreamSpec, options: PaginateOptions): AsyncIterable<PageResult>;
  /** Every record of a core list endpoint (field definitions). */
  listAll(path: string, key: string, signal?: AbortSignal): Promise<Array<Record<string, unknown>>>;
  checkCredentials(signal?: AbortSignal): Promise<ZendeskUser>;
  /** Requests sent to Zendesk by this activity so far (retries included). */
  requestCount(): number;
  /** Why Zendesk refused, when the error is a plan/role refusal (403/404); else undefined. */
  forbiddenReason(err: unknown): string | undefined;
  warnings(): string[];
}

interface CachedClient {
  client: ZendeskClient;
  credentialJson: string;
}

/** Per-activity request counters, found through the async context of each request. */
/** Per activity: its request count, and who hears about requests that needed retries or failed. */
interface RequestScope {
  requests: number;
  onTrouble?: (event: RequestEvent) => void;
}
const requestCounter = new AsyncLocalStorage<RequestScope>();

export interface WorkerResourcesOptions {
  /** The bound on each warehouse's connections (default: ZS_WAREHOUSE_MAX_CONNECTIONS and ZS_WAREHOUSE_ACQUIRE_TIMEOUT_SECONDS). */
  warehouse?: WarehouseLimits;
}

export class WorkerResources {
  readonly warehouses: WarehousePools;
  private readonly clients = new Map<string, CachedClient>();
  /** Per account: each source's latest rate settings, to give the shared budget the strictest of them. */
  private readonly rateBySource = new Map<string, Map<string, RateSettings>>();

  /** Listeners for every Zendesk request (metrics). */
  readonly requestListeners: Array<
    (event: { source: string; path: string; status?: number; attempts: number; errorType?: string }) => void
  > = [];

  constructor(options: WorkerResourcesOptions = {}) {
    this.warehouses = new WarehousePools(options.warehouse ?? warehouseLimitsFromEnv(process.env));
  }

  /**
   * SQLite, Postgres and BigQuery destinations are shared by every activity of the worker. A Snowflake
   * session carries its QUERY_TAG from login, so a tagged run gets a session of its own (its calls
   * still count against the URL's bound): the caller closes it via `release`.
   */
  async destinationForRun(
    ref: string,
    tag: { source: string; run: string },
  ): Promise<{ destination: Destination; release(): Promise<void> }> {
    const url = resolveDestinationReference(ref, process.env);
    if (urlScheme(url) !== 'snowflake') return { destination: await this.destination(ref), release: async () => {} };
    const destination = await this.warehouses.ownDestination(url, { snowflake: { queryTag: snowflakeQueryTag(tag) } });
    return { destination, release: () => destination.close() };
  }

  /** The worker's shared destination of a warehouse URL (see ./warehousePools). */
  async destination(ref: string): Promise<Destination> {
    return this.warehouses.destination(resolveDestinationReference(ref, process.env));
  }

  /** A session for one activity: requests made inside `run` are counted for it. */
  async session(config: SourceConfig, onTrouble?: (event: RequestEvent) => void): Promise<AccountSession> {
    const client = await this.client(config);
    const counter: RequestScope = { requests: 0, onTrouble };
    const run = <T>(fn: () => T): T => requestCounter.run(counter, fn);
    return {
      paginate: (stream, options) => withContext(run, client.paginate(stream, options)),
      listAll: (path, key, signal) =>
        run(async () => {
          const out: Array<Record<string, unknown>> = [];
          const listStream: StreamSpec = {
            name: key,
            style: 'cursor_list',
            path,
            recordsKey: key,
            bucket: 'core',
            fullRefresh: true,
            skipWhenForbidden: false,
          };
          for await (const page of client.paginate(listStream, { signal })) out.push(...page.records);
          return out;
        }),
      checkCredentials: (signal) => run(() => client.checkCredentials({ signal })),
      requestCount: () => counter.requests,
      forbiddenReason: (err) => (err instanceof ZendeskForbiddenError || err instanceof ZendeskNotFoundError ? err.message : undefined),
      warnings: () => [...client.warnings],
    };
  }

  /** One GET on the account (used by `client.ts check` to probe what the plan and role allow). */
  async probe(config: SourceConfig, pathAndQuery: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.client(config)).get(pathAndQuery, { signal });
  }

  /** The account a source syncs: its normalised origin and base path (the rate budget's key too). */
  static accountKey(config: Pick<SourceConfig, 'subdomain' | 'baseUrl'>): string {
    const endpoint = resolveEndpoint({ subdomain: config.subdomain, baseUrl: config.baseUrl });
    return `${endpoint.origin}${endpoint.basePath}`;
  }

  /**
   * Records the source's rate settings and returns the account's effective ones: per setting, the
   * most conservative value any source of the account asked for (lowest caps and share, longest
   * window). Settings no source gives keep the budget's defaults.
   */
  effectiveRateSettings(config: SourceConfig): RateSettings {
    const account = WorkerResources.accountKey(config);
    let bySource = this.rateBySource.get(account);
    if (!bySource) this.rateBySource.set(account, (bySource = new Map()));
    if (config.rate) bySource.set(config.name, rateSettings(config));
    else bySource.delete(config.name);
    return strictestRateSettings([...bySource.values()]);
  }

  private async client(config: SourceConfig): Promise<ZendeskClient> {
    const credential = await resolveCredential(config.credentialRef);
    const key = `${WorkerResources.accountKey(config)}|${config.credentialRef}`;
    const credentialJson = JSON.stringify(credential);
    const rate = this.effectiveRateSettings(config);
    const hasRate = Object.keys(rate).length > 0;
    const cached = this.clients.get(key);
    if (cached && cached.credentialJson === credentialJson) {
      if (hasRate) cached.client.rateBudget?.update(rate);
      return cached.client;
    }
    // New, or the credential changed on disk (rotated by hand, restored after a revocation).
    if (cached) await cached.client.close().catch(() => {});
    const entry: CachedClient = { client: undefined as unknown as ZendeskClient, credentialJson };
    entry.client = createZendeskClient({
      subdomain: config.subdomain,
      baseUrl: config.baseUrl,
      auth: authSettings(credential, config.credentialRef, (rotated) => {
        entry.credentialJson = JSON.stringify(rotated); // our own rotation is not "a changed credential"
      }),
      rate: hasRate ? rate : undefined,
      onRequest: (event) => {
        const counter = requestCounter.getStore();
        if (counter) counter.requests += event.attempts;
        if (counter?.onTrouble && (event.retries > 0 || event.errorType !== undefined)) counter.onTrouble(event);
        for (const listener of this.requestListeners) {
          listener({ source: config.name, path: event.path, status: event.status, attempts: event.attempts, errorType: event.errorType });
        }
      },
    });
    this.clients.set(key, entry);
    return entry.client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.client.close().catch(() => {})));
    await this.warehouses.close();
  }
}

/** Per setting, the most conservative of several sources' values (undefined where none sets it). */
export function strictestRateSettings(settings: RateSettings[]): RateSettings {
  const pick = (key: keyof RateSettings, choose: (a: number, b: number) => number) => {
    const values = settings.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? { [key]: values.reduce((a, b) => choose(a, b)) } : {};
  };
  return {
    ...pick('corePerMinute', Math.min),
    ...pick('exportPerMinute', Math.min),
    ...pick('share', Math.min),
    // The same number of requests over a longer window is the slower pace.
    ...pick('windowMs', Math.max),
    // The add-on counts only when every source of the account that mentions it says the account has it.
    ...(() => {
      const said = settings.map((s) => s.highVolumeAddOn).filter((v): v is boolean => typeof v === 'boolean');
      return said.length ? { highVolumeAddOn: said.every(Boolean) } : {};
    })(),
  };
}

function rateSettings(config: SourceConfig): RateSettings {
  const r = config.rate ?? {};
  return {
    ...(r.corePerMinute !== undefined && { corePerMinute: r.corePerMinute }),
    ...(r.exportPerMinute !== undefined && { exportPerMinute: r.exportPerMinute }),
    ...(r.share !== undefined && { share: r.share }),
    ...(r.windowMs !== undefined && { windowMs: r.windowMs }),
    ...(r.highVolumeAddOn !== undefined && { highVolumeAddOn: r.highVolumeAddOn }),
  };
}

function authSettings(
  credential: ZendeskCredential,
  credentialRef: string,
  onSaved: (credential: ZendeskCredential) => void,
): AuthSettings {
  if (credential.type === 'api_token') return { type: 'api_token', email: credential.email, apiToken: credential.token };
  return {
    type: 'oauth',
    accessToken: credential.accessToken,
    refreshToken: credential.refreshToken,
    expiresAt: credential.expiresAt ? Date.parse(credential.expiresAt) : undefined,
    clientId: credential.clientId,
    clientSecret: credential.clientSecret,
    // Workers sharing the credential file refresh under its lock and adopt each other's rotations.
    sharedStore: credentialFileTokenStore(credentialRef),
    // Zendesk deletes the old refresh token the moment it issues a new one: store before use.
    onTokensRotated: async (tokens) => {
      const rotated: ZendeskCredential = {
        ...credential,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt).toISOString() : undefined,
      };
      await saveCredential(credentialRef, rotated);
      onSaved(rotated);
    },
  };
}

/** Runs every step of an async iterator inside the given context runner. */
function withContext<T>(run: <R>(fn: () => R) => R, iterable: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = run(() => iterable[Symbol.asyncIterator]());
      return {
        next: () => run(() => iterator.next()),
        return: (value?: unknown) => run(() => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined })),
      } as AsyncIterator<T>;
    },
  };
}
