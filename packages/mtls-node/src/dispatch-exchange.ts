import type { IncomingHttpHeaders } from 'node:http';
import type { OutgoingRequest } from '@attache/core';
import type { Dispatcher } from 'undici';

/** Statuses whose response has no body, whatever the server sent (fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Turns a failure of the exchange (undici's own error) into the error the transport throws. */
export type FailureMapper = (error: unknown) => Error;

/** The flat `[name, value, name, value …]` list undici takes without another parse of a `Headers`. */
function flatHeaders(headers: Headers): string[] {
  const flat: string[] = [];
  for (const [name, value] of headers) flat.push(name, value);
  return flat;
}

function toHeaders(target: Headers, incoming: IncomingHttpHeaders): void {
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (typeof value === 'string') target.append(name, value);
    else for (const one of value) target.append(name, one);
  }
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
  const head = outgoing.method === 'HEAD';

  return new Promise<Response>((resolve, reject) => {
    let control: Dispatcher.DispatchController | undefined;
    let body: ReadableStreamDefaultController<Uint8Array> | undefined;
    let settled = false;
    let finished = false;
    let paused = false;

    const onAbort = (): void => {
      const reason: unknown = signal?.reason;
      // Settled first: undici reports its own abort back through onResponseError, synchronously.
      end(reason);
      // undici wants an Error to abort with; the caller still sees the signal's own reason.
      control?.abort(reason instanceof Error ? reason : new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    /** Settles the exchange once: rejects the answer if it has not started, else errors its body. */
    const end = (error: unknown): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (!settled) {
        settled = true;
        reject(error);
      } else if (body !== undefined) {
        try {
          body.error(error);
        } catch {
          // The reader cancelled the body already.
        }
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        control = controller;
        if (signal?.aborted) onAbort();
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        if (statusCode < 200) return;
        const stream =
          head || NULL_BODY_STATUSES.has(statusCode)
            ? null
            : new ReadableStream<Uint8Array>(
                {
                  start(streamController) {
                    body = streamController;
                  },
                  pull() {
                    // Only undo our own pause: `enqueue` calls `pull` synchronously, inside undici's parser,
                    // where resuming would re-enter it.
                    if (!paused) return;
                    paused = false;
                    controller.resume();
                  },
                  cancel(reason) {
                    finished = true;
                    signal?.removeEventListener('abort', onAbort);
                    controller.abort(
                      reason instanceof Error ? reason : new DOMException('Body cancelled', 'AbortError'),
                    );
                  },
                },
                // Up to 64 KiB ahead of the reader before the connection pauses: a typical answer never does.
                { highWaterMark: 65_536, size: (chunk) => chunk.byteLength },
              );
        const response = new Response(
          stream,
          statusMessage ? { status: statusCode, statusText: statusMessage } : { status: statusCode },
        );
        toHeaders(response.headers, headers);
        Object.defineProperty(response, 'url', { value: outgoing.url, enumerable: true });
        settled = true;
        resolve(response);
      },
      onResponseData(controller, chunk) {
        // undici flushes its parser with an empty chunk on resume: queueing it would pause again at once.
        if (body === undefined || finished || chunk.length === 0) return;
        body.enqueue(chunk);
        if ((body.desiredSize ?? 1) <= 0) {
          paused = true;
          controller.pause();
        }
      },
      onResponseEnd() {
        if (finished) return;
        finished = true;
        signal?.removeEventListener('abort', onAbort);
        body?.close();
      },
      onResponseError(_controller, error) {
        if (finished) return;
        end(fail(error));
      },
    };

    const options: Dispatcher.DispatchOptions = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: outgoing.method as Dispatcher.HttpMethod,
      headers: flatHeaders(outgoing.headers),
      // undici reads any async iterable as a streamed body; a web ReadableStream is one on Node.
      body: (outgoing.body ?? null) as NonNullable<Dispatcher.DispatchOptions['body']> | null,
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      end(fail(error));
    }
  });
}
