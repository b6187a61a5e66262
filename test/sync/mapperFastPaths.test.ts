// The mapper's fast paths (compiled column paths, per-type coercers, hand-formatted timestamps, row
// builders, custom-field slots, lazy freshness) must give exactly what the plain definitions give.
// Each is checked against a straightforward reference implementation on ordinary and hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionByName, collections } from '../../catalog/collections';
import type { CollectionSpec, ColumnType, ExtractStep } from '../../catalog/types';
import type { Row } from '../../destinations/types';
import { assignCustomColumns, customValues, hasUnknownFieldRef, type CustomColumn, type FieldDefinition } from '../../sync/customFields';
import { mapPage, warehouseTable, type MappedPage, type TablePlan } from '../../sync/mapper';
import { applyTransform, coerce, coercerFor, isoSeconds } from '../../sync/coercion';

// ---- references ------------------------------------------------------------------------------------

function referenceIsoSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** `coerce` for the two types whose slow path parses dates, written with Date only. */
function referenceCoerceDateLike(value: unknown, type: 'timestamp' | 'date'): unknown {
  const toIso = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.trim() === '') return null;
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? undefined : referenceIsoSeconds(ms);
    }
    if (typeof v === 'number') {
      try {
        return referenceIsoSeconds(v * 1000);
      } catch {
        return undefined; // no such instant (NaN, infinite, beyond a Date's range): null, counted
      }
    }
    return undefined;
  };
  if (value === null || value === undefined) return null;
  if (type === 'timestamp') return toIso(value);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return value.trim();
  const iso = toIso(value);
  return typeof iso === 'string' ? iso.slice(0, 10) : iso;
}

