/**
 * docs/collections.md, generated from the catalog (`npm run docs:collections`); a test fails when the
 * file differs from what the catalog generates, so the table cannot drift from the code.
 */
import { describeCollections, offeredByText, requiresText, type CollectionDescription } from './describe';

export const COLLECTIONS_DOC_PATH = 'docs/collections.md';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text}\``;

export function renderCollectionsDoc(rows: CollectionDescription[] = describeCollections()): string {
  const on = rows.filter((d) => d.enabledByDefault).length;
  const lines = [
    '<!-- Generated from the catalog by `npm run docs:collections`; edit catalog/, not this file. -->',
    '# Collections',
    '',
    `${rows.length} collections, ${on} on by default; the others are opt-in`,
    '(`--enable <names>` or `"collections": {"<name>": true}` in the source settings). `client.ts collections`',
    'prints the same list (`--json` too).',
    '',
    '- **requests per cycle**: what a cycle spends on the table. Exports: one request per 1000 changed',
    '  records, at least one (+1 to re-read the field definitions when a record names a new custom field);',
    "  lists read in full: one per 100 records, every cycle; a table fed by another table's requests (a",
    '  sideload or nested records) costs nothing of its own. **nothing changed**: a cycle with no change.',
    '- **requires**: the plan, add-on or setting Zendesk needs; a table Zendesk refuses for the plan or role is',
    '  skipped with a warning and never fails the source.',
    '- **offered by**: the anchor connectors whose published table lists have it (their name for it in',
    '  brackets where it differs); "?" = not looked up yet.',
    '',
    '| collection | default | endpoint | pagination | requires | requests per cycle | nothing changed | offered by | description |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (d) =>
        `| ${[
          code(d.name),
          d.enabledByDefault ? 'on' : 'off',
          `${code(d.endpoint)}${d.ridesOn ? ` (with ${code(d.ridesOn)})` : ''}`,
          d.pagination,
          requiresText(d),
          d.costPerCycle,
          d.unchangedCycle,
          offeredByText(d),
          d.description,
        ]
          .map(cell)
          .join(' | ')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
