/**
 * Takes `KEYS[1]` for `ARGV[1]` with a time to live of `ARGV[2]` ms (`SET NX PX`), atomically. Returns `-3`
 * when the lock was taken; otherwise the held lock's remaining time to live in ms, or `-1` when it has none.
 * A lock without a time to live (written by hand, by a client that forgot `PX`, or left by `PERSIST`) would
 * hold every process forever: it is given `ARGV[2]` ms so that it frees on its own.
 */
export const ACQUIRE_LOCK: string = [
  "if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return -3 end",
  "local ttl = redis.call('pttl', KEYS[1])",
  "if ttl == -1 then redis.call('pexpire', KEYS[1], ARGV[2]) end",
  'return ttl',
].join('\n');

/** What {@link ACQUIRE_LOCK} answers when the lock was taken. */
export const LOCK_TAKEN = -3;
/** What {@link ACQUIRE_LOCK} answers when the held lock had no time to live. */
export const LOCK_WITHOUT_EXPIRY = -1;
