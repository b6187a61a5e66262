/**
 * The Snowflake emulator the tests and the benchmark talk to: fakesnow's server plus the loopback
 * shim in front of it (see driver-shim.ts), with settings for `openSnowflakeDestination` pointing at
 * the shim. Everything runs on 127.0.0.1 and is stopped by `stop()`.
 */
import { randomBytes } from 'node:crypto';
import { startDriverShim, type DriverShim } from './driver-shim';
import { startFakesnow, type FakesnowServer } from './fakesnow-process';
import type { SnowflakeSettings } from '../../destinations/snowflake/settings';

export interface SnowflakeEmulator {
  fakesnow: FakesnowServer;
  shim: DriverShim;
  /** Settings for a destination on the emulator (password login unless overridden). */
  settings(overrides?: Partial<SnowflakeSettings>): SnowflakeSettings;
  /** The same as a snowflake:// URL (the password comes from the environment). */
  url(database?: string): string;
  stop(): Promise<void>;
}

export async function startSnowflakeEmulator(options: { unpatched?: boolean } = {}): Promise<SnowflakeEmulator> {
  const fakesnow = await startFakesnow(options);
  let shim: DriverShim;
  try {
    shim = await startDriverShim(fakesnow.port);
  } catch (err) {
    await fakesnow.stop();
    throw err;
  }
  const password = randomBytes(12).toString('hex');
  return {
    fakesnow,
    shim,
    settings: (overrides = {}) => ({
      account: 'zs-test',
      username: 'zendesk_sync',
      // fakesnow accepts any password; the driver needs one. Made per run: nothing credential-like committed.
      password,
      database: 'zs_test',
      warehouse: 'zs_wh',
      role: 'zs_role',
      host: shim.host,
      port: shim.port,
      protocol: 'http',
      // No binding override: the destination's own arrayBindingThreshold (production's) applies,
      // although fakesnow asks for stage binding of every array bind (test/destinations/snowflake/FAKESNOW_GAPS.md gap 5).
      ...overrides,
    }),
    url: (database = 'zs_test') =>
      `snowflake://zendesk_sync@zs-test/${database}?warehouse=zs_wh&role=zs_role&host=${shim.host}` + `&port=${shim.port}&protocol=http`,
    async stop() {
      await shim.close();
      await fakesnow.stop();
    },
  };
}
