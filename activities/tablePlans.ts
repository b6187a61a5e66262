/**
 * The warehouse tables one stream writes, with their custom-field columns.
 *
 * Field definitions (ticket_fields, user_fields, organization_fields) cost a request each, so they
 * are read only when needed: on a table's first sync, and again only when a record carries a field
 * id/key never seen before (a field added in Zendesk). A cycle where nothing changed reads none.
 * What was learnt is kept in the destination's state: the assigned columns
 * (`custom_columns:<table>`) and every field reference the definitions listed
 * (`custom_field_refs:<table>`, including fields that deliberately get no column, such as
 * Zendesk's system ticket fields), so a known-but-ignored field never triggers a re-read.
 */
import type { CollectionSpec } from '../catalog/types';
import type { Destination } from '../destinations/types';
import {
  assignCustomColumns,
  customValues,
  fieldRefOf,
  hasUnknownFieldRef,
  type CustomColumn,
  type FieldDefinition,
} from '../sync/customFields';
import { warehouseTable, type TablePlan } from '../sync/mapper';
import type { AccountSession } from './resources';

export function customColumnsKey(collection: string): string {
  return `custom_columns:${collection}`;
}

export function customFieldRefsKey(collection: string): string {
  return `custom_field_refs:${collection}`;
}

interface CustomFieldMemory {
  columns: CustomColumn[];
  /** Every field reference known: those with columns and those the definitions listed. */
  refs: Set<string>;
}

export class TablePlanner {
  readonly plans: TablePlan[] = [];
  private readonly memory = new Map<string, CustomFieldMemory>();
  /** Field-definition requests this run made (for logs). */
  definitionReads = 0;

  constructor(
    private readonly source: string,
    private readonly destination: Destination,
    private readonly session: AccountSession,
    private readonly signal: AbortSignal,
  ) {}

  /** Plans every table and makes sure it exists with all columns known so far. */
  async prepare(tables: CollectionSpec[]): Promise<TablePlan[]> {
    for (const collection of tables) {
      let customColumns: CustomColumn[] = [];
      if (collection.customFields) {
        const stored = await this.destination.readState(this.source, customColumnsKey(collection.name));
        const storedRefs = await this.destination.readState(this.source, customFieldRefsKey(collection.name));
        if (stored === null) {
          customColumns = await this.learn(collection, { columns: [], refs: new Set() });
        } else {
          const columns = JSON.parse(stored) as CustomColumn[];
          const refs = new Set<string>([...columns.map((c) => c.fieldRef), ...(storedRefs ? (JSON.parse(storedRefs) as string[]) : [])]);
          this.memory.set(collection.name, { columns, refs });
          customColumns = columns;
        }
      }
      const plan: TablePlan = { collection, table: warehouseTable(collection, customColumns), customColumns };
      await this.destination.ensureTable(this.source, plan.table);
      this.plans.push(plan);
    }
    return this.plans;
  }

  /**
   * Before a page is mapped: if any record names a custom field this source has never seen, re-read
   * the definitions and add the new columns. Returns the names of columns added.
   */
  async admitPage(records: unknown[]): Promise<string[]> {
    const added: string[] = [];
    for (let i = 0; i < this.plans.length; i++) {
      const plan = this.plans[i]!;
      const { collection } = plan;
      if (!collection.customFields || collection.source.kind !== 'record') continue;
      const memory = this.memory.get(collection.name)!;
      if (!hasUnknownFieldRef(collection, records, memory.refs)) continue;
      const before = memory.columns.length;
      const columns = await this.learn(collection, memory);
      // A reference still unknown after a fresh read (a field deleted meanwhile) is remembered
      // too, so it does not cost a request on every page.
      for (const record of records) {
        if (record && typeof record === 'object')
          for (const ref of customValues(collection, record as Record<string, unknown>).keys()) memory.refs.add(ref);
      }
      await this.destination.writeState(this.source, customFieldRefsKey(collection.name), JSON.stringify([...memory.refs]));
      if (columns.length === before) continue;
      const next: TablePlan = { collection, table: warehouseTable(collection, columns), customColumns: columns };
      await this.destination.ensureTable(this.source, next.table);
      this.plans[i] = next;
      added.push(...columns.slice(before).map((c) => `${collection.name}.${c.column}`));
    }
    return added;
  }

  /** Reads the definitions, assigns columns to new fields and stores both. */
  private async learn(collection: CollectionSpec, memory: CustomFieldMemory): Promise<CustomColumn[]> {
    const { definitionsPath, definitionsKey } = collection.customFields!;
    const definitions = (await this.session.listAll(definitionsPath, definitionsKey, this.signal)) as unknown as FieldDefinition[];
    this.definitionReads += 1;
    const assigned = assignCustomColumns(collection, definitions, memory.columns);
    memory.columns = assigned.columns;
    for (const c of assigned.columns) memory.refs.add(c.fieldRef);
    for (const d of definitions) memory.refs.add(fieldRefOf(collection, d));
    this.memory.set(collection.name, memory);
    await this.destination.writeState(this.source, customColumnsKey(collection.name), JSON.stringify(memory.columns));
    await this.destination.writeState(this.source, customFieldRefsKey(collection.name), JSON.stringify([...memory.refs]));
    return memory.columns;
  }
}