interface Located {
  record: Record<string, unknown>;
  parent?: Located;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The mapper as first written: paths split per value, a Map of custom values per record. */
function referenceMapPage(plans: TablePlan[], records: unknown[], page: Record<string, unknown>, receivedAt: string): MappedPage {
  const matches = (record: Record<string, unknown>, where: ExtractStep['where']) =>
    !where || Object.entries(where).every(([k, v]) => (Array.isArray(v) ? v.some((one) => record[k] === one) : record[k] === v));
  const locate = (collection: CollectionSpec): Located[] => {
    const source = collection.source;
    const top = records.filter(isObject).map((record) => ({ record }));
    if (source.kind === 'record') return top;
    if (source.kind === 'sideload') {
      const sideloaded = source.sideloadKey ? page[source.sideloadKey] : undefined;
      if (Array.isArray(sideloaded)) return sideloaded.filter(isObject).map((record) => ({ record }));
      return top
        .map((t) => (source.embeddedKey ? t.record[source.embeddedKey] : undefined))
        .filter(isObject)
        .map((record) => ({ record }));
    }
    let level: Located[] = top;
    for (const step of source.path ?? []) {
      const next: Located[] = [];
      for (const parent of level) {
        const children = parent.record[step.key];
        if (!Array.isArray(children)) continue;
        for (const element of children) {
          let child: Record<string, unknown> | undefined;
          if (step.scalarAs !== undefined) {
            const scalar = element !== null && element !== undefined && typeof element !== 'object';
            if (scalar) child = { [step.scalarAs]: element };
          } else if (isObject(element)) {
            child = element;
            if (step.changedKey) {
              const { nameAs, valueAs, otherKeys } = step.changedKey;
              const changed = Object.keys(element).find((k) => !otherKeys.includes(k));
              child = changed === undefined ? undefined : { ...element, [nameAs]: changed, [valueAs]: element[changed] };
            }
          }
          if (child && matches(child, step.where)) next.push({ record: child, parent });
        }
      }
      level = next;
    }
    return level;
  };
  const readPath = (located: Located, path: string): unknown => {
    let target: Located | undefined = located;
    let rest = path;
    while (rest.startsWith('parent.')) {
      target = target?.parent;
      rest = rest.slice('parent.'.length);
    }
    let value: unknown = target?.record;
    for (const key of rest.split('.')) {
      if (!isObject(value)) return undefined;
      value = value[key];
    }
    return value;
  };
  const readColumn = (located: Located, from: string | string[]): unknown => {
    for (const path of Array.isArray(from) ? from : [from]) {
      const value = readPath(located, path);
      if (value !== undefined && value !== null) return value;
    }
    return null;
  };
  const freshnessOf = (record: Record<string, unknown>, field: string | undefined): number => {
    if (!field) return 0;
    const value = record[field];
    if (typeof value === 'number') return value;
    if (typeof value === 'string') {
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? 0 : ms / 1000;
    }
    return 0;
  };
  const result: MappedPage = { batches: [], rejected: {}, coercedToNull: {} };
  for (const plan of plans) {
    const { collection } = plan;
    const newest = new Map<string, { row: Row; freshness: number }>();
    let rejected = 0;
    let coercedToNull = 0;
    for (const located of locate(collection)) {
      const row: Row = {};
      for (const column of collection.columns) {
        if (column.name === 'received_at') {
          row.received_at = receivedAt;
          continue;
        }
        let raw: unknown;
        if (column.joinOf) {
          const parts = column.joinOf.map((path) => readPath(located, path));
          raw = parts.some((v) => v === null || v === undefined || typeof v === 'object') ? null : parts.map(String).join(':');
        } else {
          raw = applyTransform(readColumn(located, column.from ?? column.name), column.transform);
        }
        const value =
          column.type === 'timestamp' || column.type === 'date' ? referenceCoerceDateLike(raw, column.type) : coerce(raw, column.type);
        if (value === undefined) coercedToNull++;
        row[column.name] = value ?? null;
      }
      if (plan.customColumns.length > 0) {
        const values = customValues(collection, located.record);
        for (const custom of plan.customColumns) {
          const raw = values.get(custom.fieldRef) ?? null;
          const value =
            custom.type === 'timestamp' || custom.type === 'date' ? referenceCoerceDateLike(raw, custom.type) : coerce(raw, custom.type);
          if (value === undefined) coercedToNull++;
          row[custom.column] = value ?? null;
        }
      }
      if (row[collection.primaryKey] === null) {
        rejected++;
        continue;
      }
      const id = String(row[collection.primaryKey]);
      const freshness = freshnessOf(located.record, collection.freshness);
      const previous = newest.get(id);
      if (!previous || freshness >= previous.freshness) newest.set(id, { row, freshness });
    }
    const batch: MappedPage['batches'][number] = { table: plan.table, rows: [...newest.values()].map((v) => v.row) };
    const replaces = collection.replacesRowsOf;
    if (replaces) {
      const type = collection.columns.find((c) => c.name === replaces.column)!.type;
      const keys: unknown[] = [];
      for (const record of records.filter(isObject)) {
        const key = coerce(record[replaces.recordKey] ?? null, type);
        // One entry per key, -0 as 0 (the same warehouse key).
        if (key !== null && key !== undefined && !keys.some((k) => k === key || Object.is(k, key))) keys.push(key === 0 ? 0 : key);
      }
      batch.replaces = { column: replaces.column, keys };
      const recordPlan = plans.find((p) => p.collection.name === replaces.recordCollection);
      if (recordPlan?.table.versionColumn !== undefined) batch.replaces.recordTable = recordPlan.table.name;
    }
    result.batches.push(batch);
    if (rejected) result.rejected[collection.name] = rejected;
    if (coercedToNull) result.coercedToNull[collection.name] = coercedToNull;
  }
  return result;
}

/** Same rows, same values (NaN and -0 included), same key order, same counts. */
function assertSameMapping(actual: MappedPage, expected: MappedPage, context: string): void {
  assert.deepEqual(actual.rejected, expected.rejected, `${context}: rejected`);
  assert.deepEqual(actual.coercedToNull, expected.coercedToNull, `${context}: coercedToNull`);
  assert.equal(actual.batches.length, expected.batches.length);
  actual.batches.forEach((batch, b) => {
    const other = expected.batches[b]!;
    assert.equal(batch.table, other.table);
    assert.equal(batch.rows.length, other.rows.length, `${context}: rows of ${batch.table.name}`);
    assert.deepEqual(batch.replaces, other.replaces, `${context}: rows of ${batch.table.name} replaced`);
    batch.rows.forEach((row, r) => {
      assert.deepEqual(Object.keys(row), Object.keys(other.rows[r]!), `${context}: key order of ${batch.table.name}[${r}]`);
      for (const key of Object.keys(row)) {
        const a = row[key];
        const e = other.rows[r]![key];
        if (typeof a === 'number' || typeof e === 'number')
          assert.ok(Object.is(a, e), `${context}: ${batch.table.name}[${r}].${key}: ${String(a)} vs ${String(e)}`);
        else assert.deepEqual(a, e, `${context}: ${batch.table.name}[${r}].${key}`);
      }
    });
  });
}

// ---- hostile values -----------------------------------------------------------------------------

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY_VALUES: unknown[] = [
  null,
  undefined,
  0,
  -0,
  1,
  -1,
  1.5,
  -1.5,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  -1e21,
  1e300,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  '',
  ' ',
  '  \t',
  '0',
  '1',
  '-1',
  '+1',
  '007',
  '1.0',
  '1e3',
  '.5',
  '5.',
  '-',
  'abc',
  'true',
  'FALSE',
  ' true ',
  'True',
  '9007199254740993',
  '-9007199254740993',
  '99999999999999999999999',
  '12345678901234567',
  ' 42 ',
  '4 2',
  '2024-01-02T03:04:05Z',
  '2024-01-02T03:04:05.123Z',
  '2024-01-02T03:04:05.5Z',
  '2024-01-02T03:04:05+00:00',
  '2024-01-02T03:04:05-00:00',
  '2024-01-02T03:04:05+02:00',
  '2024-01-02T03:04:05',
  '2024-01-02 03:04:05Z',
  ' 2024-01-02T03:04:05Z',
  '2024-01-02T03:04:05Z ',
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-04-31T12:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-01-00T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T23:60:00Z',
  '2024-01-01T23:59:60Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '2024-02-29T00:00:00+00:00',
  '2023-02-29T00:00:00+00:00',
  '2024-01-01T24:00:00+00:00',
  '2024-01-02',
  ' 2024-01-02 ',
  '2024-02-30',
  '2024-1-2',
  '20240102',
  '2024-01-02T',
  '２０２４-01-02T03:04:05Z',
  'Tue, 02 Jan 2024 03:04:05 GMT',
  '1704164645',
  '1704164645.5',
  1704164645,
  1704164645.5,
  1704164645.999,
  -1,
  -86_400.5,
  253_402_300_799,
  253_402_300_800,
  8.64e12,
  8.64e12 + 1,
  [],
  [1, 'a'],
  {},
  { a: 1 },
  { toString: () => 'x' },
  new Date(0),
];

const TYPES: ColumnType[] = ['bigint', 'double', 'boolean', 'text', 'timestamp', 'date', 'json'];

function callOrError(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: (error as Error).constructor.name };
  }
}

