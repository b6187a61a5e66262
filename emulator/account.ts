/**
 * Which account a request's Host names. Zendesk routes on the subdomain: a `{sub}.zendesk.com` host
 * with no account behind it answers 404 "No help desk at {sub}.zendesk.com" (zendesk-api.md §10.1).
 * The emulator is reached on loopback addresses, so only hosts that claim to be a zendesk.com
 * subdomain are checked; 127.0.0.1, localhost and any other name are served as the account.
 */
export interface AccountIdentity {
  /** The account's subdomain (lower case). */
  subdomain: string;
  /** The canonical base URL next links are written on; its zendesk.com subdomain is this account too. */
  canonicalBaseUrl: string | null;
  /** false = no account at all: every request gets the 404. */
  exists: boolean;
}

const ZENDESK_HOST = /^([a-z0-9][a-z0-9-]*)\.zendesk\.com$/;

function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  // Strip a port; IPv6 literals keep their brackets and are never zendesk.com names anyway.
  return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

function subdomainOfUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    return ZENDESK_HOST.exec(new URL(url).hostname.toLowerCase())?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The `{sub}.zendesk.com` host that has no help desk for this request, or null when it is served. */
export function missingHelpDesk(hostHeader: string | undefined, account: AccountIdentity): string | null {
  const hostname = hostnameOf(hostHeader);
  const claimed = ZENDESK_HOST.exec(hostname)?.[1] ?? null;
  if (!account.exists) return claimed ? hostname : `${account.subdomain}.zendesk.com`;
  if (claimed === null) return null;
  if (claimed === account.subdomain || claimed === subdomainOfUrl(account.canonicalBaseUrl)) return null;
  return hostname;
}
