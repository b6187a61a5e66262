/** Public API of the Zendesk client. */
export { createZendeskClient } from './client';
export type { GetOptions, ZendeskClient, ZendeskClientOptions } from './client';
export { API_TOKEN_RETIREMENT_WARNING } from './auth';
export type { ApiTokenAuthSettings, AuthSettings, OAuthAuthSettings, OAuthTokens, SharedTokenStore, StoredOAuthTokens } from './auth';
export type { CredentialCheckOptions, ZendeskUser } from './credentialCheck';
export * from './errors';
export { parseErrorBody } from './errorBody';
export { DEFAULT_HTTP_SETTINGS } from './http';
export type { HttpSettings, RequestEvent, RetryReason } from './http';
export type { PaginateOptions } from './pagination';
export type {
  CursorExportResume,
  CursorListResume,
  JsonRecord,
  OffsetListResume,
  PageResult,
  ReadWindow,
  ResumeCursor,
  TimeExportResume,
} from './pagination/types';
export { DEFAULT_RATE_SETTINGS, RateBudget, rateBudgetFor, relearnRateBudget, SYSTEM_CLOCK } from './rateBudget';
export type { BudgetClock, RateBudgetSettings, RateBudgetSnapshot, RateLease } from './rateBudget';
export { normalizeSubdomain, resolveEndpoint } from './settings';
export type { EndpointSettings, ResolvedEndpoint } from './settings';