test('isoSeconds formats exactly as Date#toISOString minus .000, everywhere', () => {
  const random = seeded(1);
  const samples: number[] = [
    0, -0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_800_000, 253_402_300_799_999, 253_402_300_800_000,
  ];
  for (let i = 0; i < 200_000; i++) samples.push(Math.floor(random() * 253_402_300_800_000));
  for (let i = 0; i < 20_000; i++) samples.push(Math.floor(random() * 253_402_300_800) * 1000);
  for (let i = 0; i < 2_000; i++) samples.push((random() - 0.5) * 1e15, Math.floor(random() * 1e10) + 0.5);
  for (let year = 1970; year < 10_000; year += 7) {
    for (const month of [0, 1, 2, 11]) {
      const t = Date.UTC(year, month, month === 1 ? 28 : 31, 23, 59, 59, 999);
      samples.push(t, t + 1, t - 999, t + 86_400_000);
    }
  }
  for (const ms of samples) assert.equal(isoSeconds(ms), referenceIsoSeconds(ms), `ms ${ms}`);
  for (const ms of [NaN, Infinity, -Infinity, 8.64e15 + 1])
    assert.deepEqual(
      callOrError(() => isoSeconds(ms)),
      callOrError(() => referenceIsoSeconds(ms)),
    );
});

