// client.ts's program (cli/program.ts): every command is there, in the order `--help` lists them, and
// each reports a mistake the program's way (the error, then its own help), whether it was built with
// command() or added as a module's Command (addCommand passes no settings on by itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { clientProgram } from '../../cli/program';

test('the program lists every command in the order of its help', () => {
  assert.deepEqual(
    clientProgram().commands.map((c) => c.name()),
    ['start', 'auth', 'check', 'verify', 'collections', 'sync-now', 'pause', 'resume', 'backfill', 'set-rate', 'status', 'list', 'stop'],
  );
});

test('every command shows its help after a usage error', async () => {
  const program = clientProgram();
  for (const command of program.commands) {
    let written = '';
    command.exitOverride().configureOutput({ writeErr: (s) => void (written += s), writeOut: () => undefined });
    const error = await program.parseAsync(['node', 'client.ts', command.name(), '--no-such-option']).then(
      () => assert.fail(`${command.name()} accepted an unknown option`),
      (err: unknown) => err,
    );
    assert.ok(error instanceof CommanderError, `${command.name()}: ${String(error)}`);
    assert.equal(error.exitCode, 1);
    // A command with a mandatory option names that first; the others the unknown option.
    assert.match(written, /^error: (unknown option '--no-such-option'|required option '[^']+' not specified)\n/, command.name());
    assert.match(written, new RegExp(`\\nUsage: client ${command.name()} \\[options\\]`), `${command.name()} shows its help`);
  }
});

test('the global Temporal options reach the commands', async () => {
  const program = clientProgram();
  const status = program.commands.find((c) => c.name() === 'status')!;
  status.exitOverride().configureOutput({ writeErr: () => undefined });
  // Parsing with a missing argument stops before the action; the global options are parsed by then.
  await program
    .parseAsync(['node', 'client.ts', '--address', 'temporal.internal:7233', '--namespace', 'zs', 'status'])
    .catch(() => undefined);
  assert.deepEqual(program.opts(), { address: 'temporal.internal:7233', namespace: 'zs', taskQueue: 'zendesk-sync' });
});
