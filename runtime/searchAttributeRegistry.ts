/**
 * Makes sure the server knows zendesk-sync's custom search attributes before anything uses them.
 *
 * A workflow started with (or upserting) an unregistered search attribute is rejected ("Failed to
 * start Workflow") or, when started raw, fails every workflow task with BadSearchAttributes. Only the
 * quick start's own dev server registers them on its command line, so the worker and `client.ts
 * start` register them at startup through the operator service: list first, add only what is
 * missing, treat "already exists" (a concurrent registration) as success.
 *
 * Kept apart from workflows/searchAttributes.ts, which workflow code imports and which must stay free of I/O.
 */
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

/** The operator calls used here; both the client's Connection and the worker's NativeConnection have them. */
export type SearchAttributeOperator = Pick<Connection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;
type IndexedValueType = Parameters<SearchAttributeOperator['addSearchAttributes']>[0]['searchAttributes'] extends
  { [name: string]: infer T } | null | undefined
  ? T
  : never;

/** temporal.api.enums.v1.IndexedValueType, for the types this project uses. */
const INDEXED_VALUE_TYPE: Record<string, number> = {
  [SearchAttributeType.TEXT]: 1,
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 4,
  [SearchAttributeType.BOOL]: 5,
  [SearchAttributeType.DATETIME]: 6,
  [SearchAttributeType.KEYWORD_LIST]: 7,
};

/** The names `temporal operator search-attribute create --type` takes. */
const CLI_TYPE_NAME: Record<string, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

const GRPC_ALREADY_EXISTS = 6;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAUTHENTICATED = 16;

/** The Temporal CLI commands that register every attribute in `namespace` (for operators and the README). */
export function searchAttributeCreateCommands(namespace: string): string[] {
  return ALL_SEARCH_ATTRIBUTES.map(
    (key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPE_NAME[key.type]}`,
  );
}

export class SearchAttributeRegistrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SearchAttributeRegistrationError';
  }
}

export interface SearchAttributeRegistration {
  /** Attributes this call added. */
  added: string[];
  /** Attributes that were already registered with the right type. */
  present: string[];
  /**
   * Set when the server would not let this caller list or add attributes and it could not be
   * confirmed that they exist: the caller should log it and carry on (a worker with limited
   * rights may still run on a server an administrator prepared).
   */
  unverified?: string;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isPermissionProblem(err: unknown): boolean {
  const code = grpcCode(err);
  return code === GRPC_PERMISSION_DENIED || code === GRPC_UNAUTHENTICATED || code === GRPC_UNIMPLEMENTED;
}

function howToRegister(namespace: string): string {
  return `Ask an administrator of the Temporal server to run:\n  ${searchAttributeCreateCommands(namespace).join('\n  ')}`;
}

/**
 * Registers the missing search attributes in `namespace` and waits until the server lists them
 * (a just-added attribute is only usable once the frontend's namespace cache has it).
 *
 * Throws SearchAttributeRegistrationError when an attribute exists with another type, or when one
 * is missing and this caller may not add it; the message names the commands that fix it.
 */
export async function ensureSearchAttributes(
  operator: SearchAttributeOperator,
  namespace: string,
  options: { visibleWithinMs?: number } = {},
): Promise<SearchAttributeRegistration> {
  let registered: Record<string, number>;
  try {
    registered = await listCustomAttributes(operator, namespace);
  } catch (err) {
    if (!isPermissionProblem(err)) throw err;
    return {
      added: [],
      present: [],
      unverified:
        `cannot list the search attributes of namespace ${namespace} (${(err as Error).message}); ` +
        `if workflows fail with BadSearchAttributes, the attributes are missing. ${howToRegister(namespace)}`,
    };
  }

  const wrongType = ALL_SEARCH_ATTRIBUTES.filter((key) => key.name in registered && registered[key.name] !== INDEXED_VALUE_TYPE[key.type]);
  if (wrongType.length) {
    throw new SearchAttributeRegistrationError(
      `search attribute(s) ${wrongType.map((k) => `${k.name} (needs type ${CLI_TYPE_NAME[k.type]})`).join(', ')} ` +
        `exist in namespace ${namespace} with another type; remove them (temporal operator search-attribute remove --name …) and register them again`,
    );
  }
  const present = ALL_SEARCH_ATTRIBUTES.filter((key) => key.name in registered).map((k) => k.name);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in registered));
  if (!missing.length) return { added: [], present };

  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type] as IndexedValueType]));
  try {
    await operator.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if (isPermissionProblem(err)) {
      throw new SearchAttributeRegistrationError(
        `the search attributes ${missing.map((k) => k.name).join(', ')} are not registered in namespace ${namespace}, ` +
          `and this caller may not register them (${(err as Error).message}). ${howToRegister(namespace)}`,
        { cause: err },
      );
    }
    // Another worker or client registered them between our list and add: that is the goal.
    if (grpcCode(err) !== GRPC_ALREADY_EXISTS) throw err;
  }

  const deadline = Date.now() + (options.visibleWithinMs ?? 30_000);
  for (;;) {
    const now = await listCustomAttributes(operator, namespace);
    if (missing.every((key) => key.name in now)) break;
    if (Date.now() > deadline) {
      throw new SearchAttributeRegistrationError(
        `registered ${missing.map((k) => k.name).join(', ')} in namespace ${namespace}, but the server does not list them yet; try again shortly`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { added: missing.map((k) => k.name), present };
}

async function listCustomAttributes(operator: SearchAttributeOperator, namespace: string): Promise<Record<string, number>> {
  const response = await operator.listSearchAttributes({ namespace });
  return (response.customAttributes ?? {}) as Record<string, number>;
}
