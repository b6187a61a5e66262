/** Defaults of the source settings that decide how much a cycle syncs (pure: workflow code imports them). */

/** How far back a stream's first sync reaches, in days. */
export const DEFAULT_LOOKBACK_DAYS = 365;
/** Streams a cycle syncs at once. */
export const DEFAULT_PARALLEL_STREAMS = 3;
