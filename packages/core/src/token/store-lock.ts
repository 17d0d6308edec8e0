import { sleep } from '../deadline.ts';
import type { AttacheEventListener } from '../events.ts';
import { fetchFromNetwork } from './network-fetch.ts';
import { adopt, hardLimit, makeHeld, type SourceContext } from './source-context.ts';
import type { HeldToken } from './token-registry.ts';
import { parseRecord, type TokenStore, type TokenStoreLock } from './token-store.ts';

const NO_LOCK = Symbol('no lock support');

/** The stored token, unless it is absent, unreadable, expired or the one last rejected. */
async function readStore(context: SourceContext, storage: TokenStore): Promise<HeldToken | undefined> {
  const { state } = context;
  let entry: string | null | undefined;
  try {
    entry = await storage.get(context.key);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'string') return undefined;
  // Same entry as the one held: keep its refresh point rather than drawing a new one.
  if (state.held !== undefined && state.held.entry === entry) return state.held;
  const record = parseRecord(entry);
  if (record === undefined || record.expiresAt <= context.now() || record.accessToken === state.rejected) {
    return undefined;
  }
  return makeHeld(context, record, entry, 'store');
}

/** A stored token that is not yet due for a refresh, made the shared one. */
async function freshFromStore(context: SourceContext, storage: TokenStore): Promise<HeldToken | undefined> {
  const stored = await readStore(context, storage);
  return stored !== undefined && context.now() < stored.token.refreshAt ? adopt(context, stored) : undefined;
}

async function takeLock(
  context: SourceContext,
  storage: TokenStore,
): Promise<TokenStoreLock | null | typeof NO_LOCK> {
  if (storage.acquireLock === undefined) return NO_LOCK;
  try {
    return await storage.acquireLock(context.key, context.lockTtl);
  } catch {
    // A broken lock service must not stop token acquisition: fetch without the fleet's single flight.
    return NO_LOCK;
  }
}

async function fetchUnderLock(
  context: SourceContext,
  storage: TokenStore,
  lock: TokenStoreLock,
  signal: AbortSignal,
  sink: AttacheEventListener | undefined,
): Promise<HeldToken> {
  try {
    // Another process may have stored a token between the read and the lock.
    return (await freshFromStore(context, storage)) ?? (await fetchFromNetwork(context, signal, sink));
  } finally {
    try {
      await lock.release();
    } catch {
      // The lock expires on its own.
    }
  }
}

/**
 * A token by the store's lock protocol: a fresh stored token; else, holding the lock, a new one written to
 * the store; else, while another process holds the lock, a token that is still usable, or the other
 * process's token once it appears in the store.
 */
export async function fetchThroughStore(
  context: SourceContext,
  storage: TokenStore,
  signal: AbortSignal,
  sink: AttacheEventListener | undefined,
): Promise<HeldToken> {
  const { state, now, lockPollInterval } = context;
  if (state.pendingDelete !== undefined) await state.pendingDelete;
  for (;;) {
    const stored = await readStore(context, storage);
    if (stored !== undefined && now() < stored.token.refreshAt) return adopt(context, stored);
    const lock = await takeLock(context, storage);
    if (lock === NO_LOCK) return fetchFromNetwork(context, signal, sink);
    if (lock !== null) return fetchUnderLock(context, storage, lock, signal, sink);
    // Another process is fetching. Keep a token that is not yet within expirySkew of expiry; without one,
    // wait for the other process's token to appear in the store.
    const t = now();
    const usable = [stored, state.held].find(
      (held) => held !== undefined && t < hardLimit(context, held.token),
    );
    if (usable !== undefined) {
      state.nextStoreCheck = t + lockPollInterval;
      return usable === stored ? adopt(context, usable) : usable;
    }
    await sleep(lockPollInterval, signal);
  }
}
