import type { RedactedRequest } from './redact.ts';

/** What the pipeline learned about a response, read by `createClient` to build typed errors. */
export interface ResponseMeta {
  /** How many times the request was sent. */
  readonly attempts: number;
  /** A redacted snapshot of the last request sent, credentials masked. */
  readonly request?: RedactedRequest;
  /** The server's `Retry-After` in ms, when it was not waited for. */
  readonly retryAfter?: number;
  /** Why a 401 was not replayed with fresh credentials, when replay was impossible. */
  readonly replayBlocked?: string;
  /**
   * Masks, in text the partner sent back (headers of an error response), every credential value the last
   * request carried: partners do echo request URLs and tokens into `Location` or `WWW-Authenticate`.
   */
  readonly scrub?: (text: string) => string;
}

// A symbol-keyed property rather than a WeakMap: every response would otherwise be an ephemeron entry, which
// costs more per call than the rest of the bookkeeping together.
const META: unique symbol = Symbol('attache.responseMeta');

// A class, not an object literal with a getter: one shape for every response, and no closure per call.
class RecordedMeta implements ResponseMeta {
  readonly attempts: number;
  readonly retryAfter?: number;
  readonly replayBlocked?: string;
  readonly scrub?: (text: string) => string;
  #snapshot: RedactedRequest | undefined;
  readonly #request: () => RedactedRequest;

  constructor(value: Omit<ResponseMeta, 'request'>, request: () => RedactedRequest) {
    this.attempts = value.attempts;
    if (value.retryAfter !== undefined) this.retryAfter = value.retryAfter;
    if (value.replayBlocked !== undefined) this.replayBlocked = value.replayBlocked;
    if (value.scrub !== undefined) this.scrub = value.scrub;
    this.#request = request;
  }

  get request(): RedactedRequest {
    this.#snapshot ??= this.#request();
    return this.#snapshot;
  }
}

/** Records what the pipeline learned; the redacted request snapshot is computed only if someone reads it. */
export function setResponseMeta(
  response: Response,
  value: Omit<ResponseMeta, 'request'>,
  request: () => RedactedRequest,
): void {
  // A transport may hand back a frozen response: it then carries no metadata, and errors fall back to less.
  if (!Object.isExtensible(response)) return;
  Object.defineProperty(response, META, { value: new RecordedMeta(value, request), configurable: true });
}

/** What the pipeline recorded about a response it returned, if it came from an Attaché pipeline. */
export function getResponseMeta(response: Response): ResponseMeta | undefined {
  return (response as Response & { [META]?: ResponseMeta })[META];
}
