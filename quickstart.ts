/**
 * `npm start`: the whole product on one machine with embedded defaults.
 *
 * Brings up a Temporal dev server with its Web UI (unless one already answers), the Zendesk emulator
 * (unless real credentials are in the environment), a worker, and a source writing into SQLite under
 * ./data/; shows the first sync's progress, prints rows per table, then keeps syncing every three
 * hours until Ctrl-C. `--once` exits after the first cycle.
 */
import { Command } from 'commander';
import { runQuickstart, type QuickstartOptions } from './cli/quickstart/run';

const program = new Command()
  .name('npm start --')
  .description('Run zendesk-sync end to end on embedded defaults (Temporal dev server, emulator, SQLite).')
  .option('--once', 'exit after the first sync cycle')
  .option('--data-dir <dir>', 'where SQLite files, the Temporal database and credentials go', './data')
  .option('--destination <url>', 'warehouse URL (default sqlite://<data-dir>/warehouse)')
  .option('--source <name>', 'source name = warehouse schema', 'zendesk_demo')
  .option('--tickets <n>', 'emulator account size in tickets', Number, 5000)
  .option('--emulator-port <port>', 'emulator port (fixed so a restarted demo finds the same URL)', Number, 8484)
  .option('--interval-seconds <n>', 'seconds between cycles', Number, 10800)
  .option(
    '--temporal-port <port>',
    'port of the Temporal dev server to use or start (Web UI on port + 1000); TEMPORAL_ADDRESS overrides',
    Number,
    7233,
  );

if (require.main === module) {
  runQuickstart(program.parse(process.argv).opts<QuickstartOptions>()).catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
