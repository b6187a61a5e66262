// Search-attribute registration at worker and client startup, against a fake operator service:
// only missing attributes are added, a concurrent registration ("already exists") is success, a
// type clash and a refused registration fail with a message naming the commands that fix them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ensureSearchAttributes,
  searchAttributeCreateCommands,
  SearchAttributeRegistrationError,
  type SearchAttributeOperator,
} from '../../runtime/searchAttributeRegistry';

const KEYWORD = 2;
const INT = 3;
const DATETIME = 6;

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** An operator service holding `initial`; `addError` makes addSearchAttributes fail instead. */
function fakeOperator(initial: Record<string, number>, addError?: Error) {
  const attributes = { ...initial };
  const added: Array<Record<string, number>> = [];
  const operator = {
    async listSearchAttributes() {
      return { customAttributes: { ...attributes } };
    },
    async addSearchAttributes(request: { searchAttributes?: Record<string, number> | null }) {
      if (addError) throw addError;
      added.push({ ...request.searchAttributes });
      Object.assign(attributes, request.searchAttributes);
      return {};
    },
  } as unknown as SearchAttributeOperator;
  return { operator, added, attributes };
}

test('adds only the missing attributes, with their types, and nothing once all exist', async () => {
  const fake = fakeOperator({ ZendeskSource: KEYWORD, SomeoneElses: 1 });
  const first = await ensureSearchAttributes(fake.operator, 'default');
  assert.deepEqual(first.added.sort(), ['ZendeskLastSuccess', 'ZendeskRowsSynced', 'ZendeskSyncState']);
  assert.deepEqual(first.present, ['ZendeskSource']);
  assert.deepEqual(fake.added, [{ ZendeskSyncState: KEYWORD, ZendeskLastSuccess: DATETIME, ZendeskRowsSynced: INT }]);

  const second = await ensureSearchAttributes(fake.operator, 'default');
  assert.deepEqual(second.added, []);
  assert.equal(fake.added.length, 1, 'idempotent: no second add');
});

test('"already exists" from a concurrent registration counts as success', async () => {
  const fake = fakeOperator({}, grpcError(6, 'search attribute ZendeskSource already exists'));
  // The racing registration's result: the attributes are there when listed again.
  const racing = fake.operator.listSearchAttributes;
  let calls = 0;
  (fake.operator as { listSearchAttributes: unknown }).listSearchAttributes = async (request: never) => {
    calls++;
    return calls === 1
      ? racing(request)
      : { customAttributes: { ZendeskSource: KEYWORD, ZendeskSyncState: KEYWORD, ZendeskLastSuccess: DATETIME, ZendeskRowsSynced: INT } };
  };
  const result = await ensureSearchAttributes(fake.operator, 'default');
  assert.equal(result.added.length, 4);
});

test('a caller without the right to register gets the exact commands to run', async () => {
  const fake = fakeOperator({ ZendeskSource: KEYWORD }, grpcError(7, 'Request unauthorized.'));
  await assert.rejects(ensureSearchAttributes(fake.operator, 'prod'), (err: Error) => {
    assert.ok(err instanceof SearchAttributeRegistrationError);
    assert.match(err.message, /ZendeskSyncState, ZendeskLastSuccess, ZendeskRowsSynced are not registered in namespace prod/);
    assert.match(err.message, /Request unauthorized/);
    for (const command of searchAttributeCreateCommands('prod')) assert.ok(err.message.includes(command), `names: ${command}`);
    return true;
  });
  assert.deepEqual(searchAttributeCreateCommands('prod'), [
    'temporal operator search-attribute create --namespace prod --name ZendeskSource --type Keyword',
    'temporal operator search-attribute create --namespace prod --name ZendeskSyncState --type Keyword',
    'temporal operator search-attribute create --namespace prod --name ZendeskLastSuccess --type Datetime',
    'temporal operator search-attribute create --namespace prod --name ZendeskRowsSynced --type Int',
  ]);
});

test('when even listing is refused, the result says so instead of failing the worker', async () => {
  const operator = {
    async listSearchAttributes() {
      throw grpcError(7, 'Request unauthorized.');
    },
    async addSearchAttributes() {
      assert.fail('nothing is added without knowing what exists');
    },
  } as unknown as SearchAttributeOperator;
  const result = await ensureSearchAttributes(operator, 'default');
  assert.deepEqual(result.added, []);
  assert.match(result.unverified ?? '', /cannot list the search attributes of namespace default .*BadSearchAttributes/s);
  assert.match(
    result.unverified ?? '',
    /temporal operator search-attribute create --namespace default --name ZendeskSource --type Keyword/,
  );
});

test('an attribute registered with another type is reported, not overwritten', async () => {
  const fake = fakeOperator({ ZendeskRowsSynced: KEYWORD });
  await assert.rejects(
    ensureSearchAttributes(fake.operator, 'default'),
    /ZendeskRowsSynced \(needs type Int\) exist in namespace default with another type/,
  );
  assert.deepEqual(fake.added, []);
});

test('other server errors pass through unchanged', async () => {
  const fake = fakeOperator({}, grpcError(14, 'unavailable'));
  await assert.rejects(ensureSearchAttributes(fake.operator, 'default'), /unavailable/);
});
