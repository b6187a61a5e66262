/** Opt-in collections beyond Segment's: the changeStreams group (see README, "Collections beyond Segment's"). */
import type { CollectionSpec, StreamSpec } from '../types';

export const streams: StreamSpec[] = [];
export const collections: CollectionSpec[] = [];
