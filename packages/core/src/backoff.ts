/**
 * Exponential back-off with jitter, the one formula for every wait between attempts in Attaché: the ceiling
 * is `min(max, base × 2^attempt)` ms (`attempt` counted from 0), and the wait is the `floor` share of it plus a
 * random part of the rest. With `floor` 0 (full jitter, the pipeline's retries) the whole wait is drawn at
 * random; with 0.5 (equal jitter, the token source and the token endpoint) at least half the ceiling is
 * always waited, so a failing authorization server is never asked again at once. Drawing at random spreads
 * the retries of many callers that failed together instead of sending them back in lock-step.
 *
 * @param random a source in [0, 1); inject a fixed one for deterministic waits.
 * @param floor the share of the ceiling always waited, in [0, 1].
 */
export function backoff(base: number, max: number, attempt: number, random: () => number, floor = 0): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  // A zero base after 2^attempt overflowed to Infinity gives NaN: no wait, as for any zero ceiling.
  if (!(ceiling > 0)) return 0;
  const fixed = ceiling * floor;
  return Math.floor(fixed + random() * (ceiling - fixed));
}

/** The share of the ceiling the token source and the token endpoint always wait after a failure. */
export const EQUAL_JITTER = 0.5;
