/**
 * `GET /api/v2/{tickets,users,organizations}/count`: `{"count": {"value": N, "refreshed_at": "…"}}`.
 *
 * What Zendesk documents (Count Tickets / Count Users / Count Organizations, "Allowed For: Agents"):
 * the count is approximate; once it exceeds 100,000 it is refreshed only every 24 hours, and while a
 * refresh runs in the background `refreshed_at` may be null with `value` held at 100,000.
 *
 * What is counted is what the REST API still shows: deleted tickets are gone from it (they live on
 * only in the export, with status "deleted"), deleted users are counted by `/deleted_users/count`
 * instead, and deleted organizations are deleted. So each count leaves its deleted records out.
 *
 * Below the threshold the count is live, `refreshed_at` = now. Above it, the first request finds no
 * snapshot and answers the held value with `refreshed_at: null` (the refresh "running"), and takes the
 * snapshot; later requests get the snapshot until it is 24 emulated hours old, then a fresh one.
 */
import type { EmulatorContext } from '../context';
import { jsonResponse, type ApiResponse } from '../http';
import { DAY, isoFromEpoch } from '../time';

/** Zendesk's documented limit above which counts are cached and refreshed daily. */
export const DEFAULT_APPROXIMATE_COUNTS_ABOVE = 100_000;

export const COUNTED_RESOURCES = ['tickets', 'users', 'organizations'] as const;
export type CountedResource = (typeof COUNTED_RESOURCES)[number];

export function isCountedResource(name: string | undefined): name is CountedResource {
  return (COUNTED_RESOURCES as readonly string[]).includes(name ?? '');
}

/** Records the REST API shows (what Zendesk counts), by resource. */
export function liveCount(ctx: EmulatorContext, resource: CountedResource): number {
  let n = 0;
  if (resource === 'tickets') {
    for (const t of ctx.store.tickets.rows.values()) if (t.status !== 'deleted') n++;
  } else if (resource === 'users') {
    for (const u of ctx.store.users.rows.values()) if (u.active) n++;
  } else {
    for (const o of ctx.store.organizations.rows.values()) if (o.deleted_at === null) n++;
  }
  return n;
}

export function countResource(ctx: EmulatorContext, resource: CountedResource): ApiResponse {
  const now = ctx.clock.now();
  const value = liveCount(ctx, resource);
  const threshold = ctx.counts.approximateAbove;
  if (value <= threshold) {
    ctx.counts.snapshots.delete(resource);
    return jsonResponse(200, { count: { value, refreshed_at: isoFromEpoch(now) } });
  }
  const snapshot = ctx.counts.snapshots.get(resource);
  if (!snapshot) {
    ctx.counts.snapshots.set(resource, { value, refreshedAt: now });
    return jsonResponse(200, { count: { value: threshold, refreshed_at: null } });
  }
  if (now - snapshot.refreshedAt >= DAY) {
    const fresh = { value, refreshedAt: now };
    ctx.counts.snapshots.set(resource, fresh);
    return jsonResponse(200, { count: { value: fresh.value, refreshed_at: isoFromEpoch(fresh.refreshedAt) } });
  }
  return jsonResponse(200, { count: { value: snapshot.value, refreshed_at: isoFromEpoch(snapshot.refreshedAt) } });
}
