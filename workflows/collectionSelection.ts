/**
 * Which collections and streams a source syncs, from its settings and the catalog. Pure: the
 * workflow, the activities, the operator commands and the verifier share it.
 */
import { collections, streams } from '../catalog/collections';
import type { SourceConfig } from './types';

export function isCollectionEnabled(config: SourceConfig, collection: string): boolean {
  const entry = collections.find((c) => c.name === collection);
  if (!entry) return false;
  return config.collections?.[collection] ?? entry.enabledByDefault;
}

export function enabledCollections(config: SourceConfig): string[] {
  return collections.filter((c) => isCollectionEnabled(config, c.name)).map((c) => c.name);
}

/** Streams with at least one enabled table, in catalog order. */
export function enabledStreams(config: SourceConfig): string[] {
  const enabled = new Set(enabledCollections(config));
  return streams.filter((s) => collections.some((c) => c.stream === s.name && enabled.has(c.name))).map((s) => s.name);
}

export function unknownCollections(names: string[]): string[] {
  return names.filter((n) => !collections.some((c) => c.name === n));
}
