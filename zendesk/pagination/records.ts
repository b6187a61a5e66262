/** Reads the record array of a page; a missing array means the wrong endpoint or a broken answer. */
import type { StreamSpec } from '../../catalog/types';
import { ZendeskPaginationError } from '../errors';
import type { JsonRecord } from './types';

export function recordsOf(stream: StreamSpec, page: JsonRecord): JsonRecord[] {
  const records = page[stream.recordsKey];
  if (!Array.isArray(records)) {
    throw new ZendeskPaginationError(`Zendesk's answer for stream ${stream.name} (${stream.path}) has no "${stream.recordsKey}" array.`);
  }
  return records as JsonRecord[];
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
