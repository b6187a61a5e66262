import type { ColumnSpec, ColumnType, ValueTransform } from './types';

/**
 * Column shorthand: `"name type"`, optionally `"name type <- path[,fallback]"` and `"| transform"`.
 * Kept terse so the table definitions read like the spec's property tables.
 */
export function columns(...specs: string[]): ColumnSpec[] {
  return specs.map((spec) => {
    const m = /^(\w+) (\w+)(?: <- ([\w.,]+))?(?: \| (\w+))?$/.exec(spec);
    if (!m) throw new Error(`bad column spec: ${spec}`);
    const [, name, type, from, transform] = m;
    const column: ColumnSpec = { name: name!, type: type as ColumnType };
    if (from) column.from = from.includes(',') ? from.split(',') : from;
    if (transform) column.transform = transform as ValueTransform;
    return column;
  });
}
