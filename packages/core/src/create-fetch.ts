import {
  type AuthContext,
  type Authenticator,
  type ChallengeContext,
  checkDraftTarget,
  type RequestDraft,
} from './authenticator.ts';
import { createLearningClock, type LearningClock } from './clock.ts';
import { createDeadline, type Deadline, raceSignal, sleep } from './deadline.ts';
import {
  ConfigError,
  InsecureTransportError,
  isAttacheError,
  NetworkError,
  OriginNotAllowedError,
  RedirectError,
} from './errors.ts';
import type { AttacheEvent, EventListener } from './events.ts';
import { isLoopbackHost, normalizeOrigin } from './origin-policy.ts';
import {
  type RedactedRequest,
  redactRequest,
  redactUrl,
  SENSITIVE_HEADERS,
  SENSITIVE_QUERY,
  type SensitiveNames,
} from './redact.ts';
import { setResponseMeta } from './response-meta.ts';
import { parseRetryAfter } from './retry-after.ts';
import {
  backoffDelay,
  createRetryBudget,
  DEFAULT_RETRY,
  type ResolvedRetry,
  type RetryBudgetOptions,
  type RetryOptions,
  resolveRetry,
} from './retry-policy.ts';
import { globalFetchTransport, type Transport } from './transport.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

/**
 * Options of {@link createFetch} (and of `createClient`, which adds ky's).
 *
 * @example
 * ```ts
 * const fetch = createFetch({
 *   baseUrl: 'https://api.partner.example',
 *   auth: bearerAuth({ token: secret(process.env.PARTNER_TOKEN!) }),
 *   timeout: 10_000,
 *   onEvent: (event) => console.log(event.type),
 * });
 * ```
 */
