import type { OutgoingRequest } from '@attache/core';

/**
 * What the pipeline hands a transport for `request`: its body read ahead into bytes, redirects left to the
 * pipeline (`'manual'`), no `RequestInit` of a caller's own.
 */
export async function outgoingOf(request: Request): Promise<OutgoingRequest> {
  return {
    url: request.url,
    method: request.method,
    headers: new Headers(request.headers),
    body: request.body === null ? undefined : new Uint8Array(await request.arrayBuffer()),
    signal: request.signal,
    redirect: 'manual',
    init: {},
  };
}
