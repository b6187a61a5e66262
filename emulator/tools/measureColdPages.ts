/**
 * Measures how fast the emulator serves 1000-record export pages, cold (records rendered while
 * serving) and cached, against how long a client needs to JSON.parse the same page — the "Fast"
 * requirement of issue 2: the emulator must never be the bottleneck of a benchmark.
 *
 *   node --import tsx emulator/tools/measureColdPages.ts [--tickets 10000] [--repeats 5]
 *
 * Server times come from the request log (routing to a body ready to write), so the client's own
 * download and decoding are not counted. Figures are medians over `--repeats`; the cold figure
 * empties the JSON caches before each repetition.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator } from '../index';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '10000' },
    repeats: { type: 'string', default: '5' },
  },
});
const tickets = Number(values.tickets);
const repeats = Number(values.repeats);

const PAGES = {
  tickets: '/api/v2/incremental/tickets/cursor.json?start_time=0&include=metric_sets',
  ticket_events: '/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function fetchPage(emulator: Emulator, path: string): Promise<{ serveMs: number; parseMs: number; bytes: number }> {
  const auth =
    'Basic ' + Buffer.from(`${emulator.credentials.admin.email}/token:${emulator.credentials.admin.apiToken}`).toString('base64');
  const response = await fetch(emulator.baseUrl + path, { headers: { authorization: auth } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path} -> ${response.status}`);
  const serveMs = emulator.requestLog.entries().at(-1)!.durationMs;
  const parseStarted = performance.now();
  JSON.parse(text);
  return { serveMs, parseMs: performance.now() - parseStarted, bytes: Buffer.byteLength(text) };
}

const options = { seed: 1, referenceTime: 1_760_000_000, tickets, rateLimits: false as const };

async function main(): Promise<void> {
  // Start-up cost of each warm mode, and what a request arriving at once gets during a background warm.
  for (const warm of ['off', 'background', 'blocking'] as const) {
    const started = performance.now();
    const emulator = await startEmulator({ ...options, warm });
    const startupMs = performance.now() - started;
    const immediate = await fetchPage(emulator, PAGES.tickets);
    await emulator.warmedUp();
    const warmedMs = performance.now() - started;
    console.log(
      `warm=${warm}: listening after ${ms(startupMs)}, warm-up done after ${ms(warmedMs)}; ` +
        `a tickets page requested at once was served in ${ms(immediate.serveMs)}`,
    );
    await emulator.close();
  }

  const emulator = await startEmulator({ ...options, warm: 'off' });
  try {
    for (const [name, path] of Object.entries(PAGES)) {
      const cold: number[] = [];
      const cached: number[] = [];
      const parse: number[] = [];
      let bytes = 0;
      for (let i = 0; i < repeats; i++) {
        emulator.store.clearJsonCaches();
        const first = await fetchPage(emulator, path);
        const again = await fetchPage(emulator, path);
        cold.push(first.serveMs);
        cached.push(again.serveMs);
        parse.push(again.parseMs);
        bytes = again.bytes;
      }
      console.log(
        `${name} (${(bytes / 1e6).toFixed(2)} MB, median of ${repeats}): cold ${ms(median(cold))}, cached ${ms(median(cached))}, ` +
          `client JSON.parse ${ms(median(parse))}`,
      );
    }
  } finally {
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
