import type { TokenStoreLock } from '@attache/core';
import { ACQUIRE_LOCK, lockAnswer } from './acquire-lock.ts';
import { compareAndDelete, lockKey, px, type StoreState } from './store-state.ts';

/** How many cache keys' lock waits are remembered before the record starts over. */
const REMEMBERED_WAITS = 1_000;

/** How long this process has waited on `holder`'s lock, once that is `ttlMs` or more. */
function waitedTooLong(state: StoreState, key: string, holder: string, ttlMs: number): number | undefined {
  const t = Date.now();
  const spell = state.waiting.get(key);
  if (spell === undefined || spell.holder !== holder || t - spell.last > ttlMs) {
    if (state.waiting.size >= REMEMBERED_WAITS) state.waiting.clear();
    state.waiting.set(key, { holder, since: t, last: t });
    return undefined;
  }
  spell.last = t;
  if (t - spell.since < ttlMs) return undefined;
  state.waiting.delete(key);
  return t - spell.since;
}

/** A lock this process does not hold: the caller fetches without the fleet's single flight. */
function bypass(
  state: StoreState,
  key: string,
  reason: 'no-expiry' | 'held-too-long',
  waitedMs: number,
): TokenStoreLock {
  state.emit({ type: 'store:lock-bypassed', store: 'redis', key, reason, waitedMs });
  return { release: () => undefined };
}

/** The lock `name` held with `id`; released (once) by compare-and-delete, so never the next holder's. */
function heldLock(state: StoreState, name: string, id: string): TokenStoreLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await compareAndDelete(state, name, id);
    },
  };
}

/** `SET <prefix>lock:<key> <random id> NX PX ttlMs`, bypassing a lock that would never free. */
export async function acquireLock(
  state: StoreState,
  key: string,
  ttlMs: number,
): Promise<TokenStoreLock | null> {
  const id = crypto.randomUUID();
  const name = lockKey(state, key);
  const answer = lockAnswer(
    await state.availability.run(() => state.client.eval(ACQUIRE_LOCK, 1, name, id, px(ttlMs))),
  );
  if (!answer.taken && answer.withoutExpiry) {
    state.waiting.delete(key);
    return bypass(state, key, 'no-expiry', 0);
  }
  if (!answer.taken) {
    const waited = waitedTooLong(state, key, answer.holder, ttlMs);
    return waited === undefined ? null : bypass(state, key, 'held-too-long', waited);
  }
  state.waiting.delete(key);
  return heldLock(state, name, id);
}
