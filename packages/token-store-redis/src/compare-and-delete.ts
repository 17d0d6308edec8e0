/**
 * Deletes `KEYS[1]` only if it still holds `ARGV[1]`, atomically (a script runs alone on the server).
 * Releasing a lock with it never removes a lock another process took after ours expired; deleting a
 * rejected token with it never removes the newer token another process stored.
 */
export const COMPARE_AND_DELETE: string =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Replaces `KEYS[1]` with `ARGV[3]` only if it still holds `ARGV[2]` (or, with `ARGV[1]` = `absent`, holds
 * nothing), atomically; `ARGV[4]` is the time to live in ms (`0`: none). Returns 1 when written.
 */
export const COMPARE_AND_SET: string = [
  "local current = redis.call('get', KEYS[1])",
  "if ARGV[1] == 'absent' then if current then return 0 end elseif current ~= ARGV[2] then return 0 end",
  "if ARGV[4] == '0' then redis.call('set', KEYS[1], ARGV[3]) else redis.call('set', KEYS[1], ARGV[3], 'PX', ARGV[4]) end",
  'return 1',
].join('\n');
