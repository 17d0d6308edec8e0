import { afterAll, beforeAll } from 'vitest';

/**
 * Records every unhandled promise rejection of the process while this file's tests run. The list is read
 * by a test at the end of the file (after a macrotask turn, so late rejections are in it), and the
 * listener is removed afterwards.
 */
export function recordUnhandledRejections(): { readonly reasons: unknown[]; settle(): Promise<void> } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(() => {
    process.off('unhandledRejection', listener);
  });
  return {
    reasons,
    // Node reports an unhandled rejection after the microtask queue drains: two macrotask turns are enough.
    settle: () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve))),
  };
}
