import type { OutgoingRequest } from '@attache/core';
import type { Dispatcher, RequestInit as UndiciRequestInit, Response as UndiciResponse } from 'undici';

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * undici's `fetch` does not accept a `Request` made by another fetch implementation (Node's global one
 * included), so the request is taken apart into a URL and an init. Redirects are never followed here: the
 * pipeline follows them itself, dropping credentials when the origin changes.
 */
export function toUndiciInit(outgoing: OutgoingRequest, dispatcher: Dispatcher): UndiciRequestInit {
  const body = outgoing.body;
  return {
    method: outgoing.method,
    headers: Array.from(outgoing.headers),
    ...(body === undefined
      ? {}
      : { body, ...(body instanceof Uint8Array ? {} : { duplex: 'half' as const }) }),
    redirect: 'manual',
    ...(outgoing.signal === undefined ? {} : { signal: outgoing.signal }),
    dispatcher,
  };
}

/**
 * Re-wraps undici's response in the platform's `Response`, so callers (ky, `instanceof Response` checks)
 * get the class they expect. The body stream is handed over, not copied.
 */
export function toGlobalResponse(response: UndiciResponse): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  const nullBody = NULL_BODY_STATUSES.has(response.status);
  if (nullBody && response.body !== null) {
    response.body.cancel().catch(() => undefined);
  }
  const result = new Response(nullBody ? null : (response.body as ReadableStream<Uint8Array> | null), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
  Object.defineProperty(result, 'url', { value: response.url, enumerable: true });
  return result;
}
