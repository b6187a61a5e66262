/**
 * The account host workflow's messages (workflows/accountHost.ts), apart from its code so the
 * worker's activities can send them. From the CLI:
 *   temporal workflow query --workflow-id zendesk-account-acme.zendesk.com@zendesk-sync --type status
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AccountHostRequest, AccountHostStatus } from './types';

/** The account's host queue; `stale` names a queue that did not start the asker's activity in time. */
export const hostQueueUpdate = defineUpdate<string, [AccountHostRequest]>('hostQueue');
export const accountHostStatusQuery = defineQuery<AccountHostStatus>('status');
