import {
  ConfigError,
  NetworkError,
  type OutgoingRequest,
  type RedactedRequest,
  type Transport,
} from '@attache/core';
import { checkOptionalNumber } from '@attache/core/internal';
import type { Agent } from 'undici';
import { dispatchExchange } from './dispatch-exchange.ts';
import { createDispatcher, type ProxySetting } from './proxy.ts';

/**
 * Options of {@link nodeTransport}. Every option has undici's default when left out.
 *
 * @example
 * ```ts
 * const transport = nodeTransport({ connections: 32, pipelining: 1, keepAliveTimeout: 10_000 });
 * ```
 */
export interface NodeTransportOptions {
  /** Most connections per origin. Default: unlimited (one per concurrent request). */
  readonly connections?: number;
  /**
   * Requests sent on one HTTP/1.1 connection before the first answer arrives. `1` (the default) waits for
   * each answer; more helps against servers known to handle pipelining, and hurts behind ones that do not.
   */
  readonly pipelining?: number;
  /**
   * Offer HTTP/2 in the TLS handshake (ALPN, after HTTP/1.1) and use it when the server picks it; `false`
   * keeps to HTTP/1.1. Default `true` (undici's). Plain-http origins always use HTTP/1.1.
   */
  readonly allowH2?: boolean;
  /** How long an idle connection is kept open, in ms. Default `4_000` (undici's). */
  readonly keepAliveTimeout?: number;
  /** Connect (+ TLS handshake) timeout in ms. Default `10_000`. */
  readonly connectTimeout?: number;
  /**
   * Longest wait for the response headers, in ms; `0` for none. Default `300_000` (undici's). The pipeline's
   * `timeout` bounds the whole call anyway.
   */
  readonly headersTimeout?: number;
  /** Longest pause between two body chunks, in ms; `0` for none. Default `300_000` (undici's). */
  readonly bodyTimeout?: number;
  /**
   * Send through a forward proxy: `'env'` honours `HTTPS_PROXY` and `HTTP_PROXY` (read when the transport is
   * created) and `NO_PROXY`; a URL, credentials included (wrap it in `secret()`), is used for every request.
   * https targets go through a CONNECT tunnel (TLS is end to end with the partner); http targets are
   * forwarded. The proxy's credentials never appear in errors. Default: no proxy, environment ignored.
   */
  readonly proxy?: ProxySetting;
}

/** A {@link Transport} with its own keep-alive connection pools, one per origin, and their lifecycle. */
export interface NodeTransport extends Transport {
  /** Sends one hop over this transport's connections. Redirects are returned, never followed. */
  (outgoing: OutgoingRequest): Promise<Response>;
  /** Stops taking requests, lets in-flight ones finish, then closes every connection. */
  close(): Promise<void>;
  /** Stops at once: in-flight requests fail and every connection is closed. */
  destroy(): Promise<void>;
}

/** undici `Agent` options shared by {@link nodeTransport} and `mtlsTransport`, checked. */
export function poolOptions(options: NodeTransportOptions): Agent.Options {
  const connections = checkOptionalNumber(options.connections, 'connections', {
    min: 'positive',
    integer: true,
  });
  const pipelining = checkOptionalNumber(options.pipelining, 'pipelining', {
    min: 'non-negative',
    integer: true,
  });
  const keepAliveTimeout = checkOptionalNumber(options.keepAliveTimeout, 'keepAliveTimeout', {
    min: 'positive',
    unit: 'ms',
  });
  const headersTimeout = checkOptionalNumber(options.headersTimeout, 'headersTimeout', {
    min: 'non-negative',
    unit: 'ms',
  });
  const bodyTimeout = checkOptionalNumber(options.bodyTimeout, 'bodyTimeout', {
    min: 'non-negative',
    unit: 'ms',
  });
  if (options.allowH2 !== undefined && typeof options.allowH2 !== 'boolean') {
    throw new ConfigError(`allowH2 must be a boolean, got ${String(options.allowH2)}`);
  }
  return {
    ...(connections === undefined ? {} : { connections }),
    ...(pipelining === undefined ? {} : { pipelining }),
    ...(keepAliveTimeout === undefined ? {} : { keepAliveTimeout }),
    ...(headersTimeout === undefined ? {} : { headersTimeout }),
    ...(bodyTimeout === undefined ? {} : { bodyTimeout }),
    ...(options.allowH2 === undefined ? {} : { allowH2: options.allowH2 }),
  };
}

/** Only what cannot carry a credential: the transport does not know which headers or parameters hold one. */
export function snapshotOf(method: string, url: URL): RedactedRequest {
  return { method, url: `${url.origin}${url.pathname}`, headers: {} };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A retryable `NetworkError` naming the hop (without its query) and undici's code and message. */
export function networkFailure(
  error: unknown,
  method: string,
  target: string,
  scrub: (text: string) => string = (text) => text,
): NetworkError {
  const url = new URL(target);
  const code = codeOf(error);
  const message = scrub(error instanceof Error ? error.message : String(error));
  const detail = code === undefined || message.includes(code) ? message : `${code} ${message}`;
  return new NetworkError(`Network error for ${method} ${url.origin}${url.pathname} (${detail})`, {
    cause: error,
    request: snapshotOf(method, url),
  });
}

/**
 * Creates a transport for Node on undici's dispatcher API (not its `fetch`): an undici `Agent` keeps a
 * keep-alive pool per origin, each hop is dispatched straight onto it, and the answer is wrapped in a web
 * `Response` whose body is undici's stream handed over. Redirects are returned, never followed (the
 * pipeline follows them). A failure to connect or a connection lost mid-body is a `NetworkError` (the
 * pipeline retries it); an abort rejects with the signal's reason.
 *
 * Pass it as `transport` to `createFetch` or `createClient`; `close()` it when the client is done.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const transport = nodeTransport({ connections: 32 });
 * const partner = createFetch({ baseUrl: 'https://api.partner.example', auth, transport });
 * // …
 * await transport.close();
 * ```
 */
export function nodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('nodeTransport options must be an object');
  const connectTimeout = checkOptionalNumber(options.connectTimeout, 'connectTimeout', {
    min: 'positive',
    unit: 'ms',
  });
  const timeout = connectTimeout ?? 10_000;
  const { dispatcher: agent, scrub } = createDispatcher(
    options.proxy,
    { ...poolOptions(options), connect: { timeout } },
    { timeout, ...(options.allowH2 === undefined ? {} : { allowH2: options.allowH2 }) },
  );
  let closed = false;

  const send = (outgoing: OutgoingRequest): Promise<Response> => {
    if (closed) return Promise.reject(new ConfigError('This nodeTransport was closed; create a new one'));
    return dispatchExchange(agent, outgoing, (error) =>
      networkFailure(error, outgoing.method, outgoing.url, scrub),
    );
  };
  return Object.assign(send, {
    honoursSignal: true as const,
    close(): Promise<void> {
      closed = true;
      return agent.close();
    },
    destroy(): Promise<void> {
      closed = true;
      return agent.destroy();
    },
  });
}
