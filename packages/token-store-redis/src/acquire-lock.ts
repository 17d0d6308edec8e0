/**
 * Takes `KEYS[1]` for `ARGV[1]` with a time to live of `ARGV[2]` ms (`SET NX PX`), atomically. Answers
 * `[-3]` when the lock was taken; otherwise `[ttl, holder]`: the held lock's remaining time to live in ms
 * (`-1` when it has none) and its value, which tells one holder from the next. A lock without a time to
 * live (written by hand, by a client that forgot `PX`, or left by `PERSIST`) would hold every process
 * forever: it is given `ARGV[2]` ms so that it frees on its own.
 */
export const ACQUIRE_LOCK: string = [
  "if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return {-3} end",
  "local ttl = redis.call('pttl', KEYS[1])",
  "if ttl == -1 then redis.call('pexpire', KEYS[1], ARGV[2]) end",
  "return {ttl, redis.call('get', KEYS[1])}",
].join('\n');

/** What {@link ACQUIRE_LOCK} answers. */
export type LockAnswer =
  | { readonly taken: true }
  | { readonly taken: false; readonly withoutExpiry: boolean; readonly holder: string };

/** Reads {@link ACQUIRE_LOCK}'s reply; anything unexpected counts as "held" so nobody skips the lock by mistake. */
export function lockAnswer(reply: unknown): LockAnswer {
  const [ttl, holder] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (ttl === -3) return { taken: true };
  return { taken: false, withoutExpiry: ttl === -1, holder: typeof holder === 'string' ? holder : '' };
}
