// The emulator's admin API for Help Center categories, sections and topics: a rename shows in the
// public list with a new updated_at, a created record is listed, a deleted one leaves the list, and a
// category or topic that still holds sections or posts is refused (404 for an unknown id).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Emulator } from '../../emulator';
import { adminAuth, startSmall } from './helpers';

let emulator: Emulator;

before(async () => {
  emulator = await startSmall({ plan: 'enterprise' });
});
after(async () => {
  await emulator?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: adminAuth(emulator) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const listed = async (path: string, key: string): Promise<Array<{ id: number; name: string; updated_at: string }>> => {
  const { status, json } = await call('GET', `${path}?page[size]=100`);
  assert.equal(status, 200);
  return json[key];
};

for (const [kind, publicPath, key] of [
  ['categories', '/api/v2/help_center/categories.json', 'categories'],
  ['topics', '/api/v2/community/topics.json', 'topics'],
] as const) {
  test(`${kind}: create, rename and delete through the admin API show in the public list`, async () => {
    const created = (await call('POST', `/__admin/help_center/${kind}`, { name: `New ${kind}` })).json[
      kind.replace(/ies$/, 'y').replace(/s$/, '')
    ];
    assert.ok((await listed(publicPath, key)).some((r) => r.id === created.id && r.name === `New ${kind}`));
    emulator.advanceClock(60);
    const renamed = await call('PUT', `/__admin/help_center/${kind}/${created.id}`, { name: 'Renamed' });
    assert.equal(renamed.status, 200);
    const row = (await listed(publicPath, key)).find((r) => r.id === created.id)!;
    assert.equal(row.name, 'Renamed');
    assert.ok(row.updated_at > created.updated_at, 'updated_at moved');
    assert.equal((await call('DELETE', `/__admin/help_center/${kind}/${created.id}`)).status, 200);
    assert.ok(!(await listed(publicPath, key)).some((r) => r.id === created.id));
    assert.equal((await call('DELETE', `/__admin/help_center/${kind}/${created.id}`)).status, 404);
  });
}

test('a category holding sections and a topic holding posts are not deleted; a section is renamed', async () => {
  const hc = emulator.store.helpCenter;
  const busyCategory = hc.sections.all()[0]!.category_id;
  assert.equal((await call('DELETE', `/__admin/help_center/categories/${busyCategory}`)).status, 400);
  const busyTopic = hc.posts.all()[0]!.topic_id;
  assert.equal((await call('DELETE', `/__admin/help_center/topics/${busyTopic}`)).status, 400);
  const section = hc.sections.all()[0]!;
  assert.equal((await call('PUT', `/__admin/help_center/sections/${section.id}`, { name: 'Renamed section' })).status, 200);
  assert.ok(
    (await listed('/api/v2/help_center/sections.json', 'sections')).some((s) => s.id === section.id && s.name === 'Renamed section'),
  );
});