test('coercerFor(type) is coerce(value, type), and timestamps/dates match the Date-only definition', () => {
  const random = seeded(2);
  const values = [...TRICKY_VALUES];
  for (let i = 0; i < 5_000; i++) {
    const ms = Math.floor(random() * 253_402_300_800_000);
    const iso = referenceIsoSeconds(ms - (ms % 1000));
    values.push(iso, iso.replace('Z', '+00:00'), iso.slice(0, 10), ms / 1000, Math.floor(ms / 1000));
    // Random digits in every field: many are not real instants.
    const d = (n: number) => String(Math.floor(random() * 10 ** n)).padStart(n, '0');
    values.push(`${d(4)}-${d(2)}-${d(2)}T${d(2)}:${d(2)}:${d(2)}Z`, `${d(4)}-${d(2)}-${d(2)}T${d(2)}:${d(2)}:${d(2)}+00:00`);
  }
  for (const type of TYPES) {
    const fast = coercerFor(type);
    for (const value of values) {
      const expected = callOrError(() => coerce(value, type));
      const actual = callOrError(() => fast(value));
      assert.deepEqual(actual, expected, `${type} ${typeof value} ${String(value)}`);
      if (type === 'timestamp' || type === 'date') {
        assert.deepEqual(
          expected,
          callOrError(() => referenceCoerceDateLike(value, type)),
          `${type} reference ${String(value)}`,
        );
      }
    }
  }
});

function ticketFields(): FieldDefinition[] {
  return [
    { id: 10, type: 'integer', title: 'Seats' },
    { id: 11, type: 'decimal', title: 'Amount' },
    { id: 12, type: 'multiselect', title: 'Products' },
    { id: 13, type: 'checkbox', title: 'VIP' },
    { id: 14, type: 'date', title: 'Renewal' },
    { id: 15, type: 'text', title: 'Notes' },
    { id: Number('9007199254740993'), type: 'text', title: 'Huge id' }, // past 2^53: the number is 2^53 at runtime, its text is not the one given
    { id: 1, type: 'subject', title: 'Subject', removable: false },
  ];
}

function planOf(collection: CollectionSpec, custom: CustomColumn[] = []): TablePlan {
  return { collection, table: warehouseTable(collection, custom), customColumns: custom };
}

