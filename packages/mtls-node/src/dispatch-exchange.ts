import type { OutgoingRequest } from '@attache/core';
import type { Dispatcher } from 'undici';
import { ExchangeHandler, type FailureMapper } from './exchange-handler.ts';

export type { FailureMapper } from './exchange-handler.ts';

const ONCE: AddEventListenerOptions = { once: true };

/** The flat `[name, value, name, value …]` list undici takes without another parse of a `Headers`. */
function flatHeaders(headers: Headers): string[] {
  const flat: string[] = [];
  headers.forEach((value, name) => {
    flat.push(name, value);
  });
  return flat;
}

/**
 * Sends one hop through an undici dispatcher's `dispatch` and answers with a web `Response`: the status and
 * headers go straight into the `Response`'s own `Headers` (built once), and the body is a `ReadableStream`
 * fed by undici's chunks with backpressure (the connection pauses while the reader lags). No undici
 * `fetch`, no Node stream in between: that layer is what makes `fetch` slower than the dispatcher.
 *
 * Redirects are never followed (the pipeline follows them itself, dropping credentials across origins).
 * An abort rejects at once with the signal's reason, before or after the answer started; any other failure,
 * before the answer or while its body streams, is handed to `fail` first.
 */
export function dispatchExchange(
  dispatcher: Dispatcher,
  outgoing: OutgoingRequest,
  fail: FailureMapper,
): Promise<Response> {
  const signal = outgoing.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const url = new URL(outgoing.url);
  return new Promise<Response>((resolve, reject) => {
    const exchange = new ExchangeHandler(outgoing, fail, resolve, reject);
    signal?.addEventListener('abort', exchange.onAbort, ONCE);
    const options: Dispatcher.DispatchOptions = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: outgoing.method as Dispatcher.HttpMethod,
      headers: flatHeaders(outgoing.headers),
      // undici reads any async iterable as a streamed body; a web ReadableStream is one on Node.
      body: (outgoing.body ?? null) as NonNullable<Dispatcher.DispatchOptions['body']> | null,
    };
    try {
      dispatcher.dispatch(options, exchange);
    } catch (error) {
      exchange.end(fail(error));
    }
  });
}
