/**
 * Finds the Temporal CLI binary without ever downloading one: $TEMPORAL_CLI_PATH, the project's
 * cached build (.tools/bin/temporal, made by scripts/ensure-temporal.sh), or `temporal` on PATH.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '..');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(): string {
  const candidates = [
    process.env.TEMPORAL_CLI_PATH,
    path.join(projectRoot, '.tools', 'bin', 'temporal'),
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'temporal')),
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find(isExecutable);
  if (!found) {
    throw new Error(
      'The Temporal CLI was not found. Run `npm run setup:temporal` (builds it with Go into .tools/bin) ' +
        'or set TEMPORAL_CLI_PATH to an existing `temporal` binary.',
    );
  }
  return found;
}
