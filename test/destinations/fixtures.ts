/**
 * Tables and rows shared by the Destination contract (contract.test.ts, every backend) and the
 * Snowflake-specific tests (test/destinations/snowflake/destination.integration.test.ts).
 */
import type { Row, WarehouseColumn, WarehouseTable } from '../../destinations/types';

export const tickets: WarehouseTable = {
  name: 'tickets',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'subject', type: 'text' },
    { name: 'requester_id', type: 'bigint' },
    { name: 'score', type: 'double' },
    { name: 'is_public', type: 'boolean' },
    { name: 'tags', type: 'json' },
    { name: 'via', type: 'json' },
    { name: 'created_at', type: 'timestamp' },
    { name: 'due_date', type: 'date' },
  ],
};

export const users: WarehouseTable = {
  name: 'users',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'text' },
    { name: 'active', type: 'boolean' },
  ],
};

/** A table whose rows carry a version (WarehouseTable.versionColumn). */
export const versioned: WarehouseTable = {
  name: 'memberships',
  primaryKey: 'id',
  versionColumn: 'updated_at',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'text' },
    { name: 'updated_at', type: 'timestamp' },
  ],
};

export function ticket(id: number, overrides: Row = {}): Row {
  return {
    id,
    subject: `Subject ${id}`,
    requester_id: 1000 + id,
    score: id / 4,
    is_public: id % 2 === 0,
    tags: ['a', `t${id}`],
    via: { channel: 'email', source: { from: { address: `u${id}@example.com` } } },
    created_at: '2024-01-02T03:04:05Z',
    due_date: '2024-02-29',
    ...overrides,
  };
}

export function withColumns(table: WarehouseTable, ...extra: WarehouseColumn[]): WarehouseTable {
  return { ...table, columns: [...table.columns, ...extra] };
}
