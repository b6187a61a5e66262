// Every relative link in the README and the docs points at a file that exists, and every #anchor at a
// heading of that file (GitHub's heading slugs), so the reference split over docs/ stays navigable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Link targets of a markdown text, outside code blocks and code spans. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const text = line.replace(/`[^`]*`/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1];
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

const root = repoRoot();
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...['test/README.md', 'emulator/README.md'].filter((f) => existsSync(path.join(root, f))),
];

test('the anchor rule matches GitHub on the headings these pages use', () => {
  const anchors = headingAnchors('# Operator commands (`client.ts`)\n## Tests\n## Tests\n### Checking a sync (`verify`)\n');
  assert.deepEqual([...anchors], ['operator-commands-clientts', 'tests', 'tests-1', 'checking-a-sync-verify']);
  assert.deepEqual(relativeLinks('see [a](docs/a.md#x), [b](https://b.example) and `[c](not/a/link.md)`'), ['docs/a.md#x']);
});

for (const page of pages) {
  test(`every relative link in ${page} resolves`, () => {
    const markdown = readFileSync(path.join(root, page), 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinks(markdown)) {
      const [file, anchor] = link.split('#', 2);
      const target = file === '' ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), decodeURI(file));
      if (!existsSync(target)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
        if (!headingAnchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
      }
    }
    assert.deepEqual(broken, []);
  });
}
