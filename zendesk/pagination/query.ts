/**
 * Builds request paths: a path plus query parameters. Existing segments of a path (from a next
 * link) are kept byte for byte, so opaque cursors are never decoded and re-encoded differently
 * (a raw "+" in a cursor would otherwise turn into a space).
 */

export type QueryParams = Array<[string, string]>;

function splitPath(path: string): [string, string[]] {
  const index = path.indexOf('?');
  if (index < 0) return [path, []];
  return [
    path.slice(0, index),
    path
      .slice(index + 1)
      .split('&')
      .filter((s) => s !== ''),
  ];
}

function segmentKey(segment: string): string {
  const raw = segment.split('=', 1)[0]!;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function encodeSegment(key: string, value: string): string {
  return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/** Sets parameters, replacing any existing ones with the same name. */
export function withQuery(path: string, params: QueryParams): string {
  const [base, segments] = splitPath(path);
  const replaced = new Set(params.map(([key]) => key));
  const kept = segments.filter((segment) => !replaced.has(segmentKey(segment)));
  const query = [...kept, ...params.map(([key, value]) => encodeSegment(key, value))].join('&');
  return query === '' ? base : `${base}?${query}`;
}

/** Sets (overrides) parameters on an existing path and query, e.g. page[size] on a links.next path. */
export const overrideQuery = withQuery;

/** Adds parameters only where the path does not already carry them (stream params on a next link). */
export function withDefaultQuery(path: string, params: QueryParams): string {
  const present = new Set(splitPath(path)[1].map(segmentKey));
  return withQuery(
    path,
    params.filter(([key]) => !present.has(key)),
  );
}

/** The fixed stream params plus `include=` when any sideloads are asked for. */
export function baseParams(streamParams: Record<string, string> | undefined, includes: string[]): QueryParams {
  const params: QueryParams = Object.entries(streamParams ?? {});
  if (includes.length > 0) params.push(['include', includes.join(',')]);
  return params;
}