export interface CreateFetchOptions {
  /**
   * Base URL for relative inputs (`fetch('orders/1')` → `${baseUrl}/orders/1`). Its origin is the default
   * allow-list for credentials.
   */
  readonly baseUrl?: string;
  /** One authenticator or several, run in order on every attempt (signers last). */
  readonly auth?: Authenticator | readonly Authenticator[];
  /**
   * Origins credentials may be sent to. Default: the origin of `baseUrl`. A request to any other origin
   * fails with `OriginNotAllowedError` before anything is sent.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Host names that may receive credentials over plain `http:` besides loopback (127.0.0.0/8, ::1,
   * localhost). Default: none.
   */
  readonly allowInsecureHosts?: readonly string[];
  /** Sends each request. Default: the global `fetch`, looked up at call time. */
  readonly transport?: Transport;
  /**
   * One deadline in ms for the whole call: token acquisition, every attempt, every backoff wait, every
   * redirect. `false` for none. Default `30_000`.
   */
  readonly timeout?: number | false;
  /** Transient retry policy, a number of retries, or `false`. See {@link RetryOptions}. Default: 2 retries. */
  readonly retry?: RetryOptions | number | false;
  /** Retry budget shared by every call of this client, or `false` to turn it off. */
  readonly retryBudget?: RetryBudgetOptions | false;
  /**
   * Who follows redirects: `'pipeline'` (Node and edge default: manual hops, credentials dropped on a change of
   * origin, https → http refused) or `'platform'` (browser default: the browser follows and hides targets).
   */
  readonly redirects?: 'pipeline' | 'platform';
  /** Most redirect hops followed by the pipeline. Default `10`. */
  readonly maxRedirects?: number;
  /** Receives typed events. Never carries a credential. */
  readonly onEvent?: EventListener;
  /** Time source in epoch ms (for tests). Default `Date.now`. */
  readonly now?: () => number;
  /** Random source in [0, 1) for backoff jitter (for tests). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Options a single call may pass in `init` besides fetch's own.
 *
 * @example
 * ```ts
 * await fetch('orders', { method: 'POST', body, idempotencyKey: 'auto', timeout: 5_000 });
 * ```
 */
export interface CallOptions {
  /** Overrides the client's deadline for this call. */
  readonly timeout?: number | false;
  /** Overrides (merged over) the client's retry policy for this call. */
  readonly retry?: RetryOptions | number | false;
  /** `false` turns the one refresh-and-replay on 401 off for this call. Default `true`. */
  readonly retryOnUnauthorized?: boolean;
  /**
   * Sets `Idempotency-Key` so POST/PATCH may be retried: `'auto'` generates one per call and reuses it on
   * every attempt; a string is used as is.
   */
  readonly idempotencyKey?: 'auto' | (string & {});
}

/** `RequestInit` plus {@link CallOptions}. */
export type AttacheRequestInit = RequestInit & CallOptions & { readonly attache?: CallOptions };

/** A function with the exact signature of `fetch`, with Attaché's pipeline behind it. */
// `Request | string | URL` is the DOM lib's `RequestInfo | URL`, spelled out for projects without the DOM lib.
export type AttacheFetch = (input: Request | string | URL, init?: AttacheRequestInit) => Promise<Response>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

function isBrowserLike(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.document === 'object' || typeof g.WorkerGlobalScope === 'function';
}

function orderAuthenticators(auth: CreateFetchOptions['auth']): readonly Authenticator[] {
  if (auth === undefined) return [];
  const list = Array.isArray(auth) ? (auth as readonly Authenticator[]) : [auth as Authenticator];
  list.forEach((a, i) => {
    if (!a || typeof a.authenticate !== 'function' || typeof a.name !== 'string') {
      throw new ConfigError(`auth[${i}] is not an authenticator (needs a name and an authenticate function)`);
    }
  });
  // Stable: signers keep their relative order, after everything else.
  return [...list.filter((a) => !a.signer), ...list.filter((a) => a.signer)];
}

const ABSOLUTE_URL = /^[a-z][a-z\d+\-.]*:/i;

function hasUserinfo(url: string | URL): boolean {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

function joinUrl(baseUrl: string | undefined, input: string): URL {
  // A regex first: a thrown and caught URL parse costs more than the rest of a call.
  if (ABSOLUTE_URL.test(input)) return new URL(input);
  if (baseUrl === undefined) {
    throw new ConfigError(`"${input}" is not an absolute URL and no baseUrl is configured`);
  }
  // WHATWG URL resolution against the base with a trailing slash, exactly as ky's `baseUrl` (the client face)
  // does: `orders` lands under the base path, `/orders` at the origin's root.
  return new URL(input, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
}

const CALL_OPTION_KEYS = ['timeout', 'retry', 'retryOnUnauthorized', 'idempotencyKey'] as const;

function pickCallOptions(init: AttacheRequestInit | undefined): CallOptions {
  const result: Record<string, unknown> = {};
  if (!init) return result;
  const nested = init.attache;
  for (const key of CALL_OPTION_KEYS) {
    const value = nested?.[key] ?? init[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

// A challenge's `error` is partner-controlled text: events keep it only when it looks like an error code.
function errorCode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z][a-z0-9_.-]{0,63}$/i.test(value) && !/\d{6}/.test(value) ? value : 'other';
}

/**
 * msw's Node interceptor hangs a record of "raw" headers on every Request built from another Request, made of
 * the old request's record plus the new headers, and `new Headers(request.headers)` then copies that record
 * instead of the real headers: a rebuilt request sends `x-api-key: k1, k1, k2`. Native Headers keep their
 * state in private fields and have no own symbols, so dropping own symbol properties touches only such a
 * patch's record, and every reader falls back to the real headers. Test suites are where Attaché meets msw.
 */
function forgetHeaderRecord(headers: Headers): void {
  for (const symbol of Object.getOwnPropertySymbols(headers)) {
    Reflect.deleteProperty(headers, symbol);
  }
}

// Methods fetch sends as written (upper case); others are normalized or refused by the Request constructor.
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
// The `init` members a body-less call may use without a Request being built to read them back.
const PLAIN_INIT_KEYS = new Set(['method', 'headers', 'signal', 'body']);

/** The caller's request as the pipeline reads it: a `Request`, or the same read from a plain `init`. */
type CallerRequest = Pick<Request, 'method' | 'url' | 'headers' | 'signal' | 'body'> & Partial<Request>;

/**
 * A call with a URL, no body and only method, headers and signal in `init`, read without building a
 * `Request` (what fetch itself would build changes nothing the pipeline reads); `undefined` otherwise.
 */
function plainCallerRequest(url: URL, init: RequestInit): CallerRequest | undefined {
  if (init.body !== undefined && init.body !== null) return undefined;
  const method = init.method ?? 'GET';
  if (!PLAIN_METHODS.has(method)) return undefined;
  const signal = init.signal;
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) return undefined;
  for (const key in init) if (!PLAIN_INIT_KEYS.has(key)) return undefined;
  const source = init.headers;
  return {
    method,
    url: url.href,
    // Entry by entry: see withHeaders.
    headers: source instanceof Headers ? new Headers([...source]) : new Headers(source),
    signal: signal as AbortSignal,
    body: null,
  };
}

function isEmpty(object: object): boolean {
  for (const _key in object) return false;
  return true;
}

/** What the pipeline sent on an attempt's last hop; a `Request` is built from it only if someone needs one. */
interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
  /** The `Request` that was sent, or one rebuilt from the above (without a stream body). */
  request(): Request;
}

// setTimeout fires at once for anything above 2^31 - 1 ms.
const MAX_TIMEOUT = 2_147_483_647;

function checkTimeout(value: unknown, field: string): number | false {
  if (value === false) return false;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT) {
    throw new ConfigError(
      `${field} must be a number of ms in (0, ${MAX_TIMEOUT}] or false, got ${String(value)}`,
    );
  }
  return value;
}

function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

// Frees the connection of a response we will not return. Not awaited: cancelling one branch of a teed body
// (after `clone()`) settles only when the other branch is cancelled too.
function discard(response: Response): void {
  if (response.bodyUsed || response.body === null) return;
  response.body.cancel().catch(() => {
    // Already errored or locked: nothing to free.
  });
}

/**
 * Creates a function with the exact signature of `fetch` that runs every request through Attaché's pipeline:
 * deadline and abort, safe redirects, transient retries, authenticators on every attempt, and one
 * refresh-and-replay on 401. It keeps fetch's contract, so it can be handed to any library that takes a
 * `fetch`: HTTP statuses come back as responses; it rejects only when there is no response to give.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const fetch = createFetch({ baseUrl: 'https://api.partner.example', auth: bearerAuth({ token }) });
 * const response = await fetch('orders/42');
 * ```
 */
export function createFetch(options: CreateFetchOptions = {}): AttacheFetch {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('createFetch options must be an object');
  const authenticators = orderAuthenticators(options.auth);
  const baseUrl = options.baseUrl;
  let baseOrigin: string | undefined;
  if (baseUrl !== undefined) {
    baseOrigin = normalizeOrigin(baseUrl);
    // The value is not quoted: a URL may carry a password.
    if (baseOrigin === undefined) throw new ConfigError('baseUrl must be an absolute http(s) URL');
    if (hasUserinfo(baseUrl)) {
      throw new ConfigError(
        'baseUrl must not carry user:password@; pass the credentials to basicAuth instead',
      );
    }
  }
  const allowed = new Set<string>();
  if (options.allowedOrigins !== undefined) {
    for (const origin of options.allowedOrigins) {
      const normalized = normalizeOrigin(origin);
      if (normalized === undefined)
        throw new ConfigError(`allowedOrigins: "${origin}" is not an http(s) origin`);
      allowed.add(normalized);
    }
  } else if (baseOrigin !== undefined) {
    allowed.add(baseOrigin);
  }
  const enforceOrigins = authenticators.length > 0 || options.allowedOrigins !== undefined;
  if (authenticators.length > 0 && allowed.size === 0) {
    throw new ConfigError(
      'auth needs baseUrl or allowedOrigins: credentials must be bound to the origins they are for',
    );
  }
  const insecureHosts = new Set((options.allowInsecureHosts ?? []).map((h) => h.toLowerCase()));
  const transport = options.transport ?? globalFetchTransport;
  if (typeof transport !== 'function')
    throw new ConfigError('transport must be a function (request) => Promise<Response>');
  // The global fetch takes the URL and init as they are (it would copy a Request it is given), and honours
  // the signal itself, so no race is needed.
  const directFetch = transport === globalFetchTransport;
  // Every authenticator can work on a draft: one Request per hop (none at all with the global fetch)
  // instead of one per authenticator.
  const drafts = authenticators.every((a) => typeof a.prepare === 'function');
  const timeout = checkTimeout(options.timeout ?? 30_000, 'timeout');
  const clientRetry = resolveRetry(options.retry, DEFAULT_RETRY);
  const budget = createRetryBudget(options.retryBudget);
  const redirects = options.redirects ?? (isBrowserLike() ? 'platform' : 'pipeline');
  if (redirects !== 'pipeline' && redirects !== 'platform') {
    throw new ConfigError(`redirects must be 'pipeline' or 'platform', got ${String(redirects)}`);
  }
  const manualRedirects = redirects === 'pipeline';
  const maxRedirects = options.maxRedirects ?? 10;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new ConfigError(`maxRedirects must be a whole number >= 0, got ${String(maxRedirects)}`);
  }
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const clock: LearningClock = createLearningClock(now);
  const sensitive: SensitiveNames = {
    headers: new Set(authenticators.flatMap((a) => a.sensitiveHeaders ?? []).map((h) => h.toLowerCase())),
    query: new Set(authenticators.flatMap((a) => a.sensitiveQuery ?? []).map((q) => q.toLowerCase())),
  };
  const listener = options.onEvent;
  const emit = (event: AttacheEvent): void => {
    if (!listener) return;
    try {
      listener(event);
    } catch {
      // A faulty listener must not break the call.
    }
  };
  const redact = (request: Parameters<typeof redactRequest>[0]): RedactedRequest =>
    redactRequest(request, sensitive);

