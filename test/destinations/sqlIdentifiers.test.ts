// SQL identifiers come only from the quoting function: no SQL text in the writers interpolates a raw
// schema, table or column name. A static check over destinations/*.ts, proven able to fail on a
// planted example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SQL_KEYWORD = /\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|MERGE|DROP|TABLE|SCHEMA|PRAGMA|ATTACH|DETACH|INTO|FROM|USE)\b/;
/** Interpolations that name something without quoting it. */
const RAW_NAME = /\$\{\s*(schema|table|tableName|column|columnName|name|key|source|[a-z]+\.(name|primaryKey|schema|table))\s*\}/;

/** Template literals (without nested backticks) that read as SQL and interpolate a raw name. */
export function rawIdentifierInterpolations(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/`([^`]*)`/g)) {
    const literal = match[1]!;
    if (SQL_KEYWORD.test(literal) && RAW_NAME.test(literal)) found.push(literal.slice(0, 120));
  }
  return found;
}

test('the check flags a raw name in SQL and accepts quoted ones', () => {
  assert.equal(rawIdentifierInterpolations('db.exec(`CREATE TABLE ${schema}.${table.name} (id bigint)`)').length, 1);
  assert.equal(rawIdentifierInterpolations('db.exec(`ALTER TABLE ${target} ADD COLUMN ${column.name} TEXT`)').length, 1);
  assert.equal(rawIdentifierInterpolations('db.exec(`CREATE TABLE ${q(schema)}.${q(table.name)} (id bigint)`)').length, 0);
  assert.equal(rawIdentifierInterpolations('const key = `${schema}.${table.name}`').length, 0, 'not SQL');
});

test('no writer builds SQL with an unquoted identifier', () => {
  const dir = path.resolve(__dirname, '../../destinations');
  const offenders: string[] = [];
  // Every writer, those in their own folder (destinations/bigquery/) included.
  for (const file of (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))) {
    for (const literal of rawIdentifierInterpolations(readFileSync(path.join(dir, file), 'utf8'))) offenders.push(`${file}: ${literal}`);
  }
  assert.deepEqual(offenders, []);
});
