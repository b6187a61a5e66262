// The second-cycle differential test of the opt-in groups whose tables change most between syncs,
// in every warehouse: for each group × SQLite, Postgres and Snowflake (fakesnow, read back by
// Python's connector), a first cycle must equal the emulator's ground truth; then Zendesk changes,
// creates and deletes records of every table of the group, and a second cycle must equal the new
// truth (changes land, deletions leave, nothing stale stays). The test also checks that the
// mutations really touched every table (its truth changed) and removed rows where Zendesk can.
// The configuration, service-level and routing groups have the same test in
// configurationCollections.test.ts. A tiny account: fakesnow writes row by row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collections as helpCenterCollections } from '../../catalog/optional/helpCenter';
import { HelpCenterMutations, type Emulator, type GroundTruth } from '../../emulator';
import { removeSuspended, suspendMessage, suspendedTicketsOf } from '../../emulator/suspendedTickets';
import { collectionByName } from '../../catalog/collections';
import { expectedRowsFor } from '../../harness/stack';
import { DESTINATION_KINDS, startSyncHarness, type SyncHarness } from '../support/syncHarness';

const TINY_ACCOUNT = {
  seed: 7,
  users: 12,
  organizations: 3,
  groups: 2,
  tickets: 25,
  eventsPerTicket: 2,
  commentsPerTicket: 1,
  activities: 8,
  auditLogs: 8,
  sameSecondRun: 0,
};

interface Group {
  name: string;
  tables: string[];
  /** Tables the mutations remove rows from (the others only gain or change rows). */
  losesRows: string[];
  /** Before the first cycle: records made to be deleted later (so each destination's run has its own). Returns what `mutate` needs. */
  prepare(emulator: Emulator, tag: string): Record<string, number>;
  /** Between the cycles: changes, creations and deletions in Zendesk. */
  mutate(emulator: Emulator, prepared: Record<string, number>, tag: string, landed: GroundTruth): void;
}

const helpCenter: Group = {
  name: 'Help Center and community',
  tables: helpCenterCollections.map((c) => c.name),
  losesRows: ['categories', 'sections', 'topics', 'posts', 'article_comments', 'article_votes', 'post_comments'],
  prepare(emulator, tag) {
    const m = new HelpCenterMutations(emulator.store, () => emulator.now());
    const category = m.addCategory({ name: `Doomed ${tag}` });
    const section = m.addSection({ category_id: emulator.store.helpCenter.categories.all()[0]!.id, name: `Doomed ${tag}` });
    const topic = m.addTopic({ name: `Doomed ${tag}` });
    return { category: category.id, section: section.id, topic: topic.id };
  },
  mutate(emulator, doomed, tag) {
    const hc = emulator.store.helpCenter;
    const m = new HelpCenterMutations(emulator.store, () => emulator.now());
    const article = hc.articles.all()[0]!;
    m.updateArticle(article.id, { title: `Edited ${tag}` });
    m.addArticleComment(article.id, { body: `Added ${tag}` });
    m.deleteArticleComment(hc.articleComments.all()[0]!.id);
    m.deleteVote(hc.votes.all().find((v) => v.item_type === 'Article')!.id);
    m.addArticleVote(article.id, { user_id: [...emulator.store.users.rows.values()].find((u) => u.active)!.id, value: -1 });
    const post = hc.posts.all()[0]!;
    m.updatePost(post.id, { title: `Edited ${tag}` });
    m.addPostComment(post.id, { body: `Added ${tag}` });
    m.deletePostComment(hc.postComments.all().find((c) => c.post_id !== post.id)!.id);
    m.deletePost(hc.posts.all().find((p) => p.id !== post.id)!.id);
    m.updateSection(hc.sections.all()[0]!.id, { name: `Renamed ${tag}` });
    m.deleteSection(doomed.section!);
    m.addSection({ category_id: hc.categories.all()[1]!.id, name: `New ${tag}` });
    m.updateCategory(hc.categories.all()[0]!.id, { name: `Renamed ${tag}` });
    m.deleteCategory(doomed.category!);
    m.updateTopic(hc.topics.all()[0]!.id, { name: `Renamed ${tag}` });
    m.deleteTopic(doomed.topic!);
  },
};