  function checkTarget(url: URL, snapshot: () => RedactedRequest): void {
    if (!enforceOrigins) return;
    if (!allowed.has(url.origin)) {
      emit({ type: 'credential:withheld', origin: url.origin, reason: 'origin-not-allowed' });
      throw new OriginNotAllowedError(url.origin, { request: snapshot() });
    }
    checkTransportSecurity(url, snapshot);
  }

  function checkTransportSecurity(url: URL, snapshot: () => RedactedRequest): void {
    if (authenticators.length === 0) return;
    if (url.protocol === 'https:') return;
    if (
      url.protocol === 'http:' &&
      (isLoopbackHost(url.hostname) || insecureHosts.has(url.hostname.toLowerCase()))
    ) {
      return;
    }
    throw new InsecureTransportError(url.host, { request: snapshot() });
  }

  /** Runs every authenticator's `prepare`; returns a promise only when one of them is asynchronous. */
  function prepareDraft(draft: RequestDraft, context: AuthContext, from = 0): Promise<void> | undefined {
    const href = draft.url.href;
    for (let i = from; i < authenticators.length; i++) {
      const pending = authenticators[i]!.prepare!(draft, context);
      if (pending instanceof Promise) {
        return raceSignal(pending, context.signal).then(() => {
          checkDraftTarget(draft, href);
          return prepareDraft(draft, context, i + 1);
        });
      }
      checkDraftTarget(draft, href);
    }
    return undefined;
  }

