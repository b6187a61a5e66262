/**
 * Zendesk answers a start_time within the last minute (or in the future) with 422 InvalidValue
 * "Too recent start_time ...": for a sync that only means nothing new is exportable yet.
 */
import { ZendeskRequestError } from '../errors';

export function isTooRecentStartTime(error: unknown): boolean {
  return (
    error instanceof ZendeskRequestError &&
    error.status === 422 &&
    (error.code === 'InvalidValue' || /too recent start_time/i.test(error.message))
  );
}
