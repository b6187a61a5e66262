/**
 * Names and helpers shared by the writers' full-read bookkeeping (deletions in collections read in
 * full; see `Destination.beginFullRead`). Two tables in the metadata area (schema `zendesk_sync`):
 *
 *   full_reads      (source, table_name) -> read_id, started_at   the table's current read
 *   full_read_keys  (source, table_name, read_id, key)             primary keys that read listed
 *
 * Keys are stored as text (the primary key's canonical text, e.g. '360001234567'), so one table serves
 * every collection whatever its key type; the sweep compares them with the key column cast to text.
 */
import type { DriverValue } from './driverValues';

export const FULL_READS_TABLE = 'full_reads';
export const FULL_READ_KEYS_TABLE = 'full_read_keys';

/** The text a primary key is recorded as: what the warehouse's CAST(key AS text) gives for it. */
export function keyText(value: DriverValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}