  async function authenticate(request: Request, context: AuthContext): Promise<Request> {
    let current = request;
    for (const authenticator of authenticators) {
      forgetHeaderRecord(current.headers);
      current = await raceSignal(authenticator.authenticate(current, context), context.signal);
    }
    return current;
  }

  return async function attacheFetch(input: RequestInfo | URL, init?: AttacheRequestInit): Promise<Response> {
    const started = now();
    const call = pickCallOptions(init);
    const url =
      input instanceof Request
        ? new URL(input.url)
        : joinUrl(baseUrl, input instanceof URL ? input.href : String(input));
    if (hasUserinfo(url)) {
      // fetch's own TypeError would quote the URL, password included.
      const error = new ConfigError(
        'The request URL carries user:password@; pass the credentials to basicAuth instead',
      );
      emit({
        type: 'request:end',
        method: init?.method ?? 'GET',
        url: '',
        durationMs: 0,
        attempts: 0,
        error: error.code,
      });
      throw error;
    }
    const {
      attache: _ignored,
      timeout: _t,
      retry: _r,
      retryOnUnauthorized: _u,
      idempotencyKey: _k,
      ...requestInit
    } = init ?? {};
    const streamed =
      (typeof ReadableStream !== 'undefined' && requestInit.body instanceof ReadableStream) ||
      (init?.attache as { bodyIsStream?: boolean } | undefined)?.bodyIsStream === true;
    const original: CallerRequest =
      (input instanceof Request
        ? input.body === null && isEmpty(requestInit)
          ? input // Nothing to copy: no body to take, nothing in init to apply.
          : undefined
        : plainCallerRequest(url, requestInit)) ??
      new Request(input instanceof Request ? input : url, {
        ...requestInit,
        ...(streamed ? { duplex: 'half' } : {}),
      } as RequestInit);
    const method = original.method.toUpperCase();
    const baseHeaders = original instanceof Request ? new Headers([...original.headers]) : original.headers;
    if (call.idempotencyKey !== undefined && !baseHeaders.has('idempotency-key')) {
      baseHeaders.set(
        'idempotency-key',
        call.idempotencyKey === 'auto' ? crypto.randomUUID() : call.idempotencyKey,
      );
    }
    // Redaction parses the URL and walks the headers: done only when an error or an event needs it.
    let redacted: RedactedRequest | undefined;
    const snapshot = (): RedactedRequest => {
      redacted ??= redact(original);
      return redacted;
    };
    const safeUrl = listener ? snapshot().url : '';
    if (listener) emit({ type: 'request:start', method, url: safeUrl });
    let attempts = 0;
    const finish = (result: { status: number } | { error: unknown }): void => {
      if (!listener) return;
      const base = {
        type: 'request:end' as const,
        method,
        url: safeUrl,
        durationMs: now() - started,
        attempts,
      };
      if ('status' in result) emit({ ...base, status: result.status });
      else {
        const error = result.error;
        emit({
          ...base,
          error: isAttacheError(error) ? error.code : isAbortLike(error) ? 'ABORTED' : 'ERROR',
        });
      }
    };

    try {
      checkTarget(url, snapshot);
    } catch (error) {
      finish({ error });
      throw error;
    }

    let callTimeout: number | false;
    let policy: ResolvedRetry;
    try {
      callTimeout = call.timeout === undefined ? timeout : checkTimeout(call.timeout, 'init.timeout');
      policy = resolveRetry(call.retry, clientRetry, 'init.retry');
    } catch (error) {
      finish({ error });
      throw error;
    }
    const deadline = createDeadline(callTimeout, original.signal, now, snapshot);
    const retryOnUnauthorized = call.retryOnUnauthorized ?? true;

    let body: Uint8Array<ArrayBuffer> | null | undefined;
    let streamBody: ReadableStream<Uint8Array> | null = null;
    try {
      if (original.body === null) body = undefined;
      else if (streamed) {
        body = null;
        streamBody = original.body;
      } else body = new Uint8Array(await raceSignal((original as Request).arrayBuffer(), deadline.signal));
    } catch (error) {
      deadline.dispose();
      const final = deadline.signal.aborted ? deadline.signal.reason : error;
      finish({ error: final });
      throw final;
    }

    const state: SendState = {
      url,
      // Nothing can abort a call without a deadline or a caller's signal: fetch is then given no signal,
      // which it would otherwise have to follow.
      abortable: callTimeout !== false || (original.signal !== undefined && original.signal !== null),
      method,
      headers: baseHeaders,
      body,
      takeStream: () => {
        const stream = streamBody;
        streamBody = null;
        return stream;
      },
      redirectMode: original.redirect ?? 'follow',
      // Carried from the caller's request to every attempt; method, headers, body, signal and redirect are
      // set per hop. A plain call has none of them (fetch's defaults).
      init:
        original instanceof Request
          ? {
              credentials: original.credentials,
              keepalive: original.keepalive,
              integrity: original.integrity,
              referrerPolicy: original.referrerPolicy,
              cache: original.cache,
            }
          : {},
    };

    try {
      const response = await run(state, policy, deadline, retryOnUnauthorized, snapshot, () => ++attempts);
      finish({ status: response.status });
      return response;
    } catch (error) {
      const final = deadline.signal.aborted ? deadline.signal.reason : error;
      finish({ error: final });
      throw final;
    } finally {
      deadline.dispose();
    }
  };

