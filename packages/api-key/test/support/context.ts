import type { AuthContext } from '@attache/core';

/** The context the pipeline would pass on a first attempt. */
export function authContext(): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => 0, offset: 0 },
    isReplay: false,
    emit: () => {},
  };
}
