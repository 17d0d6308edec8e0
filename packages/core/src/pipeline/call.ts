import { raceSignal } from '../deadline.ts';
import { ConfigError } from '../errors.ts';
import { type RedactedRequest, redactRequest } from '../redact.ts';
import { type ResolvedRetry, resolveRetry } from '../retry-policy.ts';
import { checkTimeout, type PipelineConfig } from './config.ts';
import type { AttacheRequestInit, CallOptions } from './options.ts';

/** A call as the pipeline reads it: the caller's input and init, normalised once. */
export interface Call {
  readonly url: URL;
  readonly method: string;
  /** The caller's headers (a copy), `Idempotency-Key` included when asked for. */
  readonly headers: Headers;
  /** Body bytes, `undefined` for none, `null` for a stream (see `stream`), or still to be read (`pending`). */
  body: Uint8Array<ArrayBuffer> | null | undefined;
  /** A `Request` whose body must still be read into bytes (Blob, FormData, a caller's Request). */
  readonly pending: Request | undefined;
  /** A stream body: sent once, never replayed. */
  readonly stream: ReadableStream<Uint8Array> | undefined;
  readonly signal: AbortSignal | null | undefined;
  /** The caller's redirect mode (`follow`, `manual`, `error`). */
  readonly redirect: 'follow' | 'error' | 'manual';
  /** `RequestInit` members of the caller's `Request` that every hop carries. */
  readonly init: Readonly<RequestInit>;
  readonly timeout: number | false;
  readonly retry: ResolvedRetry;
  readonly retryOnUnauthorized: boolean;
  /** The connected account the call acts for, when it names one. */
  readonly account: string | undefined;
  /** A redacted snapshot of the caller's request, for errors and events; built on first use. */
  snapshot(): RedactedRequest;
}

/** What `createClient` tells the pipeline besides fetch's arguments. */
export interface CallHints {
  /** The call options, when they do not travel in `init`. */
  readonly options?: CallOptions;
  /** The body is a stream (ky hands the pipeline a `Request`, where that is no longer visible). */
  readonly streamed?: boolean;
  /** The call's id, taken where the face started the call (see `bindCall`). */
  readonly callId?: string | undefined;
  /**
   * The caller's signal, when the face knows it: `null` for none. Absent: the signal of the `Request` input
   * is followed (ky's carries one of its own on every call, which aborts only on what the caller asked for).
   */
  readonly signal?: AbortSignal | null;
}

const ABSOLUTE_URL = /^[a-z][a-z\d+\-.]*:/i;
// A relative reference that is a path below the base (not `/…`, `//…`, `\…`, `?…`, `#…` or led by spaces).
const PLAIN_RELATIVE = /^[\w.~-]/;
const CALL_OPTION_KEYS = ['timeout', 'retry', 'retryOnUnauthorized', 'idempotencyKey', 'account'] as const;
const ACCOUNT = /^[\x21-\x7e]{1,256}$/;
// Methods fetch sends as written (upper case); others are normalized or refused by the Request constructor.
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
const PLAIN_INIT_KEYS = new Set(['method', 'headers', 'signal', 'body', ...CALL_OPTION_KEYS]);
const TEXT = 'text/plain;charset=UTF-8';
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';

/**
 * A relative input against the base: text joined below it when that resolves the same (a string to parse),
 * else WHATWG URL resolution against the base with a trailing slash, exactly as ky's `baseUrl` (the client
 * face) does: `orders` lands under the base path, `/orders` at the origin's root.
 */
