/**
 * Opt-in collections beyond Segment's 16, one file per group. Each file exports its streams and
 * collections; every collection there is `enabledByDefault: false`.
 */
import * as changeStreams from './changeStreams';
import * as configuration from './configuration';
import * as helpCenter from './helpCenter';
import * as history from './history';
import * as routing from './routing';
import * as serviceLevels from './serviceLevels';
import { OPTIONAL_OFFERED_BY } from '../offeredBy';
import type { CollectionSpec, StreamSpec } from '../types';

const groups = [configuration, serviceLevels, routing, changeStreams, helpCenter, history];

export const optionalStreams: StreamSpec[] = groups.flatMap((g) => g.streams);
// An entry's own offeredBy wins; otherwise the shared table of catalog/offeredBy.ts.
export const optionalCollections: CollectionSpec[] = groups
  .flatMap((g) => g.collections)
  .map((c) => (c.offeredBy || !OPTIONAL_OFFERED_BY[c.name] ? c : { ...c, offeredBy: OPTIONAL_OFFERED_BY[c.name] }));
