import { ConfigError } from './errors.ts';

/**
 * What the pipeline hands a {@link Transport} for one hop: everything needed to send it, and nothing the
 * transport must parse back. The pipeline never builds a `Request` for it.
 */
export interface OutgoingRequest {
  /** The absolute target of this hop, credentials in the query included when an authenticator put them there. */
  readonly url: string;
  /** The method, upper case for the standard ones. */
  readonly method: string;
  /** The headers to send, credentials included. The transport must not change them. */
  readonly headers: Headers;
  /** The exact body bytes, a stream that can be read once, or `undefined` for none. */
  readonly body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | undefined;
  /** Aborts at the call's deadline or the caller's abort; `undefined` when nothing can abort the call. */
  readonly signal: AbortSignal | undefined;
  /**
   * `'manual'` when the pipeline follows redirects itself (Node and edge): the transport must hand back a 3xx
   * as it is. Otherwise the caller's choice, passed to fetch.
   */
  readonly redirect: 'follow' | 'error' | 'manual';
  /**
   * `RequestInit` members of the caller's own `Request` (credentials, cache, keepalive, integrity, referrer
   * policy, mode) for transports that call a `fetch`; empty for plain calls.
   */
  readonly init: Readonly<RequestInit>;
}

/**
 * Sends one hop and returns its response, like `fetch`. The pipeline calls it once per attempt and per
 * redirect hop. {@link fetchTransport} makes one of any fetch function; the default is the global `fetch`,
 * looked up at call time (so test interceptors such as msw's `setupServer` see every request).
 *
 * A transport that itself presents credentials (a client certificate) says so with `presentsCredentials`: the
 * pipeline then never follows a redirect to an origin outside the allow-list with it (the 3xx is returned as
 * it is).
 *
 * @example
 * ```ts
 * const logged: Transport = (outgoing) => {
 *   console.log(outgoing.method, new URL(outgoing.url).pathname);
 *   return globalFetchTransport(outgoing);
 * };
 * ```
 */
export interface Transport {
  (outgoing: OutgoingRequest): Promise<Response>;
  /** True when the transport itself carries credentials (mTLS): it is used only for allowed origins. */
  readonly presentsCredentials?: boolean;
  /**
   * True when the transport rejects as soon as `outgoing.signal` aborts (before the answer and mid-body), so
   * the pipeline need not race it against the deadline as it does an unknown transport.
   */
  readonly honoursSignal?: boolean;
}

/** A function with fetch's URL-and-init signature (the global `fetch`, undici's, a test double …). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** The `RequestInit` a fetch function gets for an outgoing hop. */
export function toRequestInit(outgoing: OutgoingRequest): RequestInit {
  const init: RequestInit & { duplex?: 'half' } = {
    ...outgoing.init,
    method: outgoing.method,
    headers: outgoing.headers,
    redirect: outgoing.redirect,
  };
  if (outgoing.body !== undefined) {
    init.body = outgoing.body;
    // Required by fetch for a stream body; harmless to state only then.
    if (!(outgoing.body instanceof Uint8Array)) init.duplex = 'half';
  }
  if (outgoing.signal !== undefined) init.signal = outgoing.signal;
  return init;
}

/**
 * Turns any fetch function into a {@link Transport}: it is called with the hop's URL and a `RequestInit`.
 *
 * @example
 * ```ts
 * import { fetch as undiciFetch } from 'undici';
 * createFetch({ baseUrl, auth, transport: fetchTransport(undiciFetch) });
 * ```
 */
export function fetchTransport(fetchFunction: FetchFunction): Transport {
  if (typeof fetchFunction !== 'function') {
    throw new ConfigError('fetchTransport needs a fetch function (input, init) => Promise<Response>');
  }
  return (outgoing) => fetchFunction(outgoing.url, toRequestInit(outgoing));
}

/** The global `fetch`, looked up on every call. */
export const globalFetchTransport: Transport = (outgoing) =>
  globalThis.fetch(outgoing.url, toRequestInit(outgoing));
