/**
 * Turns any Zendesk error response into a typed error with a readable message. Zendesk has at
 * least seven body shapes (spec §7) and some are text/plain, so nothing here assumes JSON.
 */
import {
  ZendeskAuthError,
  ZendeskError,
  ZendeskForbiddenError,
  ZendeskNotFoundError,
  ZendeskRequestError,
  ZendeskServerError,
} from './errors';

export interface ParsedErrorBody {
  /** Machine code when present: `RecordNotFound`, `invalid_token`, `InvalidPaginationDepth`, ... */
  code?: string;
  /** Human text; never empty. */
  message: string;
}

const MAX_TEXT = 300;

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_TEXT ? `${oneLine.slice(0, MAX_TEXT)}…` : oneLine;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Reads every documented shape: string error (+description), error{title,message}, OAuth, errors[], text. */
export function parseErrorBody(rawText: string, status: number): ParsedErrorBody {
  const fallback = `HTTP ${status}`;
  let body: unknown;
  try {
    body = JSON.parse(rawText);
  } catch {
    const text = clip(rawText);
    // HTML error pages are noise; the status says more.
    if (text === '' || text.startsWith('<')) return { message: fallback };
    return { message: text };
  }
  if (typeof body !== 'object' || body === null) return { message: clip(String(body)) || fallback };
  const record = body as Record<string, unknown>;

  if (typeof record.error === 'object' && record.error !== null) {
    const inner = record.error as Record<string, unknown>;
    const title = asString(inner.title);
    const message = asString(inner.message);
    const text = [title, message].filter(Boolean).join(': ');
    return { ...(title ? { code: title } : {}), message: clip(text || fallback) };
  }

  const error = asString(record.error);
  const description = asString(record.error_description) ?? asString(record.description);
  if (error !== undefined) {
    const details = describeValidationDetails(record.details);
    const text = [description ? `${error}: ${description}` : error, details].filter(Boolean).join(' ');
    return { code: error, message: clip(text) };
  }

  if (Array.isArray(record.errors) && record.errors.length > 0) {
    const first = record.errors[0] as Record<string, unknown>;
    const code = asString(first?.code);
    const text = [asString(first?.title), asString(first?.detail)].filter(Boolean).join(': ');
    return { ...(code ? { code } : {}), message: clip(text || code || fallback) };
  }

  if (description !== undefined) return { message: clip(description) };
  return { message: fallback };
}

function describeValidationDetails(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const parts: string[] = [];
  for (const [field, problems] of Object.entries(details as Record<string, unknown>)) {
    const first = Array.isArray(problems) ? (problems[0] as Record<string, unknown> | undefined) : undefined;
    const text = asString(first?.description);
    parts.push(text ? `${field}: ${text}` : field);
  }
  return parts.length > 0 ? `(${parts.join('; ')})` : undefined;
}

const PLAN_GATE_PATTERN = /do not have access to this page|not available on your plan|enterprise/i;
const NO_HELP_DESK_PATTERN = /no help desk at/i;

/**
 * The error for a final (non-retried) non-2xx response. `what` names the request in the message
 * (method and path only: query strings carry cursors, never credentials, but are noise).
 */
export function errorForResponse(status: number, rawText: string, what: string): ZendeskError {
  const parsed = parseErrorBody(rawText, status);
  const details = { status, ...(parsed.code ? { code: parsed.code } : {}) };
  if (status === 401) {
    return new ZendeskAuthError(
      `Zendesk rejected the credentials (401 on ${what}): ${parsed.message}. Check the API token/email or reconnect OAuth.`,
      details,
    );
  }
  if (status === 403) {
    const planGated = PLAN_GATE_PATTERN.test(parsed.message);
    const hint = planGated
      ? 'The account plan or the user role does not include this resource.'
      : 'The credentials lack a permission or OAuth scope this request needs.';
    return new ZendeskForbiddenError(`Zendesk refused ${what} (403): ${parsed.message}. ${hint}`, { ...details, planGated });
  }
  if (status === 404) {
    const noHelpDesk = NO_HELP_DESK_PATTERN.test(parsed.message);
    const hint = noHelpDesk ? ' Check the subdomain: no Zendesk account exists at this address.' : '';
    return new ZendeskNotFoundError(`Zendesk found nothing at ${what} (404): ${parsed.message}.${hint}`, {
      ...details,
      noHelpDesk,
    });
  }
  if (status >= 500) return new ZendeskServerError(`Zendesk server error on ${what} (${status}): ${parsed.message}`, details);
  return new ZendeskRequestError(`Zendesk rejected ${what} (${status}): ${parsed.message}`, details);
}
