#!/usr/bin/env -S npx tsx
/**
 * zendesk-sync's command line: start and steer source workflows on Temporal.
 *   npm run client -- --help
 * The commands are defined in cli/ (assembled by cli/program.ts), each beside the code that does its work.
 * The same operations as raw Temporal CLI commands are in the README.
 */
import { clientProgram } from './cli/program';

export const program = clientProgram();

if (require.main === module) {
  program.parseAsync(process.argv).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}