const changeStreams: Group = {
  name: 'change streams and history tables',
  tables: [
    'ticket_audits',
    'ticket_metric_events',
    'user_identities',
    'suspended_tickets',
    'deleted_tickets',
    'deleted_users',
    'ticket_field_history',
    'ticket_tags',
    'ticket_tag_history',
  ],
  losesRows: ['user_identities', 'suspended_tickets', 'ticket_tags'],
  prepare(emulator) {
    // A user whose phone the second cycle removes (its phone identity must leave).
    const user = [...emulator.store.users.rows.values()].find((u) => u.active && u.role === 'end-user' && !u.phone)!;
    emulator.mutations.updateUser(user.id, { phone: `+1415555${String(user.id).slice(-4).padStart(4, '0')}` });
    return { phoned: user.id };
  },
  mutate(emulator, prepared, tag, landed) {
    const m = emulator.mutations;
    // Tickets whose tags landed (the lookback leaves older tickets out).
    const tagsLanded = new Map<number, number>();
    for (const row of landed.ticket_tags!) tagsLanded.set(row.ticket_id as number, (tagsLanded.get(row.ticket_id as number) ?? 0) + 1);
    const open = [...emulator.store.tickets.rows.values()].filter((t) => t.status !== 'deleted' && t.status !== 'closed');
    // A ticket is created (its audit, field history and first metric event); one loses a tag, gains
    // one and is solved; another is deleted; a user is deleted; a phone is removed; a suspended
    // message is recovered and another arrives.
    m.createTicket({ subject: `Created ${tag}`, comment: { body: 'Hello' } });
    const tagged = open.find((t) => t.tags.length >= 2 && tagsLanded.get(t.id) === t.tags.length)!;
    m.updateTicket(tagged.id, { tags: [...tagged.tags.slice(1), `added_${tag}`], status: 'solved' });
    m.deleteTicket(open.find((t) => t.id !== tagged.id)!.id);
    m.deleteUser([...emulator.store.users.rows.values()].find((u) => u.active && u.role === 'end-user' && u.id !== prepared.phoned)!.id);
    m.updateUser(prepared.phoned!, { phone: null });
    removeSuspended(emulator.store, [...suspendedTicketsOf(emulator.store).rows.values()][0]!.id);
    suspendMessage(emulator.store, emulator.now(), `second_cycle_${tag}`);
  },
};

/** Per table: whether its truth changed at all, and which keys left. */
function difference(table: string, before: GroundTruth, after: GroundTruth): { changed: boolean; removed: string[] } {
  const key = collectionByName(table).primaryKey;
  const afterKeys = new Set(after[table]!.map((r) => String(r[key])));
  const removed = before[table]!.map((r) => String(r[key])).filter((k) => !afterKeys.has(k));
  return { changed: JSON.stringify(before[table]) !== JSON.stringify(after[table]), removed };
}

let harness: SyncHarness;

before(async () => {
  harness = await startSyncHarness({ emulator: TINY_ACCOUNT });
  harness.emulator.advanceClock(61);
});

after(async () => {
  await harness?.close();
});

for (const group of [helpCenter, changeStreams]) {
  describe(group.name, () => {
    for (const kind of DESTINATION_KINDS) {
      test(`${kind}: the first cycle equals the ground truth; after changes and deletions in every table the second does too`, async (t) => {
        const { emulator } = harness;
        const started = Date.now();
        const config = await harness.sourceFor(kind, 'second_cycle', group.tables);
        const prepared = group.prepare(emulator, config.name);
        emulator.advanceClock(61);
        const firstSyncAfterMs = Date.now(); // the ticket-event lookback counts from the first sync
        await harness.cycle(config);
        const truth = () => expectedRowsFor(emulator, { firstSyncAfterMs }, group.tables);
        const first = truth();
        await harness.assertLanded(config, first);

        group.mutate(emulator, prepared, config.name, first);
        emulator.advanceClock(61); // out of the exports' last-minute exclusion window
        const results = await harness.cycle(config);
        for (const { result } of Object.values(results)) assert.equal(result.skipped, undefined, `${result.stream} not skipped`);
        const second = truth();
        await harness.assertLanded(config, second);

        // The comparison proves something only if the mutations reached every table.
        for (const table of group.tables) {
          const { changed, removed } = difference(table, first, second);
          assert.ok(changed, `${table}: the mutations changed its truth`);
          if (group.losesRows.includes(table)) assert.ok(removed.length > 0, `${table}: some rows left Zendesk`);
        }
        const rows = group.tables.reduce((n, table) => n + second[table]!.length, 0);
        t.diagnostic(
          `${kind}: ${rows} rows in ${group.tables.length} tables compared after the second cycle; ${Math.round((Date.now() - started) / 1000)} s`,
        );
      });
    }
  });
}
