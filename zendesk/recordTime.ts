/**
 * A record's time as epoch seconds: the one conversion, so every comparison of record times (a
 * backfill's end, boundary duplicates of a time export, the newest copy of a record in a page, a
 * verification's age) uses one unit. Zendesk writes a record's time either as epoch seconds (the
 * exports' `generated_timestamp`, `timestamp`, `time`) or as ISO-8601 text (`updated_at`,
 * `created_at`); fractions of a second are kept.
 */
export function recordTimeSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}
