/**
 * Secret files (credential files, privacy salts: every `file:` reference) must be readable and
 * writable by their owner only, as ssh demands of a private key: a file open to group or others is
 * refused on read with the command that fixes it. POSIX permissions only (the worker runs on Linux
 * or macOS; Windows ACLs are not checked).
 *
 * The mode is taken from the open file (fstat), so the file checked is the file read.
 */
import { closeSync, fstatSync, openSync, promises as fs, readFileSync } from 'node:fs';

/** Permission bits a secret file must not have: any access for group or others. */
export const GROUP_OR_OTHERS = 0o077;

/** Why a file with this mode must not hold a secret, or undefined when only its owner can use it. */
export function ownerOnlyProblem(file: string, mode: number, what: string): string | undefined {
  if ((mode & GROUP_OR_OTHERS) === 0) return undefined;
  const access = mode & 0o044 ? 'readable' : 'writable';
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `${what} ${file} is ${access} by group/others (mode ${octal}); run chmod 600 ${file}`;
}

/** Reads a secret file, refusing one that group or others can read or write. */
export async function readOwnerOnlyFile(file: string, what: string, refuse: (message: string) => Error): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const problem = ownerOnlyProblem(file, (await handle.stat()).mode, what);
    if (problem) throw refuse(problem);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** The synchronous twin of readOwnerOnlyFile. */
export function readOwnerOnlyFileSync(file: string, what: string, refuse: (message: string) => Error): string {
  const fd = openSync(file, 'r');
  try {
    const problem = ownerOnlyProblem(file, fstatSync(fd).mode, what);
    if (problem) throw refuse(problem);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
