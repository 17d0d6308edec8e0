import type { AuthContext } from '@attache/core';

/** The context the pipeline would pass on a first attempt; `body` is the read-ahead body bytes. */
export function authContext(body?: Uint8Array<ArrayBuffer> | null): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => 0, offset: 0 },
    isReplay: false,
    body,
    emit: () => {},
  };
}
