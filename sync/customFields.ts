/**
 * Custom fields become typed warehouse columns.
 *
 * Column names are readable (`custom_` + the sanitised ticket-field title, or the user/organization
 * field key) and are assigned once per field id/key, then remembered in the destination's state: a
 * field renamed in Zendesk keeps its column. Names never collide with a spec column or with each other
 * (a clash gets `_2`, `_3`, …). Types come from the field definitions.
 */
import type { CollectionSpec, ColumnType, CustomFieldSource } from '../catalog/types';
import { sanitizeIdentifier, uniqueIdentifier, MAX_IDENTIFIER_BYTES } from '../destinations/shared/identifiers';
import { coercerFor, type Coercer } from './coercion';

/** A field definition as Zendesk lists it (ticket_fields, user_fields, organization_fields). */
export interface FieldDefinition {
  id: number;
  key?: string | null;
  type: string;
  title: string;
  active?: boolean;
  removable?: boolean;
}

export interface CustomColumn {
  /** Ticket fields: the field id as a decimal string. User/organization fields: the field key. */
  fieldRef: string;
  column: string;
  type: ColumnType;
  /** Zendesk's field type, kept for readers of the state. */
  fieldType: string;
}

/** Zendesk field type -> warehouse column type. Unknown (future) types land as text. */
const FIELD_TYPES: Record<string, ColumnType> = {
  checkbox: 'boolean',
  date: 'date',
  decimal: 'double',
  integer: 'bigint',
  lookup: 'bigint',
  multiselect: 'json',
  text: 'text',
  textarea: 'text',
  regexp: 'text',
  tagger: 'text',
  dropdown: 'text',
  partialcreditcard: 'text',
};

/**
 * Ticket-field types that are Zendesk's own system fields (subject, status…): they are columns of the
 * tickets table already, never custom columns.
 */
const SYSTEM_TICKET_FIELD_TYPES = new Set([
  'subject',
  'description',
  'status',
  'custom_status',
  'tickettype',
  'priority',
  'group',
  'assignee',
  'brand',
  'ticket_form',
]);

export function columnTypeOfField(fieldType: string): ColumnType {
  return FIELD_TYPES[fieldType] ?? 'text';
}

/** The definitions that produce custom columns for this collection. */
export function customDefinitions(collection: CollectionSpec, definitions: FieldDefinition[]): FieldDefinition[] {
  if (collection.customFields?.shape === 'id_value_list') {
    return definitions.filter((d) => !SYSTEM_TICKET_FIELD_TYPES.has(d.type) && d.removable !== false);
  }
  return definitions.filter((d) => typeof d.key === 'string' && d.key !== '');
}

export function fieldRefOf(collection: CollectionSpec, definition: FieldDefinition): string {
  return collection.customFields?.shape === 'id_value_list' ? String(definition.id) : String(definition.key);
}

/**
 * Assigns columns to fields not seen before; fields already in `known` keep their column. Fields are
 * taken in id order so two workers assigning at once reach the same names.
 */
export function assignCustomColumns(
  collection: CollectionSpec,
  definitions: FieldDefinition[],
  known: CustomColumn[],
): { columns: CustomColumn[]; added: CustomColumn[] } {
  const taken = new Set<string>([...collection.columns.map((c) => c.name), ...known.map((k) => k.column)]);
  const byRef = new Map(known.map((k) => [k.fieldRef, k]));
  const added: CustomColumn[] = [];
  const sorted = [...customDefinitions(collection, definitions)].sort((a, b) => a.id - b.id);
  for (const definition of sorted) {
    const fieldRef = fieldRefOf(collection, definition);
    if (byRef.has(fieldRef)) continue;
    const readable = collection.customFields?.shape === 'id_value_list' ? definition.title : String(definition.key);
    const base = sanitizeIdentifier(`custom_${sanitizeIdentifier(readable, MAX_IDENTIFIER_BYTES)}`);
    const column: CustomColumn = {
      fieldRef,
      column: uniqueIdentifier(base, taken),
      type: columnTypeOfField(definition.type),
      fieldType: definition.type,
    };
    byRef.set(fieldRef, column);
    added.push(column);
  }
  return { columns: [...known, ...added], added };
}

/** Reads a record's custom values as `fieldRef -> raw value`. */
export function customValues(collection: CollectionSpec, record: Record<string, unknown>): Map<string, unknown> {
  const spec = collection.customFields;
  const out = new Map<string, unknown>();
  if (!spec) return out;
  const raw = record[spec.recordKey];
  if (spec.shape === 'id_value_list' && Array.isArray(raw)) {
    for (const entry of raw) {
      if (entry && typeof entry === 'object' && 'id' in entry) {
        out.set(String((entry as { id: unknown }).id), (entry as { value?: unknown }).value ?? null);
      }
    }
  } else if (spec.shape === 'keyed_object' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) out.set(key, value);
  }
  return out;
}