  async function run(
    state: SendState,
    policy: ResolvedRetry,
    deadline: Deadline,
    retryOnUnauthorized: boolean,
    snapshot: () => RedactedRequest,
    nextAttempt: () => number,
  ): Promise<Response> {
    let retries = 0;
    let replayed = false;
    const idempotent = (): boolean =>
      policy.methods.has(state.method) || state.headers.has('idempotency-key');
    const replayable = state.body !== null;

    for (;;) {
      const attempt = nextAttempt();
      const context: AuthContext = {
        attempt,
        signal: deadline.signal,
        clock,
        isReplay: replayed,
        body: state.body,
        emit,
      };
      let sent: Sent;
      try {
        sent = await sendFollowingRedirects(state, context, snapshot);
      } catch (error) {
        if (deadline.signal.aborted) throw deadline.signal.reason;
        // Only the transport's failures are network errors (sendFollowingRedirects wraps them); anything
        // else an authenticator or the caller's code threw is not retried and keeps its identity.
        if (!isAttacheError(error) || error.code !== 'NETWORK') throw error;
        const networkError = error;
        if (policy.networkErrors && replayable && idempotent() && retries < policy.retries) {
          const delay = backoffDelay(policy, retries, random);
          if (delay < deadline.remaining() && budget.tryAcquire()) {
            emit({
              type: 'retry:scheduled',
              method: state.method,
              url: snapshot().url,
              reason: 'network',
              attempt,
              delayMs: delay,
            });
            await sleep(delay, deadline.signal);
            retries++;
            continue;
          }
        }
        throw networkError;
      }

      const { response, sent: request } = sent;
      clock.observe(response);

      if (response.status === 401 && retryOnUnauthorized && !replayed && authenticators.length > 0) {
        const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
        if (challenges.some((c) => c.params.error === 'insufficient_scope')) {
          return finalize(response, attempt, request);
        }
        if (!replayable) {
          return finalize(response, attempt, request, {
            replayBlocked:
              'the request body is a ReadableStream, which cannot be sent twice, so the 401 was not replayed with fresh credentials',
          });
        }
        const challengeContext: ChallengeContext = { ...context, challenges };
        let replay = false;
        for (const authenticator of authenticators) {
          if (!authenticator.challenge) continue;
          const copy = response.clone();
          const outcome = await raceSignal(
            authenticator.challenge(copy, request.request(), challengeContext),
            deadline.signal,
          );
          discard(copy);
          const error = errorCode(challenges.find((c) => c.params.error !== undefined)?.params.error);
          emit({
            type: 'challenge:handled',
            authenticator: authenticator.name,
            status: response.status,
            ...(error === undefined ? {} : { error }),
            outcome,
          });
          if (outcome === 'replay') replay = true;
        }
        if (replay) {
          replayed = true;
          discard(response);
          continue;
        }
        return finalize(response, attempt, request);
      }

      if (policy.statuses.has(response.status) && retries < policy.retries && idempotent() && replayable) {
        const retryAfter = parseRetryAfter(response.headers, now());
        if (
          retryAfter !== undefined &&
          (retryAfter > policy.maxRetryAfter || retryAfter >= deadline.remaining())
        ) {
          return finalize(response, attempt, request, { retryAfter });
        }
        const delay = retryAfter ?? backoffDelay(policy, retries, random);
        if (delay < deadline.remaining() && budget.tryAcquire()) {
          emit({
            type: 'retry:scheduled',
            method: state.method,
            url: snapshot().url,
            reason: 'status',
            status: response.status,
            attempt,
            delayMs: delay,
          });
          discard(response);
          await sleep(delay, deadline.signal);
          retries++;
          continue;
        }
        return finalize(response, attempt, request, retryAfter === undefined ? {} : { retryAfter });
      }

      if (response.ok) budget.recordSuccess();
      const retryAfter =
        response.status === 429 || response.status === 503
          ? parseRetryAfter(response.headers, now())
          : undefined;
      return finalize(response, attempt, request, retryAfter === undefined ? {} : { retryAfter });
    }
  }

