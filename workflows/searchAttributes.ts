/**
 * Search attributes that make each source readable in the Temporal Web UI's workflow list.
 * Values are stored unencrypted by Temporal: they hold names and states only, never PII or secrets.
 * Set by the source workflow, so this file must stay deterministic (no I/O); registering them with
 * the server is orchestration/searchAttributeRegistry.ts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SOURCE_NAME = defineSearchAttributeKey('ZendeskSource', SearchAttributeType.KEYWORD);
export const SYNC_STATE = defineSearchAttributeKey('ZendeskSyncState', SearchAttributeType.KEYWORD);
export const LAST_SUCCESS = defineSearchAttributeKey('ZendeskLastSuccess', SearchAttributeType.DATETIME);
export const ROWS_SYNCED = defineSearchAttributeKey('ZendeskRowsSynced', SearchAttributeType.INT);

export const ALL_SEARCH_ATTRIBUTES = [SOURCE_NAME, SYNC_STATE, LAST_SUCCESS, ROWS_SYNCED];

/** `--search-attribute` arguments for `temporal server start-dev`. */
export function searchAttributeArgs(): string[] {
  const typeNames: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.DATETIME]: 'Datetime',
    [SearchAttributeType.INT]: 'Int',
  };
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${typeNames[key.type]}`]);
}
