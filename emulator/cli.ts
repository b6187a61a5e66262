/**
 * `npm run emulator -- [options]`: start an emulated Zendesk account on 127.0.0.1 and print where it
 * is and how to call it. Ctrl-C stops it cleanly.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator, type EmulatorOptions, type FaultRule } from './index';
import { PLANS, type Plan, type QuirkSettings, type WarmMode } from './options';

const WARM_MODES: readonly WarmMode[] = ['off', 'background', 'blocking'];

/** A JSON value given inline or as @path to a JSON file. */
function jsonArgument<T>(value: string): T {
  return JSON.parse(value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value) as T;
}

const int = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const float = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
};

const program = new Command()
  .name('emulator')
  .description('A faithful Zendesk Support API emulator (see emulator/README.md).')
  .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', int, 8484)
  .option('--seed <n>', 'seed of all generated data', int, 1)
  .option('--reference-time <epoch>', 'epoch seconds generated timestamps are relative to (default: now)', int)
  .option('--tickets <n>', 'tickets', int)
  .option('--users <n>', 'users', int)
  .option('--organizations <n>', 'organizations', int)
  .option('--groups <n>', 'groups', int)
  .option('--events-per-ticket <n>', 'ticket events (audits) per ticket', int)
  .option('--comments-per-ticket <n>', 'comments per ticket', int)
  .option('--attachments-per-comment <x>', 'average attachments per comment', float)
  .option('--same-second-run <n>', 'tickets bulk-updated in one second (0 = off)', int)
  .option('--history-days <n>', 'how far back timestamps reach', int)
  .option('--plan <plan>', `plan: ${PLANS.join(', ')}`, 'enterprise')
  .option('--minute-ms <ms>', 'length of a rate-limit minute in ms', int)
  .option('--core-limit <n>', 'account requests per minute (default: from the plan)', int)
  .option('--export-limit <n>', 'incremental-export requests per minute', int)
  .option('--users-cursor-limit <n>', 'give users/cursor its own bucket of n requests per minute', int)
  .option('--tickets-cursor-limit <n>', 'give tickets/cursor its own bucket of n requests per minute', int)
  .option('--no-rate-limits', 'switch rate limits off')
  .option('--canonical-base-url <url>', 'base URL written into next-page links')
  .option('--faults <json|@file>', 'fault rules as JSON, or @path to a JSON file')
  .option('--quirks <json|@file>', 'UNCONFIRMED behaviours as JSON, e.g. \'{"metricSetsShape":"embedded"}\' (see emulator/README.md)')
  .option('--subdomain <name>', 'account subdomain: other *.zendesk.com hosts get 404 "No help desk"')
  .option('--no-account', 'the account does not exist: every request gets 404 "No help desk"')
  .option('--access-token-lifetime <s>', 'OAuth access token lifetime in seconds', int)
  .option('--warm <mode>', `render export records ahead of requests: ${WARM_MODES.join(', ')} (default background)`)
  .option('--prewarm', 'same as --warm blocking: render every export record before listening (benchmarks)')
  .parse();

async function main(): Promise<void> {
  const o = program.opts();
  if (!PLANS.includes(o.plan)) throw new Error(`--plan must be one of ${PLANS.join(', ')}`);
  const faults: FaultRule[] | undefined = o.faults ? jsonArgument<FaultRule[]>(String(o.faults)) : undefined;
  const quirks: Partial<QuirkSettings> | undefined = o.quirks ? jsonArgument<Partial<QuirkSettings>>(String(o.quirks)) : undefined;
  if (o.warm !== undefined && !WARM_MODES.includes(o.warm)) throw new Error(`--warm must be one of ${WARM_MODES.join(', ')}`);
  const warm: WarmMode | undefined = o.prewarm ? 'blocking' : o.warm;
  const options: EmulatorOptions = {
    port: o.port,
    seed: o.seed,
    referenceTime: o.referenceTime,
    tickets: o.tickets,
    users: o.users,
    organizations: o.organizations,
    groups: o.groups,
    eventsPerTicket: o.eventsPerTicket,
    commentsPerTicket: o.commentsPerTicket,
    attachmentsPerComment: o.attachmentsPerComment,
    sameSecondRun: o.sameSecondRun,
    historyDays: o.historyDays,
    plan: o.plan as Plan,
    rateLimits:
      o.rateLimits === false
        ? false
        : {
            minuteMs: o.minuteMs,
            corePerMinute: o.coreLimit,
            exportPerMinute: o.exportLimit,
            usersCursorPerMinute: o.usersCursorLimit,
            ticketsCursorPerMinute: o.ticketsCursorLimit,
          },
    canonicalBaseUrl: o.canonicalBaseUrl,
    faults,
    quirks,
    subdomain: o.subdomain,
    accountExists: o.account === false ? false : undefined,
    oauth: o.accessTokenLifetime ? { accessTokenLifetimeSeconds: o.accessTokenLifetime } : undefined,
    warm,
  };
  for (const key of Object.keys(options) as Array<keyof EmulatorOptions>) if (options[key] === undefined) delete options[key];
  const started = performance.now();
  const emulator = await startEmulator(options);
  const { admin, agent, oauth } = emulator.credentials;
  const counts = emulator.store.counts();
  console.log(`Zendesk emulator listening at ${emulator.baseUrl}  (ready in ${Math.round(performance.now() - started)} ms)`);
  console.log(
    `  account: ${counts.tickets} tickets, ${counts.users} users, ${counts.organizations} organizations, plan ${emulator.plan()}`,
  );
  console.log(
    `  host:    serves loopback and ${emulator.subdomain}.zendesk.com; other *.zendesk.com hosts get 404 "No help desk"` +
      (emulator.accountExists() ? '' : ' (--no-account: every request does)'),
  );
  console.log(`  admin:   ${admin.email} / API token ${admin.apiToken}`);
  console.log(`           curl -u '${admin.email}/token:${admin.apiToken}' '${emulator.baseUrl}/api/v2/users/me.json'`);
  console.log(`  agent:   ${agent.email} / API token ${agent.apiToken}`);
  console.log(
    `  oauth:   client_id ${oauth.clientId}, client_secret ${oauth.clientSecret}, redirect URIs ${oauth.redirectUris.join(', ')}`,
  );
  console.log(`  admin API: ${emulator.baseUrl}/__admin/state (see emulator/README.md). Ctrl-C to stop.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the emulator...`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
