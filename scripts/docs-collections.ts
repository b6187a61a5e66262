/**
 * Writes docs/collections.md from the catalog: `npm run docs:collections`. With --check, writes
 * nothing and exits 1 when the file is out of date (test/catalog/collectionsDoc.test.ts checks the same).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COLLECTIONS_DOC_PATH, renderCollectionsDoc } from '../catalog/collectionsDoc';

const file = path.join(__dirname, '..', COLLECTIONS_DOC_PATH);
const wanted = renderCollectionsDoc();
const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error(`${COLLECTIONS_DOC_PATH} is out of date with the catalog: run npm run docs:collections`);
    process.exit(1);
  }
  console.log(`${COLLECTIONS_DOC_PATH} is up to date`);
} else if (current === wanted) {
  console.log(`${COLLECTIONS_DOC_PATH} already up to date`);
} else {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, wanted);
  console.log(`wrote ${COLLECTIONS_DOC_PATH}`);
}
