/**
 * What the driver sent while some work ran, as the shim recorded it (text, bound rows): for tests
 * that assert on the statements the Snowflake destination sends, or that it sends none.
 */
import type { DriverShim, ObservedStatement } from '../../../harness/snowflake/driver-shim';

export async function statementsDuring(shim: DriverShim, work: () => Promise<unknown>): Promise<ObservedStatement[]> {
  const start = shim.statements.length;
  await work();
  return shim.statements.slice(start);
}
