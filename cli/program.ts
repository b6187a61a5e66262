/**
 * client.ts's program: the global Temporal options and every command, each defined in the cli/
 * module that does its work, in the order `--help` lists them.
 */
import { Command } from 'commander';
import { addTemporalOptions } from './options';
import { startCommand } from './start';
import { authCommand } from './auth';
import { checkCommand } from './check';
import { verifyCommand } from './verify';
import { collectionsCommand } from './collections';
import { steeringCommands, stopCommand } from './steer';
import { statusCommand } from './status';
import { listCommand } from './list';

export function clientProgram(): Command {
  const program = new Command()
    .name('client')
    .description('Start and steer Zendesk → warehouse sources running on Temporal.')
    .showHelpAfterError();
  const temporal = addTemporalOptions(program);
  const commands = [
    startCommand(temporal),
    authCommand(),
    checkCommand(),
    verifyCommand(temporal),
    collectionsCommand(),
    ...steeringCommands(temporal),
    statusCommand(temporal),
    listCommand(temporal),
    stopCommand(temporal),
  ];
  // addCommand, unlike command(), does not pass the program's settings (help after an error, output,
  // exit handling) on to the command: copy them so every command reports mistakes the same way.
  for (const command of commands) program.addCommand(command.copyInheritedSettings(program));
  return program;
}
