/**
 * Full-jitter exponential back-off, the one formula for every wait between attempts in Attaché: a random
 * wait in `[0, min(max, base × 2^attempt))` ms, `attempt` counted from 0. Drawing the whole wait at random
 * spreads the retries of many callers that failed together instead of sending them back in lock-step.
 *
 * @param random a source in [0, 1); inject a fixed one for deterministic waits.
 */
export function backoff(base: number, max: number, attempt: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  // A zero base after 2^attempt overflowed to Infinity gives NaN: no wait, as for any zero ceiling.
  return ceiling > 0 ? Math.floor(random() * ceiling) : 0;
}
