/**
 * Where the client sends requests: a Zendesk subdomain or an explicit base URL (emulators,
 * proxies). Only this origin ever receives credentials.
 *
 * Pure (no Node modules): the settings schema applies these rules, and workflow code imports it.
 */
import { InvalidSettingsError, ZendeskPaginationError } from './errors';

const SUBDOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SUBDOMAIN_EXPECTED =
  'expected the account subdomain only, e.g. "acme" for https://acme.zendesk.com ("acme.zendesk.com" and "https://acme.zendesk.com/" are also accepted)';

/**
 * `acme`, `acme.zendesk.com`, `https://acme.zendesk.com/` and ` ACME ` all mean `acme`. Anything
 * else is rejected rather than guessed at: a doubled suffix (`acme.zendesk.com.zendesk.com`)
 * is exactly the silent mistake other tools make.
 */
export function normalizeSubdomain(input: string): string {
  const shown = JSON.stringify(input);
  let value = String(input ?? '')
    .trim()
    .toLowerCase();
  if (value === '') throw new InvalidSettingsError(`Zendesk subdomain is empty: ${SUBDOMAIN_EXPECTED}.`);
  value = value.replace(/^https?:\/\//, '').replace(/\/$/, '');
  if (value.endsWith('.zendesk.com')) value = value.slice(0, -'.zendesk.com'.length);
  if (!SUBDOMAIN_PATTERN.test(value)) {
    throw new InvalidSettingsError(`Invalid Zendesk subdomain ${shown}: ${SUBDOMAIN_EXPECTED}.`);
  }
  return value;
}

export interface EndpointSettings {
  /** Zendesk subdomain (see normalizeSubdomain). Ignored when baseUrl is given. */
  subdomain?: string;
  /** Full base URL override, e.g. `http://127.0.0.1:4010` or `https://proxy.example/zendesk`. */
  baseUrl?: string;
  /** Allow plain http to a non-loopback host (a trusted internal proxy). Default false. */
  allowInsecureHttp?: boolean;
}

export interface ResolvedEndpoint {
  /** `scheme://host[:port]`: the pool's origin and the rate budget's key. */
  origin: string;
  /** Path prefix of the base URL without a trailing slash ('' for Zendesk itself). */
  basePath: string;
}

/** A dotted-quad IPv4 address, by the rule of Node's `net.isIP` (no leading zeros). */
const IPV4_SEGMENT = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^${IPV4_SEGMENT}(?:\\.${IPV4_SEGMENT}){3}$`);

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (IPV4.test(host)) return host.startsWith('127.');
  return host === '::1';
}

export function resolveEndpoint(settings: EndpointSettings): ResolvedEndpoint {
  if (settings.baseUrl === undefined || settings.baseUrl === '') {
    if (settings.subdomain === undefined) {
      throw new InvalidSettingsError('Zendesk source needs a subdomain (e.g. "acme") or a baseUrl.');
    }
    return { origin: `https://${normalizeSubdomain(settings.subdomain)}.zendesk.com`, basePath: '' };
  }
  let url: URL;
  try {
    url = new URL(settings.baseUrl.trim());
  } catch {
    throw new InvalidSettingsError(
      `Invalid baseUrl ${JSON.stringify(settings.baseUrl)}: expected an absolute URL such as http://127.0.0.1:4010.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidSettingsError(`Invalid baseUrl: only http and https are supported, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidSettingsError('Invalid baseUrl: credentials must not be embedded in the URL; use the auth settings.');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidSettingsError('Invalid baseUrl: it must not contain a query string or fragment.');
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && settings.allowInsecureHttp !== true) {
    throw new InvalidSettingsError(
      `Invalid baseUrl ${url.origin}: plain http is only allowed for loopback hosts (127.0.0.1, ::1, localhost); set allowInsecureHttp to send credentials unencrypted to another host.`,
    );
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/**
 * Maps a pagination link from a response onto our own endpoint: only its path and query are kept.
 * Zendesk answers with its canonical host, which may differ from the one we called, and a hostile
 * response must never be able to redirect our credentials.
 */
export function linkToRequestPath(link: string, endpoint: ResolvedEndpoint): string {
  // The server's paging is broken, not our settings, and asking again returns the same link.
  const unusable = (why: string) =>
    new ZendeskPaginationError(`Unusable pagination link in a Zendesk response (${why}): ${JSON.stringify(String(link)).slice(0, 200)}`);
  if (typeof link !== 'string') throw unusable('not a string');
  let url: URL;
  try {
    url = new URL(link, 'http://relative.invalid');
  } catch {
    throw unusable('not a URL');
  }
  // `javascript:x`, `data:…`, `mailto:…` parse as URLs but name no path on any server.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw unusable(`scheme ${url.protocol} is not http or https`);
  const path = url.pathname;
  const withPrefix =
    endpoint.basePath === '' || path === endpoint.basePath || path.startsWith(`${endpoint.basePath}/`)
      ? path
      : `${endpoint.basePath}${path}`;
  return `${withPrefix.slice(endpoint.basePath.length) || '/'}${url.search}`;
}
