import ky, {
  type Input,
  isHTTPError,
  type KyInstance,
  type Options as KyOptions,
  type ResponsePromise,
} from 'ky';
import { createPipeline, type Pipeline } from './create-fetch.ts';
import type { Endpoint, EndpointInput, EndpointOutput } from './endpoint.ts';
import { callEndpoint } from './endpoint-call.ts';
import {
  ConfigError,
  HttpError,
  InsufficientScopeError,
  RateLimitedError,
  UnauthorizedError,
} from './errors.ts';
import { absoluteHref, type CallHints } from './pipeline/call.ts';
import { bindCall } from './pipeline/config.ts';
import type { CallOptions, CreateFetchOptions } from './pipeline/options.ts';
import type { PipelineResult } from './pipeline/result.ts';
import { type RedactedRequest, redactRequest } from './redact.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * Options of {@link createClient}: the pipeline's ({@link CreateFetchOptions}) plus ky's own defaults
 * (headers, hooks, parseJson …). ky's `retry` and `timeout` are replaced by the pipeline's: exactly one layer
 * owns retries and the deadline.
 */
export interface CreateClientOptions extends CreateFetchOptions {
  /** Default ky options for every call (`retry`, `timeout`, `fetch` and `prefix` are set by Attaché). */
  readonly ky?: Omit<KyOptions, 'retry' | 'timeout' | 'fetch' | 'prefix' | 'baseUrl'>;
}

/** ky's per-call options with the pipeline's `timeout`, `retry`, `retryOnUnauthorized` and `idempotencyKey`. */
export type ClientCallOptions = Omit<KyOptions, 'retry' | 'timeout' | 'fetch'> & CallOptions;

/**
 * A ky instance whose `fetch` is the Attaché pipeline, plus typed endpoint calls. Non-2xx responses throw
 * typed {@link HttpError} subclasses.
 */
export interface AttacheClient {
  <T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  get<T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  post<T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  put<T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  patch<T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  delete<T>(url: Input, options?: ClientCallOptions): ResponsePromise<T>;
  head(url: Input, options?: ClientCallOptions): ResponsePromise;
  /**
   * Calls a typed endpoint: validates `input` against its schemas, sends it, and returns the response parsed
   * by the endpoint's response schema.
   *
   * @throws {RequestValidationError} when the input does not match (nothing is sent).
   * @throws {ResponseValidationError} when the response does not match.
   * @throws {HttpError} (or a subclass) for a non-2xx response.
   */
  call<E extends Endpoint>(
    endpoint: E,
    input: EndpointInput<E>,
    options?: ClientCallOptions,
  ): Promise<EndpointOutput<E>>;
  /** The underlying ky instance, for ky features this type does not list (`extend`, `stop` …). */
  readonly ky: KyInstance;
}

const CALL_KEYS = ['timeout', 'retry', 'retryOnUnauthorized', 'idempotencyKey', 'account'] as const;

// ky forwards unknown options to fetch: the client's call options travel to the pipeline under this name.
const HINTS = 'attacheHints';
// The call id a client method took where the call was made, on its way through ky to the pipeline.
const CALL_ID = 'attacheCallId';

/** Builds the typed error for a non-2xx response from the pipeline's result for it. */
function toHttpError(
  original: Response,
  result: PipelineResult | undefined,
  fallback: RedactedRequest,
  data: unknown,
): HttpError {
  // A copy without `url` (the final URL may carry a query credential, and errors get logged whole). ky has
  // already read the body into `data`; the copy gets it back so `error.response.json()` still works.
  const body = original.bodyUsed
    ? data === undefined
      ? null
      : typeof data === 'string'
        ? data
        : JSON.stringify(data)
    : original.body;
  const headers = new Headers();
  for (const [name, value] of original.headers) headers.append(name, result ? result.scrub(value) : value);
  const response = new Response(body, { status: original.status, statusText: original.statusText, headers });
  const request = result?.request ?? fallback;
  const status = response.status;
  const where = `${request.method} ${request.url}`;
  const scopeChallenge = result?.challenges.find((c) => c.params.error === 'insufficient_scope');
  if ((status === 403 || status === 401) && scopeChallenge) {
    // Partner text, read from the header as it came: scrubbed like the headers the error keeps.
    const given = scopeChallenge.params.scope;
    const scope = given && result?.scrub(given);
    return new InsufficientScopeError(
      `${where} needs a scope the token lacks${scope ? `: ${scope}` : ''} (HTTP ${status} insufficient_scope)`,
      { response, request, scope },
    );
  }
  if (status === 401) {
    const reason = result?.replayBlocked
      ? `: ${result.replayBlocked}`
      : ' after one refresh-and-replay (or replay was off)';
    return new UnauthorizedError(`${where} was rejected with 401 Unauthorized${reason}`, {
      response,
      request,
    });
  }
  const retryAfter = result ? result.retryAfter : parseRetryAfter(response.headers);
  if (status === 429 || (status === 503 && retryAfter !== undefined)) {
    return new RateLimitedError(
      `${where} was ${status === 429 ? 'rate limited (429)' : 'unavailable (503)'}${retryAfter === undefined ? '' : `; retry after ${retryAfter} ms`}`,
      { response, request, retryAfter },
    );
  }
  return new HttpError(`${where} failed with HTTP ${status}`, { response, request });
}