  // The credential values `request` carried, as they could appear in text: whole header values, the last word
  // of a scheme-prefixed one (`Bearer <token>`), cookie values, and query values (raw and percent-encoded).
  function scrubCredentials(text: string, request: SentRequest): string {
    const values = new Set<string>();
    request.headers.forEach((value, name) => {
      if (!SENSITIVE_HEADERS.has(name) && !sensitive.headers.has(name)) return;
      values.add(value);
      const last = value.split(' ').pop();
      if (last) values.add(last);
      if (name === 'cookie')
        for (const part of value.split(';')) values.add(part.split('=').slice(1).join('=').trim());
    });
    const url = new URL(request.url);
    url.searchParams.forEach((value, name) => {
      if (!sensitive.query.has(name.toLowerCase()) && !SENSITIVE_QUERY.has(name.toLowerCase())) return;
      values.add(value);
      values.add(encodeURIComponent(value));
    });
    let out = text;
    // Short values would mask ordinary words; credentials are longer than this.
    for (const value of [...values].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length)) {
      out = out.split(value).join('[redacted]');
    }
    return out;
  }

  function finalize(
    response: Response,
    attempts: number,
    request: SentRequest,
    extra: { retryAfter?: number; replayBlocked?: string } = {},
  ): Response {
    setResponseMeta(response, { attempts, ...extra, scrub: (text) => scrubCredentials(text, request) }, () =>
      redact(request),
    );
    return response;
  }

  async function sendFollowingRedirects(
    state: SendState,
    context: AuthContext,
    snapshot: () => RedactedRequest,
  ): Promise<Sent> {
    let url = state.url;
    let method = state.method;
    // Never changed in place: a hop that drops headers makes a new object.
    let headers = state.headers;
    let body: Uint8Array<ArrayBuffer> | null | undefined = state.body;
    let hops = 0;
    for (;;) {
      // The first hop's target passed checkTarget before the call started.
      const mayAuthenticate = hops === 0 || !enforceOrigins || allowed.has(url.origin);
      const init = {
        ...state.init,
        method,
        headers,
        body: body === null ? state.takeStream() : body,
        ...(state.abortable ? { signal: context.signal } : {}),
        redirect: manualRedirects ? 'manual' : state.redirectMode,
        ...(body === null ? { duplex: 'half' } : {}),
      } as RequestInit;
      let target: URL | string = url;
      // A hop that turned the request into a GET sends no body: signers must see that, not the original.
      const hopContext = body === context.body ? context : { ...context, body };
      let request: Request | undefined;
      if (!mayAuthenticate) {
        emit({ type: 'credential:withheld', origin: url.origin, reason: 'redirect' });
      } else if (authenticators.length === 0) {
        // Nothing to attach.
      } else if (drafts) {
        if (hops > 0) checkTransportSecurity(url, snapshot);
        const draft: RequestDraft = { method, url: new URL(url), headers: new Headers(headers) };
        const pending = prepareDraft(draft, hopContext);
        if (pending !== undefined) await pending;
        target = draft.url;
        init.headers = draft.headers;
      } else {
        if (hops > 0) checkTransportSecurity(url, snapshot);
        request = await authenticate(new Request(url, init), hopContext);
      }
      if (request === undefined && !directFetch) request = new Request(target, init);

      const sentHeaders = request === undefined ? (init.headers as Headers) : request.headers;
      forgetHeaderRecord(sentHeaders);
      let response: Response;
      try {
        // Raced against the deadline too: a transport that ignores `request.signal` must not outlive it.
        response =
          request === undefined
            ? await globalThis.fetch(target, init)
            : await raceSignal(transport(request), context.signal);
      } catch (error) {
        if (context.signal.aborted || isAbortLike(error))
          throw context.signal.aborted ? context.signal.reason : error;
        if (isAttacheError(error)) throw error;
        throw new NetworkError(`Network error for ${method} ${redactUrl(url, sensitive)}`, {
          cause: error,
          request: redact(request ?? { method, url: target, headers: sentHeaders }),
        });
      }
      const sent = sentRequest(request, method, target, sentHeaders, body);

      if (!manualRedirects || !REDIRECT_STATUSES.has(response.status)) return { response, sent };
      if (state.redirectMode === 'manual') return { response, sent };
      const location = response.headers.get('location');
      if (location === null) return { response, sent };
      if (state.redirectMode === 'error') {
        discard(response);
        throw new RedirectError(`Redirect (${response.status}) refused: the request set redirect: 'error'`, {
          request: snapshot(),
        });
      }
      hops++;
      if (hops > maxRedirects) {
        discard(response);
        throw new RedirectError(`Too many redirects (more than ${maxRedirects})`, { request: snapshot() });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (cause) {
        discard(response);
        throw new RedirectError(`Redirect to an invalid Location`, { request: snapshot(), cause });
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        discard(response);
        throw new RedirectError(`Redirect to a ${next.protocol} URL refused`, { request: snapshot() });
      }
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        discard(response);
        throw new RedirectError(`Redirect from https to http (${redactUrl(next, sensitive)}) refused`, {
          request: snapshot(),
        });
      }
      const crossOrigin = next.origin !== url.origin;
      if (crossOrigin) {
        // Headers an authenticator added are never in `headers` (it is rebuilt from the caller's on each hop);
        // these are the caller's own credential headers.
        headers = new Headers(headers);
        for (const name of CREDENTIAL_HEADERS) headers.delete(name);
        for (const name of sensitive.headers) headers.delete(name);
        for (const name of SENSITIVE_HEADERS) headers.delete(name);
        // A partner that repeats the query in its Location would hand a query credential to the new origin.
        if (sensitive.query.size > 0 && next.search) {
          const params = new URLSearchParams(next.search);
          for (const name of [...params.keys()]) {
            if (sensitive.query.has(name.toLowerCase())) params.delete(name);
          }
          next.search = params.toString();
        }
      }
      const status = response.status;
      if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
        method = 'GET';
        body = undefined;
        headers = new Headers(headers);
        for (const name of BODY_HEADERS) headers.delete(name);
      } else if (body === null) {
        discard(response);
        throw new RedirectError(`A ${status} redirect needs the body again, but the body is a stream`, {
          request: snapshot(),
        });
      }
      emit({
        type: 'redirect:followed',
        status,
        from: redactUrl(url, sensitive),
        to: redactUrl(next, sensitive),
        credentialsDropped: crossOrigin,
      });
      discard(response);
      url = next;
    }
  }
}

interface SendState {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array<ArrayBuffer> | null | undefined;
  takeStream(): ReadableStream<Uint8Array> | null;
  readonly redirectMode: RequestRedirect;
  readonly init: RequestInit;
  readonly abortable: boolean;
}

interface Sent {
  readonly response: Response;
  readonly sent: SentRequest;
}

function sentRequest(
  request: Request | undefined,
  method: string,
  url: URL | string,
  headers: Headers,
  body: Uint8Array<ArrayBuffer> | null | undefined,
): SentRequest {
  if (request !== undefined) {
    return {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
      request: () => request,
    };
  }
  const href = String(url);
  let rebuilt: Request | undefined;
  return {
    method,
    url: href,
    headers,
    body,
    request: () => {
      rebuilt ??= new Request(href, { method, headers, ...(body instanceof Uint8Array ? { body } : {}) });
      return rebuilt;
    },
  };
}