function againstBase(config: PipelineConfig, input: string, baseUrl: string): string | URL {
  if (config.joinBase !== undefined && PLAIN_RELATIVE.test(input)) return config.joinBase + input;
  return new URL(input, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
}

function resolveUrl(config: PipelineConfig, input: string): URL {
  // A regex first: a thrown and caught URL parse costs more than the rest of a call.
  if (ABSOLUTE_URL.test(input)) return new URL(input);
  const baseUrl = config.baseUrl;
  if (baseUrl === undefined) throw new ConfigError('A relative URL needs a baseUrl; none is configured');
  const resolved = againstBase(config, input, baseUrl);
  return typeof resolved === 'string' ? new URL(resolved) : resolved;
}

/**
 * A string input as an absolute URL string, resolved as {@link resolveUrl} resolves it, for a face that hands
 * the URL to a library (ky) which would resolve it again its own, slower way. An absolute input, or any input
 * without a `baseUrl`, is returned as given.
 */
export function absoluteHref(config: PipelineConfig, input: string): string {
  const baseUrl = config.baseUrl;
  if (baseUrl === undefined || ABSOLUTE_URL.test(input)) return input;
  const resolved = againstBase(config, input, baseUrl);
  return typeof resolved === 'string' ? resolved : resolved.href;
}

const NO_OPTIONS: CallOptions = Object.freeze({});
const NO_INIT: RequestInit = Object.freeze({});

function pickCallOptions(init: AttacheRequestInit | undefined): CallOptions {
  if (init === undefined) return NO_OPTIONS;
  const result: Record<string, unknown> = {};
  for (const key of CALL_OPTION_KEYS) if (init[key] !== undefined) result[key] = init[key];
  return result;
}

/** Bytes of a body fetch would send as is, with the content type fetch would give it; else `undefined`. */
function plainBody(body: unknown, headers: Headers): Uint8Array<ArrayBuffer> | undefined {
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', TEXT);
    return new TextEncoder().encode(body);
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', FORM);
    return new TextEncoder().encode(body.toString());
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) {
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    // A view of a SharedArrayBuffer could change under the signature: copied.
    return view.buffer instanceof ArrayBuffer ? (view as Uint8Array<ArrayBuffer>) : new Uint8Array(view);
  }
  return undefined;
}

interface Source {
  method: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer> | null | undefined;
  pending: Request | undefined;
  stream: ReadableStream<Uint8Array> | undefined;
  signal: AbortSignal | null | undefined;
  redirect: 'follow' | 'error' | 'manual';
  init: RequestInit;
}

/** A URL call whose init fetch would read as the pipeline does: no `Request` is built for it. */
function plainSource(init: RequestInit): Source | undefined {
  for (const key in init) if (!PLAIN_INIT_KEYS.has(key)) return undefined;
  const method = init.method ?? 'GET';
  if (!PLAIN_METHODS.has(method)) return undefined;
  const signal = init.signal;
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) return undefined;
  const headers = new Headers(init.headers);
  const given = init.body;
  const none = given === undefined || given === null;
  const stream = typeof ReadableStream !== 'undefined' && given instanceof ReadableStream ? given : undefined;
  const bytes = none || stream ? undefined : plainBody(given, headers);
  // Blob, FormData: fetch's rules; a GET or HEAD with a body: fetch's TypeError, not a network error retried.
  if (!none && ((bytes === undefined && !stream) || method === 'GET' || method === 'HEAD')) return undefined;
  const body = stream ? null : bytes;
  return { method, headers, body, pending: undefined, stream, signal, redirect: 'follow', init: NO_INIT };
}

function requestSource(request: Request, streamed: boolean): Source {
  const stream = streamed && request.body !== null ? request.body : undefined;
  return {
    method: request.method.toUpperCase(),
    // Entry by entry: only the values are carried, not the object (a Headers copied whole from a Request
    // that was itself rebuilt from another carries some values twice under msw's interceptor, which users'
    // test suites run: test/headers-copy.test.ts).
    headers: new Headers([...request.headers]),
    body: request.body === null ? undefined : stream ? null : undefined,
    pending: request.body !== null && stream === undefined ? request : undefined,
    stream,
    signal: request.signal,
    redirect: request.redirect,
    init: requestMembers(request),
  };
}

