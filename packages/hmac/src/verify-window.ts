// The checks every verifier makes around the signature itself: the time window it was signed in, and the
// nonce (or the signature, where the scheme has no nonce) claimed once against replay.
import { ConfigError } from '@attache/core';
import { createMemoryNonceStore, type NonceStore } from './nonce-store.ts';
import type { KeyEntry } from './verifier-keys.ts';
import { type HmacRejected, reject } from './verify-result.ts';

export interface ReplayWindow {
  /** Milliseconds. */
  readonly tolerance: number;
  readonly now: () => number;
  readonly nonceStore: NonceStore | false;
}

/** What a scheme's verification needs besides its own settings. */
export interface VerifyContext extends ReplayWindow {
  readonly requireNonce: boolean;
  readonly lookup: (keyId: string) => Promise<readonly KeyEntry[]>;
}

/** The `tolerance`, `now` and `nonceStore` options, checked, with their defaults. */
export function replayWindow(
  options: {
    readonly tolerance?: number;
    readonly now?: () => number;
    readonly nonceStore?: NonceStore | false;
  },
  owner: string,
): ReplayWindow {
  const tolerance = options.tolerance ?? 300;
  if (typeof tolerance !== 'number' || !(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new ConfigError(`${owner}: tolerance must be a positive number of seconds`);
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') {
    throw new ConfigError(`${owner}: now must be a function returning epoch milliseconds`);
  }
  // The default store shares the verifier's clock: nonces expire on the same time line they are dated on.
  const nonceStore = options.nonceStore ?? createMemoryNonceStore({ now });
  if (nonceStore !== false && typeof nonceStore?.claim !== 'function') {
    throw new ConfigError(`${owner}: nonceStore must have a claim() method, or be false`);
  }
  return { tolerance: tolerance * 1000, now, nonceStore };
}

export function checkTime(
  createdMs: number,
  expiresMs: number | undefined,
  context: ReplayWindow,
  keyId: string,
): HmacRejected | undefined {
  const time = context.now();
  if (createdMs - time > context.tolerance) {
    return reject(
      'future-timestamp',
      `signed ${Math.round((createdMs - time) / 1000)} s in the future`,
      keyId,
    );
  }
  if (time - createdMs > context.tolerance) {
    return reject(
      'expired',
      `signed ${Math.round((time - createdMs) / 1000)} s ago, beyond the tolerance window`,
      keyId,
    );
  }
  if (expiresMs !== undefined && time > expiresMs) return reject('expired', 'past its expires time', keyId);
  return undefined;
}

export async function claimNonce(
  nonce: string | undefined,
  keyId: string,
  createdMs: number,
  context: ReplayWindow,
): Promise<HmacRejected | undefined> {
  if (nonce === undefined || context.nonceStore === false) return undefined;
  // Remembered for as long as the signature could still be accepted: checkTime accepts up to and including
  // `createdMs + tolerance`, so the store may forget it one millisecond later, not before.
  const claimed = await context.nonceStore.claim(`${keyId}\n${nonce}`, createdMs + context.tolerance + 1);
  if (claimed === 'full') {
    return reject('nonce-store-full', 'the nonce store is full of live nonces and refuses more', keyId);
  }
  return claimed ? undefined : reject('replayed-nonce', 'the nonce was already used', keyId);
}