test('mapPage equals the reference mapper on random hostile pages of every collection', () => {
  const random = seeded(3);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const value = (): unknown => {
    const r = random();
    if (r < 0.55) return pick(TRICKY_VALUES);
    if (r < 0.7) return Math.floor(random() * 50); // small ids collide: duplicates within a page
    if (r < 0.8) return String(Math.floor(random() * 50));
    if (r < 0.9)
      return { calendar: pick(TRICKY_VALUES), business: pick(TRICKY_VALUES), client: pick(TRICKY_VALUES), latitude: pick(TRICKY_VALUES) };
    return [pick(TRICKY_VALUES), pick(TRICKY_VALUES)];
  };
  /** A record with some of the collection's source keys set to hostile values. */
  const record = (collection: CollectionSpec, depth = 0): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const column of collection.columns) {
      for (const path of Array.isArray(column.from) ? column.from : [column.from ?? column.name]) {
        const keys = path.replace(/^(parent\.)+/, '').split('.');
        if (random() < 0.15) continue;
        let target = out;
        for (const key of keys.slice(0, -1)) {
          if (!isObject(target)) break; // a hostile value half-way down a deep path (sla.policy.id)
          // A copy: a hostile value may be one of the shared TRICKY_VALUES objects, never written into.
          const next = isObject(target[key]) ? target[key] : random() < 0.9 ? {} : value();
          target = (target[key] = isObject(next) ? { ...next } : next) as Record<string, unknown>;
        }
        if (isObject(target)) target[keys.at(-1)!] = value();
      }
    }
    for (const key of ['id', 'ticket_id', 'generated_timestamp', 'updated_at', 'timestamp', 'created_at'])
      if (random() < 0.5) out[key] = value();
    if (random() < 0.3) out.id = Math.floor(random() * 20);
    if (random() < 0.05) out.id = pick([2 ** 53, '9007199254740992', 2 ** 53 + 2, '9007199254740994', 1e21, '1e21', -0, '0', '-0']);
    if (collection.customFields?.shape === 'id_value_list') {
      const ids: unknown[] = [
        10,
        11,
        12,
        13,
        14,
        15,
        '10',
        '13',
        Number('9007199254740993'),
        9_007_199_254_740_992,
        '9007199254740993',
        99,
        -0,
        1e21,
        null,
        undefined,
      ];
      out.custom_fields =
        random() < 0.1
          ? value()
          : Array.from({ length: Math.floor(random() * 9) }, () =>
              random() < 0.1 ? value() : random() < 0.1 ? { value: value() } : { id: pick(ids), value: value() },
            );
    }
    if (collection.customFields?.shape === 'keyed_object') {
      const fields: Record<string, unknown> = Object.create(
        random() < 0.1 ? { plan: 'inherited', birthday: '2020-01-01' } : Object.prototype,
      );
      for (const key of ['plan', 'birthday', 'seats', 'constructor', 'toString', '__proto__', 'role_id']) {
        if (random() < 0.6)
          Object.defineProperty(fields, key, { value: value(), enumerable: random() < 0.9, writable: true, configurable: true });
      }
      out[collection.customFields.recordKey] = random() < 0.1 ? value() : fields;
    }
    if (depth === 0 && collection.stream === 'ticket_events') {
      out.child_events = Array.from({ length: Math.floor(random() * 4) }, () => ({
        ...record(collectionByName('ticket_comments'), 1),
        event_type: random() < 0.6 ? 'Comment' : pick(['VoiceComment', 'Change', 'comment', 7]),
        attachments:
          random() < 0.1 ? value() : Array.from({ length: Math.floor(random() * 3) }, () => record(collectionByName('attachments'), 1)),
      }));
    }
    if (depth === 0 && collection.name === 'tickets' && random() < 0.3) out.metric_set = record(collectionByName('ticket_metrics'), 1);
    if (depth === 0 && collection.name === 'tickets')
      out.tags = random() < 0.1 ? value() : Array.from({ length: Math.floor(random() * 4) }, () => value());
    if (depth === 0 && collection.stream === 'ticket_events' && random() < 0.5) {
      // Field changes naming their field by a key of their own.
      (out.child_events as unknown[]).push(
        ...Array.from({ length: Math.floor(random() * 3) }, () => ({
          id: value(),
          [pick(['status', 'tags', 'priority', '360001', 'via'])]: value(),
          previous_value: value(),
          event_type: pick(['Create', 'Change', 'Notification']),
        })),
      );
    }
    return out;
  };
  const userFields: FieldDefinition[] = [
    { id: 1, key: 'plan', type: 'dropdown', title: 'Plan' },
    { id: 2, key: 'birthday', type: 'date', title: 'Birthday' },
    { id: 3, key: 'seats', type: 'integer', title: 'Seats' },
    { id: 4, key: 'constructor', type: 'text', title: 'Constructor' },
    { id: 5, key: 'toString', type: 'text', title: 'To string' },
    { id: 6, key: '__proto__', type: 'text', title: 'Proto' },
    { id: 7, key: 'role_id', type: 'integer', title: 'Role' },
  ];
  const byStream = new Map<string, TablePlan[]>();
  for (const collection of collections) {
    const definitions = collection.customFields?.shape === 'id_value_list' ? ticketFields() : userFields;
    const custom = collection.customFields ? assignCustomColumns(collection, definitions, []).columns : [];
    byStream.set(collection.stream, [...(byStream.get(collection.stream) ?? []), planOf(collection, custom)]);
  }
  for (let round = 0; round < 60; round++) {
    for (const [stream, plans] of byStream) {
      const main = plans[0]!.collection;
      const records: unknown[] = Array.from({ length: 1 + Math.floor(random() * 40) }, () => (random() < 0.05 ? value() : record(main)));
      const page: Record<string, unknown> = {};
      if (stream === 'tickets' && random() < 0.6)
        page.metric_sets =
          random() < 0.1 ? value() : Array.from({ length: Math.floor(random() * 10) }, () => record(collectionByName('ticket_metrics'), 1));
      const receivedAt = referenceIsoSeconds(1_700_000_000_000 + round * 1001);
      assertSameMapping(
        mapPage(plans, records, page, receivedAt),
        referenceMapPage(plans, records, page, receivedAt),
        `${stream} round ${round}`,
      );
    }
  }
});

test('a plan with new custom columns maps with them at once (plans are compiled per plan object)', () => {
  const tickets = collectionByName('tickets');
  const first = assignCustomColumns(tickets, ticketFields().slice(0, 2), []);
  const records = [
    {
      id: 1,
      custom_fields: [
        { id: 10, value: '3' },
        { id: 11, value: '2.5' },
        { id: 12, value: ['a'] },
      ],
    },
  ];
  const before = mapPage([planOf(tickets, first.columns)], records, {}, '2026-01-01T00:00:00Z').batches[0]!.rows[0]!;
  assert.equal(before.custom_seats, 3);
  assert.equal('custom_products' in before, false);
  const second = assignCustomColumns(tickets, ticketFields(), first.columns);
  const after = mapPage([planOf(tickets, second.columns)], records, {}, '2026-01-01T00:00:00Z').batches[0]!.rows[0]!;
  assert.deepEqual(after.custom_products, ['a']);
  assert.equal(after.custom_amount, 2.5);
});