/**
 * The `RequestInit` members of a caller's `Request` that every hop carries, those that differ from fetch's
 * defaults only (ky's requests, for one, carry none): each member given to fetch is checked again there.
 */
function requestMembers(request: Request): RequestInit {
  const credentials = request.credentials;
  const keepalive = request.keepalive;
  const integrity = request.integrity;
  const referrerPolicy = request.referrerPolicy;
  const cache = request.cache;
  if (
    credentials === 'same-origin' &&
    !keepalive &&
    integrity === '' &&
    referrerPolicy === '' &&
    cache === 'default'
  ) {
    return NO_INIT;
  }
  return { credentials, keepalive, integrity, referrerPolicy, cache };
}

function readSource(url: URL, input: Request | string | URL, init: RequestInit, streamed: boolean): Source {
  if (!(input instanceof Request)) {
    const plain = plainSource(init);
    if (plain !== undefined) return plain;
  }
  if (input instanceof Request && init.body === undefined && isEmpty(init))
    return requestSource(input, streamed);
  const stream = typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream;
  const {
    timeout: _t,
    retry: _r,
    retryOnUnauthorized: _u,
    idempotencyKey: _k,
    account: _a,
    ...rest
  } = init as AttacheRequestInit;
  const built = new Request(input instanceof Request ? input : url, {
    ...rest,
    ...(stream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return requestSource(built, streamed || stream);
}

function isEmpty(object: object): boolean {
  for (const _key in object) return false;
  return true;
}

/**
 * Normalises a call: resolves the URL, reads the call options, copies the caller's headers, and takes the
 * body as bytes where it can without building a `Request`.
 *
 * @throws {ConfigError} for a relative URL without `baseUrl`, a URL with user:password, or bad call options.
 */
export function normalizeCall(
  config: PipelineConfig,
  input: Request | string | URL,
  init: AttacheRequestInit | undefined,
  hints: CallHints | undefined,
): Call {
  const url =
    input instanceof Request
      ? new URL(input.url)
      : resolveUrl(config, input instanceof URL ? input.href : String(input));
  if (url.username !== '' || url.password !== '') {
    // fetch's own TypeError would quote the URL, password included.
    throw new ConfigError(
      'The request URL carries user:password@; pass the credentials to basicAuth instead',
    );
  }
  const options = hints?.options ?? pickCallOptions(init);
  const account = options.account;
  if (account !== undefined && (typeof account !== 'string' || !ACCOUNT.test(account))) {
    throw new ConfigError('init.account must be 1 to 256 visible ASCII characters');
  }
  const source = readSource(url, input, init ?? NO_INIT, hints?.streamed === true);
  if (options.idempotencyKey !== undefined && !source.headers.has('idempotency-key')) {
    const key = options.idempotencyKey === 'auto' ? crypto.randomUUID() : options.idempotencyKey;
    source.headers.set('idempotency-key', key);
  }
  let redacted: RedactedRequest | undefined;
  return {
    url,
    method: source.method,
    headers: source.headers,
    body: source.body,
    pending: source.pending,
    stream: source.stream,
    signal: hints?.signal === undefined ? source.signal : hints.signal,
    redirect: source.redirect,
    init: source.init,
    timeout: options.timeout === undefined ? config.timeout : checkTimeout(options.timeout, 'init.timeout'),
    retry: resolveRetry(options.retry, config.retry, 'init.retry'),
    retryOnUnauthorized: options.retryOnUnauthorized ?? true,
    account,
    snapshot() {
      redacted ??= redactRequest({ method: source.method, url, headers: source.headers }, config.sensitive);
      return redacted;
    },
  };
}

/** Reads a body that was not yet bytes (Blob, FormData, a caller's `Request`) once, within the deadline. */
export async function readBody(call: Call, signal: AbortSignal): Promise<void> {
  if (call.pending === undefined) return;
  call.body = new Uint8Array(await raceSignal(call.pending.arrayBuffer(), signal));
}
