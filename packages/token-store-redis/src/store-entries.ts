import { COMPARE_AND_SET } from './compare-and-delete.ts';
import { checkEntry, type EntryRejectionReason } from './entry-check.ts';
import { compareAndDelete, entryKey, px, type StoreState } from './store-state.ts';

function refuse(state: StoreState, key: string, raw: string, reason: EntryRejectionReason): null {
  if (state.rejected.get(key) !== raw) {
    state.rejected.set(key, raw);
    state.emit({ type: 'store:entry-rejected', store: 'redis', key, reason });
  }
  return null;
}

/** The entry, decrypted and validated; `null` (a miss) for anything that must not reach a partner. */
async function open(state: StoreState, key: string, raw: string | null): Promise<string | null> {
  if (raw === null) return null;
  const entry = state.cipher === undefined ? raw : await state.cipher.open(key, raw);
  if (entry === undefined) return refuse(state, key, raw, 'undecryptable');
  const problem = checkEntry(entry);
  return problem === undefined ? entry : refuse(state, key, raw, problem);
}

/**
 * The raw value stored for `key` when it decrypts to `expected`, else `undefined`. Ciphertexts differ on every
 * write: a compare-and-swap compares the decrypted entry, then swaps that exact ciphertext.
 */
async function sealedMatch(state: StoreState, key: string, expected: string): Promise<string | undefined> {
  const raw = await state.availability.run(() => state.client.get(entryKey(state, key)));
  if (raw === null || (await state.cipher?.open(key, raw)) !== expected) return undefined;
  return raw;
}

export async function getEntry(state: StoreState, key: string): Promise<string | null> {
  // Checked in `open`: an entry that is not a token source's or whose values a header cannot carry is a miss.
  return open(state, key, await state.availability.run(() => state.client.get(entryKey(state, key))));
}

export async function setEntry(state: StoreState, key: string, entry: string, ttlMs: number): Promise<void> {
  if (!(ttlMs > 0)) return;
  const value = state.cipher === undefined ? entry : await state.cipher.seal(key, entry);
  await state.availability.run(() => state.client.set(entryKey(state, key), value, 'PX', px(ttlMs)));
}

export async function deleteEntry(state: StoreState, key: string, expected?: string): Promise<boolean> {
  const name = entryKey(state, key);
  if (expected === undefined) return (await state.availability.run(() => state.client.del(name))) === 1;
  if (state.cipher === undefined) return compareAndDelete(state, name, expected);
  const raw = await sealedMatch(state, key, expected);
  return raw === undefined ? false : compareAndDelete(state, name, raw);
}

export async function compareAndSetEntry(
  state: StoreState,
  key: string,
  expected: string | null,
  entry: string,
  ttlMs: number | undefined,
): Promise<boolean> {
  let expectedRaw = expected;
  if (expected !== null && state.cipher !== undefined) {
    const raw = await sealedMatch(state, key, expected);
    if (raw === undefined) return false;
    expectedRaw = raw;
  }
  const value = state.cipher === undefined ? entry : await state.cipher.seal(key, entry);
  const ttl = ttlMs === undefined ? '0' : String(px(ttlMs));
  const args = [expectedRaw === null ? 'absent' : 'present', expectedRaw ?? '', value, ttl];
  const name = entryKey(state, key);
  return (await state.availability.run(() => state.client.eval(COMPARE_AND_SET, 1, name, ...args))) === 1;
}
