import {
  CLIENT_CERT,
  REQUEST_BODY,
  REQUEST_HEADERS,
  REQUEST_URL,
  RESPONSE_BODY,
  RESPONSE_HEADERS,
  type Vector,
} from '../fixtures/rfc9421.ts';

/**
 * A request as a server receives it. Browsers drop forbidden header names (`Date`, `Content-Length`) from a
 * `Request` they construct, though a server sees them; there the request is modelled with an unguarded
 * `Headers`, which keeps them.
 */
export function serverRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Request {
  const request = new Request(url, init);
  if (Object.keys(init.headers).every((name) => request.headers.has(name))) return request;
  const bytes = new TextEncoder().encode(init.body ?? '');
  const like = {
    method: init.method,
    url: request.url,
    headers: new Headers(init.headers),
    body: init.body === undefined ? null : new Blob([bytes]).stream(),
    bodyUsed: false,
    clone: () => like,
    arrayBuffer: async () => bytes.buffer,
  };
  return like as unknown as Request;
}

export function rfcRequest(extra: Record<string, string> = {}): Request {
  return serverRequest(REQUEST_URL, {
    method: 'POST',
    headers: { ...REQUEST_HEADERS, ...extra },
    body: REQUEST_BODY,
  });
}

export function rfcResponse(extra: Record<string, string> = {}): Response {
  return new Response(RESPONSE_BODY, { status: 200, headers: { ...RESPONSE_HEADERS, ...extra } });
}

export function proxyRequest(extra: Record<string, string> = {}): Request {
  return serverRequest('https://service.internal.example/foo?param=Value&Pet=dog', {
    method: 'POST',
    headers: {
      date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'content-type': 'application/json',
      'content-length': '18',
      'client-cert': CLIENT_CERT,
      ...extra,
    },
    body: REQUEST_BODY,
  });
}

/** The vector's message, carrying its published `Signature-Input` and `Signature`. */
export function signedVectorMessage(vector: Vector): Request | Response {
  const extra = { 'signature-input': vector.signatureInput, signature: vector.signature };
  switch (vector.message) {
    case 'request':
      return rfcRequest(extra);
    case 'response':
      return rfcResponse(extra);
    case 'proxy-request':
      return proxyRequest(extra);
  }
}
