import {
  type AttacheEvent,
  type Clock,
  isAttacheError,
  TokenAcquisitionError,
  type Transport,
} from '@attache/core';
import { type LearningClock, parseRetryAfter } from '@attache/core/internal';
import type { ClientAuthentication } from './client-authentication.ts';
import type { DpopProver } from './dpop.ts';
import { readBounded } from './read-bounded.ts';
import { describeBody, parseJson, safeUrl, send } from './send.ts';
import { type OAuthErrorBody, parseOAuthError } from './token-endpoint-error.ts';
import { type ResolvedTokenRetry, retryTransient } from './token-endpoint-retry.ts';
import { type GrantResponse, parseTokenResponse } from './token-response.ts';

/** Everything a token request needs that does not change between calls. */
export interface TokenRequestSettings {
  readonly clientId: string;
  readonly clientAuthentication: ClientAuthentication;
  /** `grant_type`, `scope`, `audience`, `resource` and extra parameters, in order. */
  readonly params: readonly (readonly [string, string])[];
  readonly transport: Transport;
  readonly retry: ResolvedTokenRetry;
  /** Random source in [0, 1) for the retry waits' jitter: the token source's. */
  readonly random: () => number;
  readonly dpop: DpopProver | undefined;
  /** The most bytes of a token endpoint answer that are read. */
  readonly maxResponseBytes: number;
}

/** Where one token request goes. */
export interface TokenRequestTarget {
  readonly url: URL;
  readonly issuer: string | undefined;
}

// The OAuth `error` is the server's text: events keep it only when it looks like an error code.
function errorCode(error: unknown): string {
  if (!isAttacheError(error)) return 'ERROR';
  const oauth = error instanceof TokenAcquisitionError ? error.error : undefined;
  return oauth !== undefined && /^[a-z][a-z0-9_.-]{0,63}$/i.test(oauth) ? oauth : error.code;
}

/** One token request in progress: what its attempts share, and what the closing event reports. */
interface TokenCall {
  readonly settings: TokenRequestSettings;
  readonly target: TokenRequestTarget;
  readonly params: readonly (readonly [string, string])[];
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly now: () => number;
  /** The token endpoint for messages and events (no query). */
  readonly endpoint: string;
  attempts: number;
  lastStatus: number | undefined;
}

/**
 * One token request (RFC 6749 §4.4.2), with the retries and the single DPoP-nonce retry it may need.
 * `deadline` (epoch ms on `now`) bounds every wait; `signal` aborts everything.
 */
export async function requestToken(
  settings: TokenRequestSettings,
  target: TokenRequestTarget,
  signal: AbortSignal,
  deadline: number,
  now: () => number,
  clock: Clock,
  emit: (event: AttacheEvent) => void,
  params: readonly (readonly [string, string])[] = settings.params,
): Promise<GrantResponse> {
  const endpoint = safeUrl(target.url);
  const call: TokenCall = {
    settings,
    target,
    params,
    signal,
    clock,
    now,
    endpoint,
    attempts: 0,
    lastStatus: undefined,
  };
  const started = now();
  const grantType = params.find(([name]) => name === 'grant_type')?.[1] ?? 'unknown';
  const report = (error?: unknown): void =>
    emit({
      type: 'token:request',
      endpoint,
      grantType,
      ...(call.lastStatus === undefined ? {} : { status: call.lastStatus }),
      ...(error === undefined ? {} : { error: errorCode(error) }),
      attempts: call.attempts,
      durationMs: now() - started,
    });
  try {
    const response = await retryTransient(() => exchange(call), settings.retry, {
      signal,
      now,
      random: settings.random,
      deadline,
      onRetry: (error, attempt, delayMs) =>
        emit({
          type: 'retry:scheduled',
          method: 'POST',
          url: endpoint,
          reason: error.status === undefined ? 'network' : 'status',
          ...(error.status === undefined ? {} : { status: error.status }),
          attempt,
          delayMs,
        }),
    });
    report();
    return response;
  } catch (error) {
    report(error);
    throw error;
  }
}

/** One attempt, made a second time at once when the server asks for a DPoP nonce it has just sent. */
async function exchange(call: TokenCall): Promise<GrantResponse> {
  const { dpop } = call.settings;
  for (let nonceRetried = false; ; nonceRetried = true) {
    const { headers, body } = await prepare(call);
    const response = await post(call, headers, body);
    const nonce = response.headers.get('dpop-nonce');
    const answer = await readAnswer(call, response);
    if (!('error' in answer)) return answer.token;
    // RFC 9449 §8: the server wants a nonce in the proof; it sent one, so the request is made again at once.
    const wantsNonce = answer.error.error === 'use_dpop_nonce' && nonce !== null && nonce !== '';
    if (wantsNonce && dpop !== undefined && !nonceRetried) continue;
    throw await refusal(answer, response.status, call.endpoint, headers, body);
  }
}

