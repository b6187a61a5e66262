/**
 * The failure vocabulary shared by both sides of Temporal: the one error for settings that cannot
 * work, and the failure types the activities throw (as the `type` of an ApplicationFailure) and the
 * workflows react to by name — their retry policy, and what a failed check means for the source.
 *
 * Pure data and one class (type-only imports): workflow code imports this module.
 */
import type { CredentialNotFoundError } from '../credentials/store';
import type { ZendeskErrorType } from '../zendesk/errors';

/** The settings cannot work; nothing runs until they are corrected. */
export const SETTINGS_FAILURE_TYPE = 'InvalidSettingsError';

/** Every failure type thrown under a stable name: the lists below are checked against it. */
export type FailureType = ZendeskErrorType | typeof SETTINGS_FAILURE_TYPE | CredentialNotFoundError['type'];

/**
 * Failures of a check that a retry cannot fix but a new or restored credential can: Zendesk refused
 * the credential (401), its role or plan (403), or has no account at the address (404); or the worker
 * found no credential under the reference.
 */
export const CREDENTIAL_FAILURE_TYPES: readonly string[] = [
  'ZendeskAuthError',
  'ZendeskForbiddenError',
  'ZendeskNotFoundError',
  'CredentialNotFoundError',
] satisfies readonly FailureType[];

/**
 * Types no retry can fix: the activities' retry policy stops on them (workflows/activityOptions.ts)
 * and the activities mark them non-retryable (activities/index.ts). Other errors say so themselves
 * (`retryable: false`, e.g. a 400 or a broken pagination link). The order is the one recorded in
 * the workflows' histories.
 */
export const NON_RETRYABLE_FAILURE_TYPES: readonly string[] = [
  'ZendeskAuthError',
  'ZendeskForbiddenError',
  'ZendeskNotFoundError',
  SETTINGS_FAILURE_TYPE,
  'CredentialNotFoundError',
] satisfies readonly FailureType[];

/**
 * The one settings error: thrown by the settings schema (config/sourceConfig.ts), the settings file,
 * the Zendesk client (subdomain, base URL, auth shape, rate settings), the credential store and the
 * privacy salt. Its `type` becomes the failure type the workflow reads as `settings_invalid`.
 */
export class InvalidSettingsError extends Error {
  readonly type = SETTINGS_FAILURE_TYPE;
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = SETTINGS_FAILURE_TYPE;
  }
}
