import type { IncomingHttpHeaders } from 'node:http';
import type { OutgoingRequest } from '@attache/core';
import type { Dispatcher } from 'undici';

/** Statuses whose response has no body, whatever the server sent (fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Up to 64 KiB ahead of the reader before the connection pauses: a typical answer never does. */
const BODY_QUEUE: QueuingStrategy<Uint8Array> = { highWaterMark: 65_536, size: (chunk) => chunk.byteLength };

/** Turns a failure of the exchange (undici's own error) into the error the transport throws. */
export type FailureMapper = (error: unknown) => Error;

function toHeaders(target: Headers, incoming: IncomingHttpHeaders): void {
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (typeof value === 'string') target.append(name, value);
    else for (const one of value) target.append(name, one);
  }
}

/**
 * One hop's exchange with undici: its dispatch handler, the listener of the hop's abort signal (`onAbort`)
 * and the underlying source of the answer's body stream (`start`, `pull`, `cancel`). One object per hop plays
 * all three parts, as methods rather than closures, because this runs for every request — except the abort
 * listener: Node wraps a listener object (`handleEvent`) in an async closure, and with one per request in
 * flight, scavenges kept every request's objects alive until a full collection (docs/performance.md); a
 * plain function listener does not.
 */
export class ExchangeHandler implements Dispatcher.DispatchHandler, UnderlyingDefaultSource<Uint8Array> {
  private readonly outgoing: OutgoingRequest;
  private readonly signal: AbortSignal | undefined;
  private readonly fail: FailureMapper;
  private readonly resolve: (response: Response) => void;
  private readonly reject: (error: unknown) => void;
  private control: Dispatcher.DispatchController | undefined = undefined;
  private body: ReadableStreamDefaultController<Uint8Array> | undefined = undefined;
  private settled = false;
  private finished = false;
  private paused = false;

  constructor(
    outgoing: OutgoingRequest,
    fail: FailureMapper,
    resolve: (response: Response) => void,
    reject: (error: unknown) => void,
  ) {
    this.outgoing = outgoing;
    this.signal = outgoing.signal;
    this.fail = fail;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** The hop's signal aborted: the listener given to the signal. */
  readonly onAbort = (): void => this.abort();

  private abort(): void {
    const reason: unknown = this.signal?.reason;
    // Settled first: undici reports its own abort back through onResponseError, synchronously.
    this.end(reason);
    // undici wants an Error to abort with; the caller still sees the signal's own reason.
    this.control?.abort(reason instanceof Error ? reason : new DOMException('Aborted', 'AbortError'));
  }

  /** Settles the exchange once: rejects the answer if it has not started, else errors its body. */
  end(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    } else if (this.body !== undefined) {
      try {
        this.body.error(error);
      } catch {
        // The reader cancelled the body already.
      }
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.control = controller;
    if (this.signal?.aborted) this.abort();
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return;
    this.control = controller;
    const empty = this.outgoing.method === 'HEAD' || NULL_BODY_STATUSES.has(statusCode);
    const response = new Response(
      empty ? null : new ReadableStream<Uint8Array>(this, BODY_QUEUE),
      statusMessage ? { status: statusCode, statusText: statusMessage } : { status: statusCode },
    );
    toHeaders(response.headers, headers);
    Object.defineProperty(response, 'url', { value: this.outgoing.url, enumerable: true });
    this.settled = true;
    this.resolve(response);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // undici flushes its parser with an empty chunk on resume: queueing it would pause again at once.
    if (this.body === undefined || this.finished || chunk.length === 0) return;
    this.body.enqueue(chunk);
    if ((this.body.desiredSize ?? 1) <= 0) {
      this.paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.body?.close();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.finished) return;
    this.end(this.fail(error));
  }

  start(streamController: ReadableStreamDefaultController<Uint8Array>): void {
    this.body = streamController;
  }

  pull(): void {
    // Only undo our own pause: `enqueue` calls `pull` synchronously, inside undici's parser, where resuming
    // would re-enter it.
    if (!this.paused) return;
    this.paused = false;
    this.control?.resume();
  }

  cancel(reason: unknown): void {
    this.finished = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.control?.abort(reason instanceof Error ? reason : new DOMException('Body cancelled', 'AbortError'));
  }
}
