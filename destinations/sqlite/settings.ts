/**
 * The SQLite destination's URL: a directory of database files (./destination.ts).
 *   sqlite://./data/warehouse       a directory, relative to the working directory
 *   sqlite:///var/lib/zs/warehouse  an absolute directory
 */
import path from 'node:path';
import { redactUrl } from '../reference';

/** The directory of a `sqlite://` URL, resolved against the working directory. */
export function sqliteDirectory(url: string): string {
  const rest = url.trim().replace(/^sqlite:\/\//i, '');
  if (rest === '' || rest === '/') {
    throw new Error(`SQLite URL ${redactUrl(url)} names no directory: use sqlite://./data/warehouse or sqlite:///absolute/dir`);
  }
  if (/[?#]/.test(rest)) throw new Error(`SQLite URL ${redactUrl(url)} must not have a query or fragment: it is a directory path`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new Error(`SQLite URL ${redactUrl(url)} has an invalid percent-escape`);
  }
  return path.resolve(decoded);
}