/**
 * Whether any record names a custom field outside `known`: the same answer as looking through the
 * keys of `customValues(collection, record)` for every object record, without building a Map per
 * record (it runs on every page of every stream that has custom fields).
 */
export function hasUnknownFieldRef(collection: CollectionSpec, records: unknown[], known: ReadonlySet<string>): boolean {
  const spec = collection.customFields;
  if (!spec) return false;
  for (const record of records) {
    if (!record || typeof record !== 'object') continue;
    const raw = (record as Record<string, unknown>)[spec.recordKey];
    if (spec.shape === 'id_value_list' && Array.isArray(raw)) {
      for (const entry of raw) {
        if (entry && typeof entry === 'object' && 'id' in entry && !known.has(String((entry as { id: unknown }).id))) return true;
      }
    } else if (spec.shape === 'keyed_object' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const key of Object.keys(raw)) if (!known.has(key)) return true;
    }
  }
  return false;
}

/**
 * A plan's custom columns, prepared once so the mapper reads each record's custom values without
 * building a Map per record. Gives exactly what `customValues(collection, record).get(fieldRef)`
 * gives for every column.
 */
export interface CompiledCustomColumns {
  shape: CustomFieldSource['shape'] | undefined;
  recordKey: string | undefined;
  columns: CustomColumn[];
  coercers: Coercer[];
  /** Distinct field references, one slot each. */
  refs: string[];
  /** Slot of each column's field reference. */
  slotOfColumn: number[];
  slotByRef: Map<string, number>;
  /**
   * Slots by numeric value for references that are a number's canonical text (ticket field ids):
   * a numeric `id` then needs no String() per entry. For a number n, `String(n) === ref` exactly
   * when `n` equals `Number(ref)` and `ref` is canonical, so this finds the same slot.
   */
  slotByNumber: Map<number, number>;
}

export function compileCustomColumns(collection: CollectionSpec, columns: CustomColumn[]): CompiledCustomColumns {
  const slotByRef = new Map<string, number>();
  const slotByNumber = new Map<number, number>();
  const refs: string[] = [];
  const slotOfColumn = columns.map((column) => {
    let slot = slotByRef.get(column.fieldRef);
    if (slot === undefined) {
      slot = refs.length;
      refs.push(column.fieldRef);
      slotByRef.set(column.fieldRef, slot);
      const n = Number(column.fieldRef);
      if (String(n) === column.fieldRef) slotByNumber.set(n, slot);
    }
    return slot;
  });
  return {
    shape: collection.customFields?.shape,
    recordKey: collection.customFields?.recordKey,
    columns,
    coercers: columns.map((c) => coercerFor(c.type)),
    refs,
    slotOfColumn,
    slotByRef,
    slotByNumber,
  };
}

const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * Fills `out[c]` with the raw custom value of column c (undefined when the record has none), as
 * `customValues` would report it: for an id/value list the last entry of an id wins, for a keyed
 * object only its own enumerable keys count. `slots` is scratch space of at least `refs.length`.
 */
export function readCustomValues(compiled: CompiledCustomColumns, record: Record<string, unknown>, out: unknown[], slots: unknown[]): void {
  const { refs, slotOfColumn } = compiled;
  for (let s = 0; s < refs.length; s++) slots[s] = undefined;
  const raw = compiled.recordKey === undefined ? undefined : record[compiled.recordKey];
  if (compiled.shape === 'id_value_list' && Array.isArray(raw)) {
    for (const entry of raw) {
      if (entry && typeof entry === 'object' && 'id' in entry) {
        const id = (entry as { id: unknown }).id;
        const slot = typeof id === 'number' ? compiled.slotByNumber.get(id) : compiled.slotByRef.get(String(id));
        if (slot !== undefined) slots[slot] = (entry as { value?: unknown }).value ?? null;
      }
    }
  } else if (compiled.shape === 'keyed_object' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (let s = 0; s < refs.length; s++) {
      const ref = refs[s]!;
      if (propertyIsEnumerable.call(raw, ref)) slots[s] = (raw as Record<string, unknown>)[ref];
    }
  }
  for (let c = 0; c < slotOfColumn.length; c++) out[c] = slots[slotOfColumn[c]!];
}