/**
 * Takes the pipeline's per-call options out of ky's options (ky has its own `timeout` and `retry`) and puts
 * them, with the call's id, under the hints name, which ky forwards to fetch untouched.
 */
function takeCallOptions(
  record: Record<string, unknown>,
  callId: string | undefined,
  signal?: AbortSignal | null,
): void {
  const options: Record<string, unknown> = {};
  for (const key of CALL_KEYS) {
    const value = record[key];
    if (value === undefined) continue;
    options[key] = value;
    delete record[key];
  }
  // A stream body is not replayable; ky hands the pipeline a Request, where that is no longer visible.
  const streamed = typeof ReadableStream !== 'undefined' && record.body instanceof ReadableStream;
  record[HINTS] = (
    signal === undefined ? { options, streamed, callId } : { options, streamed, callId, signal }
  ) satisfies CallHints;
}

/**
 * The signal a call through the client's methods can be aborted by, as the pipeline should follow it: the
 * caller's (`null` for none) when ky's own signal could abort for nothing else; `undefined` (follow the
 * signal of ky's Request) when ky may abort on its own (`totalTimeout`) or the input is a Request.
 */
function callerSignal(
  input: Input,
  callOptions: ClientCallOptions | undefined,
  defaults: KyOptions | undefined,
): AbortSignal | null | undefined {
  if (input instanceof Request) return undefined;
  if (typeof callOptions?.totalTimeout === 'number' || typeof defaults?.totalTimeout === 'number')
    return undefined;
  return callOptions?.signal ?? defaults?.signal ?? null;
}

/** ky's `init` hook (on the instance users reach as `client.ky`): ky's retry and timeout off, options moved. */
function moveCallOptionsToHints(callOptions: KyOptions): void {
  const record = callOptions as Record<string, unknown>;
  const callId = record[CALL_ID] as string | undefined;
  delete record[CALL_ID];
  takeCallOptions(record, callId);
  record.retry = 0;
  record.timeout = false;
}

function onlyHints(init: object): boolean {
  for (const key in init) if (key !== HINTS) return false;
  return true;
}

function withoutHints(init: RequestInit & { [HINTS]?: CallHints }): RequestInit {
  const { [HINTS]: _hints, ...rest } = init;
  return rest;
}

/** The two ky instances of a client: the one users reach as `client.ky`, and the one its methods call. */
interface ClientKy {
  /** Moves per-call options in its `init` hook, so `client.ky` calls reach the pipeline with them. */
  readonly exposed: KyInstance;
  /**
   * ky's retry and timeout off for good and no `init` hook of ours: the client's methods move the options
   * themselves, which spares ky's per-call copy of the options for its init hooks. `exposed` itself when the
   * caller gave init hooks of their own (they expect to see the options as given).
   */
  readonly direct: KyInstance;
}

