/**
 * `client.ts sync-now | pause | resume | backfill | set-rate | stop`: the commands that steer a running
 * source workflow through its signals, updates and cancellation (workflows/messages.ts).
 */
import { Command } from 'commander';
import type { SignalDefinition } from '@temporalio/client';
import { backfillUpdate, pauseSignal, resumeSignal, setRateUpdate, syncNowSignal } from '../workflows/messages';
import { sourceHandle } from './sources';
import { renderStartedBackfills } from './status';
import { commaList, withClient, type TemporalOptions } from './options';

function signalCommand(temporal: TemporalOptions, name: string, signal: SignalDefinition<[]>, text: string): Command {
  return new Command(name)
    .argument('<source>')
    .description(text)
    .action(async (source: string) => {
      await withClient(temporal, async (client) => {
        await sourceHandle(client, source).signal(signal);
        console.log(`${name}: sent to ${source}`);
      });
    });
}

function backfillCommand(temporal: TemporalOptions): Command {
  return new Command('backfill')
    .argument('<source>')
    .description('load a past time range of incremental collections as child workflows')
    .requiredOption('--collections <list>', 'e.g. tickets,ticket_events', commaList)
    .requiredOption('--from <date>', 'ISO date or time, e.g. 2020-01-01')
    .option('--to <date>', 'ISO date or time (default: now)')
    .action(async (source: string, o: { collections: string[]; from: string; to?: string }) => {
      await withClient(temporal, async (client) => {
        const started = await sourceHandle(client, source).executeUpdate(backfillUpdate, {
          args: [{ collections: o.collections, from: o.from, to: o.to }],
        });
        console.log(renderStartedBackfills(started));
      });
    });
}

function setRateCommand(temporal: TemporalOptions): Command {
  return new Command('set-rate')
    .argument('<source>')
    .description("change a source's rate settings without a restart")
    .option('--core <n>', 'core API requests per minute', Number)
    .option('--export <n>', 'incremental-export requests per minute', Number)
    .option('--share <fraction>', "share of the account's limits to use, 0 < share <= 1", Number)
    .action(async (source: string, o: { core?: number; export?: number; share?: number }) => {
      await withClient(temporal, async (client) => {
        const rate = await sourceHandle(client, source).executeUpdate(setRateUpdate, {
          args: [{ corePerMinute: o.core, exportPerMinute: o.export, share: o.share }],
        });
        console.log(`rate settings of ${source}: ${JSON.stringify(rate)}`);
      });
    });
}

/** sync-now, pause, resume, backfill and set-rate, in the order `--help` lists them. */
export function steeringCommands(temporal: TemporalOptions): Command[] {
  return [
    signalCommand(temporal, 'sync-now', syncNowSignal, 'start a cycle now instead of waiting for the interval'),
    signalCommand(temporal, 'pause', pauseSignal, 'stop syncing; a running cycle stops at the next page boundary'),
    signalCommand(temporal, 'resume', resumeSignal, 'resume a paused source (a cycle starts at once)'),
    backfillCommand(temporal),
    setRateCommand(temporal),
  ];
}

export function stopCommand(temporal: TemporalOptions): Command {
  return new Command('stop')
    .argument('<source>')
    .description('stop a source workflow (cancels a running cycle; the warehouse keeps what was written)')
    .action(async (source: string) => {
      await withClient(temporal, async (client) => {
        await sourceHandle(client, source).cancel();
        console.log(`stop: requested for ${source}`);
      });
    });
}
