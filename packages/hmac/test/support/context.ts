import type { AttacheEvent, AuthContext, OutgoingRequest, RequestDraft } from '@attache/core';
import { toRequestInit } from '@attache/core/internal';

/** An AuthContext as the pipeline builds it, with a fixed clock (epoch ms) and an optional learned offset. */
export function authContext(
  options: { now?: number; offset?: number; attempt?: number; events?: AttacheEvent[] } = {},
): AuthContext {
  const offset = options.offset ?? 0;
  const now = options.now ?? 1_700_000_000_000;
  return {
    attempt: options.attempt ?? 1,
    signal: new AbortController().signal,
    clock: { now: () => now + offset, offset },
    isReplay: false,
    emit: (event) => options.events?.push(event),
  };
}

/** A draft of one hop as the pipeline builds it: `body` is the read-ahead bytes, `null` for an unread stream. */
export function draft(
  url: string,
  init: { method?: string; headers?: HeadersInit; body?: Uint8Array<ArrayBuffer> | null } = {},
): RequestDraft {
  return {
    method: init.method ?? 'GET',
    url: new URL(url),
    headers: new Headers(init.headers),
    body: init.body,
  };
}

/** The `Request` a fetch would make of what the pipeline hands a transport. */
export function requestOf(outgoing: OutgoingRequest): Request {
  return new Request(outgoing.url, toRequestInit(outgoing));
}