/**
 * The error for a refusal. Cleaning the server's text of the request's credentials is code a client that gets
 * its tokens never runs, so it is a chunk loaded on first use; if that load fails, the refusal is still an
 * error with its status, retryable as the load may succeed next time.
 */
async function refusal(
  answer: { error: OAuthErrorBody; retryAfter: number | undefined },
  status: number,
  endpoint: string,
  headers: Headers,
  body: URLSearchParams,
): Promise<TokenAcquisitionError> {
  const describer = await import('./token-refusal.ts').catch(() => undefined);
  if (describer === undefined) {
    return new TokenAcquisitionError(
      `Token endpoint ${endpoint} refused the request (HTTP ${status}); its error could not be read: the code that reads it did not load`,
      { status, retryable: true },
    );
  }
  const sensitive = describer.sensitiveValues(headers, body);
  return describer.oauthError(answer.error, status, endpoint, sensitive, answer.retryAfter);
}

/** The request's headers and form body, with the client's credentials and a fresh DPoP proof. */
async function prepare(call: TokenCall): Promise<{ headers: Headers; body: URLSearchParams }> {
  const { settings, target, clock } = call;
  const headers = new Headers({ accept: 'application/json' });
  const body = new URLSearchParams(call.params as [string, string][]);
  await settings.clientAuthentication.apply({
    clientId: settings.clientId,
    tokenEndpoint: target.url.href,
    issuer: target.issuer,
    headers,
    body,
    now: () => clock.now(),
  });
  if (settings.dpop !== undefined) {
    headers.set('dpop', await settings.dpop.proof({ method: 'POST', url: target.url, now: clock.now() }));
  }
  return { headers, body };
}

/** Sends the request; what the answer teaches (the clock, a DPoP nonce) is taken in here. */
async function post(call: TokenCall, headers: Headers, body: URLSearchParams): Promise<Response> {
  const { settings, target, clock } = call;
  // Never follow a redirect: it would carry the client's credentials to wherever it points.
  const request = {
    url: target.url,
    method: 'POST',
    headers,
    form: body,
    redirect: 'manual',
    signal: call.signal,
  } as const;
  call.attempts++;
  const response = await send(settings.transport, request, 'token endpoint');
  call.lastStatus = response.status;
  // The token endpoint was sent the client's credentials: its Date may teach the client's clock.
  if ('observe' in clock) (clock as LearningClock).observe(response);
  const nonce = response.headers.get('dpop-nonce');
  if (settings.dpop !== undefined && nonce !== null && nonce !== '') {
    settings.dpop.rememberNonce(target.url.origin, nonce);
  }
  return response;
}

type Answer =
  | { readonly token: GrantResponse }
  | { readonly error: OAuthErrorBody; readonly retryAfter: number | undefined };

/**
 * Reads the token endpoint's answer: a token, or an RFC 6749 §5.2 error for the caller to act on.
 *
 * @throws {TokenAcquisitionError} for a redirect, an answer too large, or one that is neither.
 */
async function readAnswer(call: TokenCall, response: Response): Promise<Answer> {
  const { endpoint, settings } = call;
  const status = response.status;
  if (status === 0 || (status >= 300 && status < 400)) {
    await response.body?.cancel().catch(() => undefined);
    throw new TokenAcquisitionError(
      `Token endpoint ${endpoint} answered with a redirect; credentials are never sent on to a redirect target`,
      { status, retryable: false },
    );
  }
  const text = await readBounded(response, settings.maxResponseBytes, call.signal);
  if (typeof text !== 'string') {
    throw new TokenAcquisitionError(
      `Token endpoint ${endpoint} answered HTTP ${status} with more than ${text.limit} bytes (maxResponseBytes); the answer was not read further`,
      { status, error: 'response_too_large', retryable: false },
    );
  }
  const json = parseJson(text);
  const contentType = response.headers.get('content-type');
  if (response.ok) {
    if (json === undefined) {
      throw new TokenAcquisitionError(
        `Token endpoint ${endpoint} answered HTTP ${status} with ${describeBody(text, contentType)} instead of a JSON token response`,
        { status, error: 'invalid_token_response', retryable: false },
      );
    }
    const dpop = settings.dpop !== undefined;
    return { token: parseTokenResponse(json, response.headers.get('date'), { dpop }) };
  }
  const retryAfter =
    status === 429 || status === 503 ? parseRetryAfter(response.headers, call.now()) : undefined;
  const error = parseOAuthError(json);
  if (error === undefined) {
    throw new TokenAcquisitionError(
      `Token endpoint ${endpoint} answered HTTP ${status} with ${json === undefined ? describeBody(text, contentType) : 'JSON that is not an OAuth error'}`,
      { status, ...(retryAfter === undefined ? {} : { retryAfter }) },
    );
  }
  return { error, retryAfter };
}
