/**
 * The writer benchmarks' input (bench/snowflake.ts, bench/bigquery.ts): ticket rows with every column of
 * the catalog's `tickets` collection, values of each column's type that vary with the row and the pass
 * (so a second pass over the same ids is a real update).
 */
import { collections } from '../catalog/collections';
import type { ColumnType } from '../catalog/types';
import type { Row, WarehouseTable } from '../destinations/types';

export function ticketTable(): WarehouseTable {
  const tickets = collections.find((c) => c.name === 'tickets');
  if (!tickets) throw new Error('the catalog has no tickets collection');
  return { name: 'tickets', primaryKey: tickets.primaryKey, columns: tickets.columns.map((c) => ({ name: c.name, type: c.type })) };
}

const WORDS = 'printer login invoice refund shipping password account billing error upgrade export api'.split(' ');

/** A value of the column's type that varies with the row and the pass. */
function sampleValue(type: ColumnType, id: number, column: number, pass: number): unknown {
  const n = id * 31 + column * 7 + pass;
  switch (type) {
    case 'bigint':
      return 1_000_000 + n;
    case 'double':
      return n / 8;
    case 'boolean':
      return n % 2 === 0;
    case 'text':
      return `${WORDS[n % WORDS.length]} ${WORDS[(n >> 3) % WORDS.length]} #${id}.${pass}`;
    case 'timestamp':
      return new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString().replace('.000Z', 'Z');
    case 'date':
      return new Date(Date.UTC(2024, 0, 1) + (n % 365) * 86_400_000).toISOString().slice(0, 10);
    case 'json':
      return { tags: [WORDS[n % WORDS.length], `p${pass}`], via: { channel: 'email', id } };
  }
}

export function ticketRows(table: WarehouseTable, fromId: number, count: number, pass: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const id = fromId + i;
    const row: Row = {};
    table.columns.forEach((c, column) => {
      row[c.name] = c.name === table.primaryKey ? id : sampleValue(c.type, id, column, pass);
    });
    return row;
  });
}
