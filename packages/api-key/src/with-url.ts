/**
 * Returns a copy of `request` sent to `url`. `Request` has no way to change only its URL, so the copy is
 * rebuilt from the request's fields. `body` is the exact bytes the pipeline read ahead; when it is `null`
 * (a stream that cannot be read ahead) the stream itself is handed over, as the request could not be sent
 * twice anyway.
 */
export function withUrl(request: Request, url: URL, body: Uint8Array | null | undefined): Request {
  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    redirect: request.redirect,
    credentials: request.credentials,
    cache: request.cache,
    integrity: request.integrity,
    keepalive: request.keepalive,
    mode: request.mode,
    referrer: request.referrer,
    referrerPolicy: request.referrerPolicy,
  };
  if (request.body !== null) {
    // The pipeline reads bodies with `arrayBuffer()`, so the bytes sit on a plain ArrayBuffer.
    if (body instanceof Uint8Array) init.body = body as Uint8Array<ArrayBuffer>;
    else {
      init.body = request.body;
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}