test('duplicates in a page: the newest by the freshness field wins, ties go to the later copy', () => {
  const plan = planOf(collectionByName('users'));
  const records = [
    { id: 1, name: 'a', updated_at: '2024-01-02T00:00:00Z' },
    { id: 2, name: 'b', updated_at: '2024-01-01T00:00:00Z' },
    { id: 1, name: 'older', updated_at: '2024-01-01T00:00:00Z' },
    { id: '2', name: 'same time, later', updated_at: '2024-01-01T00:00:00Z' },
    { id: 1, name: 'no time' },
    { id: 3, name: 'c', updated_at: 'garbage' },
    { id: 3, name: 'c2', updated_at: 'garbage' },
    // Beyond 2^53 a number and the text of its digits are one key (the text is kept exact).
    { id: 2 ** 53, name: 'number' },
    { id: '9007199254740992', name: 'text' },
  ];
  const rows = mapPage([plan], records, {}, '2026-01-01T00:00:00Z').batches[0]!.rows;
  assert.deepEqual(
    rows.map((r) => [r.id, r.name]),
    [
      [1, 'a'],
      [2, 'same time, later'],
      [3, 'c2'],
      ['9007199254740992', 'text'],
    ],
  );
});

test('an epoch number beyond the range of a Date is a value that did not fit, not a failed page', () => {
  assert.equal(applyTransform(1e20, 'epoch_to_timestamp'), 1e20);
  assert.equal(applyTransform('99999999999999999999', 'epoch_to_timestamp'), '99999999999999999999');
  assert.equal(coerce(1e20, 'timestamp'), undefined);
  assert.equal(coerce(-1e20, 'date'), undefined);
  assert.equal(coerce(8.64e12, 'timestamp'), '+275760-09-13T00:00:00Z'); // the last instant a Date holds
  const events = planOf(collectionByName('ticket_events'));
  const mapped = mapPage(
    [events],
    [
      { id: 1, timestamp: 1e20 },
      { id: 2, timestamp: 1_700_000_000 },
    ],
    {},
    '2026-01-01T00:00:00Z',
  );
  assert.deepEqual(
    mapped.batches[0]!.rows.map((r) => r.timestamp),
    [null, '2023-11-14T22:13:20Z'],
  );
  assert.equal(mapped.coercedToNull.ticket_events, 1);
});

test('hasUnknownFieldRef answers as the keys of customValues would', () => {
  const random = seeded(4);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  for (const name of ['tickets', 'users', 'organizations', 'groups']) {
    const collection = collectionByName(name);
    const ids: unknown[] = [10, 11, '12', Number('9007199254740993'), -0, 1e21, null, 'plan', 'birthday', 'toString', '__proto__'];
    const record = (): unknown => {
      if (random() < 0.1) return pick(TRICKY_VALUES);
      const entries = Array.from({ length: Math.floor(random() * 4) }, () =>
        random() < 0.1 ? pick(TRICKY_VALUES) : random() < 0.1 ? { value: 1 } : { id: pick(ids), value: 1 },
      );
      const keyed: Record<string, unknown> = {};
      for (const entry of entries)
        if (isObject(entry) && typeof entry.id === 'string')
          Object.defineProperty(keyed, entry.id, { value: 1, enumerable: random() < 0.8, configurable: true });
      return { custom_fields: random() < 0.1 ? pick(TRICKY_VALUES) : entries, user_fields: keyed, organization_fields: keyed };
    };
    for (let round = 0; round < 2_000; round++) {
      const records = Array.from({ length: Math.floor(random() * 4) }, record);
      const known = new Set<string>(ids.filter(() => random() < 0.8).map(String));
      const expected = records.some(
        (r) =>
          !!r && typeof r === 'object' && [...customValues(collection, r as Record<string, unknown>).keys()].some((k) => !known.has(k)),
      );
      assert.equal(hasUnknownFieldRef(collection, records, known), expected, `${name} round ${round}`);
    }
  }
});
