/**
 * Deletes `KEYS[1]` only if it still holds `ARGV[1]`, atomically (a script runs alone on the server).
 * Releasing a lock with it never removes a lock another process took after ours expired; deleting a
 * rejected token with it never removes the newer token another process stored.
 */
export const COMPARE_AND_DELETE: string =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
