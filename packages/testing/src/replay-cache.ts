/** Remembers one-time values (`jti`s) until they expire, so a second use is caught. */
export interface ReplayCache {
  /** Records `id` until `expiresAt` (epoch ms). False when it is already recorded and not yet expired. */
  use(id: string, expiresAt: number, now: number): boolean;
  clear(): void;
}

export function createReplayCache(): ReplayCache {
  const seen = new Map<string, number>();
  return {
    use(id, expiresAt, now) {
      // Drop expired entries as we go, so a long test run does not grow the map without bound.
      for (const [key, until] of seen) if (until <= now) seen.delete(key);
      if (seen.has(id)) return false;
      seen.set(id, expiresAt);
      return true;
    },
    clear() {
      seen.clear();
    },
  };
}
