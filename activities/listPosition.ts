/**
 * Where a list read in full stands, kept in the destination's state table after every committed
 * page, so that the same stream activity started again elsewhere (its account moved to another
 * worker, see workflows/accountRoute.ts) resumes after its last committed page instead of from the
 * list's first page. Heartbeat details cannot carry it there: Temporal keeps them only for retries
 * of one activity execution, and a new execution on another worker's queue starts without them.
 *
 * The position belongs to one activity of one workflow run (`owner`: run ID and activity ID, the
 * same for the execution started again on the new host), so the next cycle, a new run, never
 * resumes a read that an earlier cycle left unfinished: it reads from the first page. The position
 * holds what a heartbeat holds (page cursor, counts, the full read's ID for deletions), never records.
 */
import type { StreamSpec } from '../catalog/types';
import type { Destination } from '../destinations/types';
import type { SyncStreamInput } from '../workflows/types';
import type { SyncHeartbeat } from './syncStream';

export function listPositionKey(stream: string): string {
  return `list_position:${stream}`;
}

interface StoredListPosition extends SyncHeartbeat {
  owner: string;
}

/** Lists read in full in a regular cycle keep a position (exports keep a cursor of their own). */
export function keepsListPosition(stream: Pick<StreamSpec, 'fullRefresh'>, mode: SyncStreamInput['mode']): boolean {
  return stream.fullRefresh && mode === 'incremental';
}

/** Records the committed page's position (after its rows are committed, before its heartbeat). */
export async function recordListPosition(destination: Destination, source: string, owner: string, position: SyncHeartbeat): Promise<void> {
  const stored: StoredListPosition = { ...position, owner };
  await destination.writeState(source, listPositionKey(position.stream), JSON.stringify(stored));
}

/**
 * Where this activity resumes: the newer of its previous attempt's heartbeat and the position its
 * own earlier executions committed (the heartbeat can be pages behind: heartbeats are throttled,
 * and a new execution has none). Undefined: from the first page.
 */
export async function listResumePoint(
  destination: Destination,
  source: string,
  stream: string,
  owner: string | undefined,
  heartbeat: SyncHeartbeat | undefined,
): Promise<SyncHeartbeat | undefined> {
  if (!owner) return heartbeat;
  const text = await destination.readState(source, listPositionKey(stream));
  const stored = text ? (JSON.parse(text) as StoredListPosition) : undefined;
  if (!stored || stored.owner !== owner || !stored.cursor) return heartbeat;
  if (heartbeat?.cursor && heartbeat.cursor.seq >= stored.cursor.seq) return heartbeat;
  const { owner: _owner, ...position } = stored;
  return position;
}
