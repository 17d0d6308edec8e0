import { ConfigError, type OutgoingRequest, type Transport } from '@attache/core';
import { toRequestInit } from '@attache/core/internal';
import { getResponse, type RequestHandler } from 'msw';

/** An msw server or worker (`setupServer()`, `setupWorker()`): its current handlers are used, `use()` included. */
export interface HandlerSource {
  listHandlers(): readonly unknown[];
}

/** Options of {@link mswTransport}. */
export interface MswTransportOptions {
  /**
   * Called with `METHOD origin/path` of a request no handler answered, before the transport rejects it. Use
   * it to fail the test even when the code under test catches the error (a retry, a `try`).
   */
  readonly onUnhandledRequest?: (request: string) => void;
}

function isHandlerSource(value: unknown): value is HandlerSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { listHandlers?: unknown }).listHandlers === 'function'
  );
}

/**
 * A transport that answers from msw handlers instead of the network, for code whose production transport
 * msw cannot intercept (`nodeTransport`, `mtlsTransport`: undici's dispatcher, not `fetch`). The switch in a
 * test is one line, `transport: mswTransport(server)`; every request reaches the same handlers (and
 * `server.use()` overrides) a `setupServer` would, and one that no handler answers is rejected, never sent.
 *
 * @param handlers an msw server or worker (its handlers are read on every request), or a list of handlers.
 * @throws {ConfigError} synchronously, when `handlers` is neither; the returned transport rejects with a
 *   `ConfigError` naming the method and path (never the query) of a request no handler answered.
 * @example
 * ```ts
 * const server = setupServer(...api.handlers);
 * const partner = createFetch({ baseUrl: 'https://api.partner.test', auth, transport: mswTransport(server) });
 * ```
 */
export function mswTransport(
  handlers: HandlerSource | readonly RequestHandler[],
  options: MswTransportOptions = {},
): Transport {
  const source = isHandlerSource(handlers) ? handlers : undefined;
  if (source === undefined && !Array.isArray(handlers)) {
    throw new ConfigError('mswTransport needs an msw server (setupServer()) or an array of request handlers');
  }
  const fixed = source === undefined ? (handlers as readonly RequestHandler[]) : undefined;
  const onUnhandled = options.onUnhandledRequest;
  if (onUnhandled !== undefined && typeof onUnhandled !== 'function') {
    throw new ConfigError('onUnhandledRequest must be a function');
  }

  return async (outgoing: OutgoingRequest): Promise<Response> => {
    // The Request the global fetch would have been handed for this hop.
    const request = new Request(outgoing.url, toRequestInit(outgoing));
    const list = (fixed ?? (source?.listHandlers() as RequestHandler[])) as RequestHandler[];
    const response = await getResponse(list, request);
    if (response !== undefined) return response;
    const url = new URL(outgoing.url);
    const described = `${outgoing.method} ${url.origin}${url.pathname}`;
    onUnhandled?.(described);
    throw new ConfigError(`No msw handler answered ${described}`);
  };
}