/** The ky instances whose `fetch` is the pipeline and whose HTTP errors are Attaché's typed errors. */
function createKy(options: CreateClientOptions, pipeline: Pipeline): ClientKy {
  const { ky: kyDefaults } = options;
  // The pipeline's result for each non-2xx response, until ky turns it into an error.
  const results = new WeakMap<Response, PipelineResult>();
  const send = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const given = init as (RequestInit & { [HINTS]?: CallHints }) | undefined;
    const hints = given?.[HINTS];
    // ky hands over its options fetch does not know: usually the hints alone, which are not for fetch.
    const rest = given === undefined || onlyHints(given) ? undefined : withoutHints(given);
    const result = await pipeline.run(input, rest, hints ?? {});
    if (!result.response.ok) results.set(result.response, result);
    return result.response;
  };
  const beforeError = [
    ...(kyDefaults?.hooks?.beforeError ?? []),
    ({ error, request }: { error: Error; request: Request }) => {
      if (!isHTTPError(error)) return error;
      const result = results.get(error.response);
      return toHttpError(
        error.response,
        result,
        redactRequest(request, pipeline.config.sensitive),
        error.data,
      );
    },
  ];
  const shared = {
    ...kyDefaults,
    // ky's `baseUrl` resolves like URLs do (absolute inputs stay absolute, which the allow-list then checks);
    // the trailing slash makes `client.get('orders')` land under the base path.
    ...(options.baseUrl === undefined
      ? {}
      : { baseUrl: options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/` }),
    fetch: send,
  };
  const exposed = ky.create({
    ...shared,
    // ky's `retry` and `timeout` are left unset here and forced off per call by the init hook, so a per-call
    // `timeout: false` or `retry: 0` reaches the pipeline instead of looking like ky's default.
    hooks: {
      ...kyDefaults?.hooks,
      init: [moveCallOptionsToHints, ...(kyDefaults?.hooks?.init ?? [])],
      beforeError,
    },
  });
  if ((kyDefaults?.hooks?.init?.length ?? 0) > 0) return { exposed, direct: exposed };
  const direct = ky.create({
    ...shared,
    retry: 0,
    timeout: false,
    hooks: { ...kyDefaults?.hooks, beforeError },
  });
  return { exposed, direct };
}

/** ky would build a Request from a URL with user:password and throw a TypeError quoting the password. */
function refuseUserInfo(input: Input, baseUrl: string | undefined): void {
  if (input instanceof Request) return;
  // user:password needs an `@`; without one there is nothing to parse (the base was checked at creation).
  const text = String(input);
  if (!text.includes('@')) return;
  let url: URL;
  try {
    url = new URL(text, baseUrl ?? 'https://relative.invalid');
  } catch {
    return; // ky reports what is not a URL.
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'The request URL carries user:password@; pass the credentials to basicAuth instead',
    );
  }
}

/**
 * Creates a ky instance whose `fetch` is the Attaché pipeline (ky's retry and timeout off), plus
 * `call(endpoint, input)` for typed endpoints. Non-2xx responses throw typed errors: 401 →
 * `UnauthorizedError`, 403 with `insufficient_scope` → `InsufficientScopeError`, 429 → `RateLimitedError`
 * (with `retryAfter`), others → `HttpError`.
 *
 * @throws {ConfigError} synchronously, for invalid options.
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'https://api.partner.example', auth: apiKeyAuth({ key }) });
 * const orders = await client.get('orders', { searchParams: { status: 'open' } }).json(OrdersSchema);
 * ```
 */
export function createClient(options: CreateClientOptions): AttacheClient {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('createClient options must be an object');
  const { ky: _ky, ...fetchOptions } = options;
  const pipeline = createPipeline(fetchOptions);
  const { exposed, direct } = createKy(options, pipeline);
  // Where the call is made, synchronously: its id, and the listener's `bindCall` (the caller's context).
  const bound = (callOptions: ClientCallOptions | undefined): KyOptions => {
    const callId = bindCall(pipeline.config);
    return (callId === undefined ? callOptions : { ...callOptions, [CALL_ID]: callId }) as KyOptions;
  };
  // For `direct`: the options moved here, on a copy (the caller's object is theirs).
  const moved = (input: Input, callOptions: ClientCallOptions | undefined): KyOptions => {
    const record: Record<string, unknown> = { ...callOptions };
    takeCallOptions(record, bindCall(pipeline.config), callerSignal(input, callOptions, options.ky));
    return record as KyOptions;
  };
  // Which of the two is decided once, with the instances.
  const prepare =
    direct === exposed
      ? (_input: Input, callOptions: ClientCallOptions | undefined): KyOptions => bound(callOptions)
      : moved;
  // A relative URL resolved here as ky's `baseUrl` would, without the Request ky builds to read the base.
  const target = (input: Input): Input =>
    typeof input === 'string' ? absoluteHref(pipeline.config, input) : input;
  const client = ((input: Input, callOptions?: ClientCallOptions) => {
    refuseUserInfo(input, options.baseUrl);
    return direct(target(input), prepare(input, callOptions));
  }) as AttacheClient;
  for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head'] as const) {
    (client as unknown as Record<string, unknown>)[method] = (
      input: Input,
      callOptions?: ClientCallOptions,
    ) => {
      refuseUserInfo(input, options.baseUrl);
      return direct[method](target(input), prepare(input, callOptions));
    };
  }
  const call = <E extends Endpoint>(
    endpoint: E,
    input: EndpointInput<E>,
    callOptions: ClientCallOptions = {},
  ): Promise<EndpointOutput<E>> => callEndpoint(exposed, endpoint, input, bound(callOptions));
  return Object.assign(client, { call, ky: exposed });
}
