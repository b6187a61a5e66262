/**
 * Heartbeats while an activity waits on something that reports no progress of its own (an update's
 * answer, a credential check): the activity then has a heartbeat timeout like the streams, so one in
 * flight on a worker that dies is noticed after that timeout instead of its start-to-close timeout.
 */
import { Context } from '@temporalio/activity';

/** How often to beat; the SDK sends at most one per throttle interval (a fraction of the heartbeat timeout). */
const BEAT_EVERY_MS = 1000;

export async function whileBeating<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
  const beating = setInterval(() => ctx.heartbeat(), BEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beating);
  }
}
