import {
  type AttacheEvent,
  type Clock,
  isAttacheError,
  TokenAcquisitionError,
  type Transport,
} from '@attache/core';
import { type LearningClock, parseRetryAfter, sleep } from '@attache/core/internal';
import pRetry from 'p-retry';
import type { ClientAuthentication } from './client-authentication.ts';
import type { DpopProver } from './dpop.ts';
import { readBounded } from './read-bounded.ts';
import { describeBody, parseJson, safeUrl, send } from './send.ts';
import { oauthError, parseOAuthError } from './token-endpoint-error.ts';
import { isTransient, type ResolvedTokenRetry } from './token-endpoint-retry.ts';
import { type GrantResponse, parseTokenResponse } from './token-response.ts';

/** Everything a token request needs that does not change between calls. */
export interface TokenRequestSettings {
  readonly clientId: string;
  readonly clientAuthentication: ClientAuthentication;
  /** `grant_type`, `scope`, `audience`, `resource` and extra parameters, in order. */
  readonly params: readonly (readonly [string, string])[];
  readonly transport: Transport;
  readonly retry: ResolvedTokenRetry;
  readonly dpop: DpopProver | undefined;
  /** The most bytes of a token endpoint answer that are read. */
  readonly maxResponseBytes: number;
}

/** Where one token request goes. */
export interface TokenRequestTarget {
  readonly url: URL;
  readonly issuer: string | undefined;
}

/** The request's credentials, so an error description that echoes one can be cleaned. */
function sensitiveValues(headers: Headers, body: URLSearchParams): string[] {
  const values: string[] = [];
  for (const name of [
    'client_secret',
    'client_assertion',
    'refresh_token',
    'subject_token',
    'actor_token',
    'assertion',
  ]) {
    const value = body.get(name);
    if (value !== null) values.push(value);
  }
  for (const name of ['authorization', 'dpop']) {
    const value = headers.get(name);
    if (value !== null) values.push(value.replace(/^\S+\s+/, ''));
  }
  const basic = /^Basic\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = atob(basic);
    const secret = decoded.slice(decoded.indexOf(':') + 1);
    values.push(secret, new URLSearchParams(`s=${secret}`).get('s') ?? secret);
  }
  return values;
}

// The OAuth `error` is the server's text: events keep it only when it looks like an error code.
function errorCode(error: unknown): string {
  if (!isAttacheError(error)) return 'ERROR';
  const oauth = error instanceof TokenAcquisitionError ? error.error : undefined;
  return oauth !== undefined && /^[a-z][a-z0-9_.-]{0,63}$/i.test(oauth) ? oauth : error.code;
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
  const { dpop } = settings;
  const started = now();
  let attempts = 0;
  let lastStatus: number | undefined;
  const grantType = params.find(([name]) => name === 'grant_type')?.[1] ?? 'unknown';
  const report = (error?: unknown): void =>
    emit({
      type: 'token:request',
      endpoint,
      grantType,
      ...(lastStatus === undefined ? {} : { status: lastStatus }),
      ...(error === undefined ? {} : { error: errorCode(error) }),
      attempts,
      durationMs: now() - started,
    });

  async function exchange(): Promise<GrantResponse> {
    let nonceRetried = false;
    for (;;) {
      const headers = new Headers({ accept: 'application/json' });
      const body = new URLSearchParams(params as [string, string][]);
      await settings.clientAuthentication.apply({
        clientId: settings.clientId,
        tokenEndpoint: target.url.href,
        issuer: target.issuer,
        headers,
        body,
        now: () => clock.now(),
      });
      if (dpop !== undefined) {
        headers.set('dpop', await dpop.proof({ method: 'POST', url: target.url, now: clock.now() }));
      }
      // Never follow a redirect: it would carry the client's credentials to wherever it points.
      const request = {
        url: target.url,
        method: 'POST',
        headers,
        form: body,
        redirect: 'manual',
        signal,
      } as const;
      attempts++;
      const response = await send(settings.transport, request, 'token endpoint');
      lastStatus = response.status;
      // The token endpoint was sent the client's credentials: its Date may teach the client's clock.
      if ('observe' in clock) (clock as LearningClock).observe(response);
      const nonce = response.headers.get('dpop-nonce');
      if (dpop !== undefined && nonce !== null && nonce !== '') dpop.rememberNonce(target.url.origin, nonce);
      const status = response.status;
      if (status === 0 || (status >= 300 && status < 400)) {
        await response.body?.cancel().catch(() => undefined);
        throw new TokenAcquisitionError(
          `Token endpoint ${endpoint} answered with a redirect; credentials are never sent on to a redirect target`,
          { status, retryable: false },
        );
      }
      const read = await readBounded(response, settings.maxResponseBytes, signal);
      if (typeof read !== 'string') {
        throw new TokenAcquisitionError(
          `Token endpoint ${endpoint} answered HTTP ${status} with more than ${read.limit} bytes (maxResponseBytes); the answer was not read further`,
          { status, error: 'response_too_large', retryable: false },
        );
      }
      const text = read;
      const json = parseJson(text);
      if (response.ok) {
        if (json === undefined) {
          throw new TokenAcquisitionError(
            `Token endpoint ${endpoint} answered HTTP ${status} with ${describeBody(text, response.headers.get('content-type'))} instead of a JSON token response`,
            { status, error: 'invalid_token_response', retryable: false },
          );
        }
        return parseTokenResponse(json, response.headers.get('date'), { dpop: dpop !== undefined });
      }
      const retryAfter =
        status === 429 || status === 503 ? parseRetryAfter(response.headers, now()) : undefined;
      const error = parseOAuthError(json);
      if (error === undefined) {
        throw new TokenAcquisitionError(
          `Token endpoint ${endpoint} answered HTTP ${status} with ${json === undefined ? describeBody(text, response.headers.get('content-type')) : 'JSON that is not an OAuth error'}`,
          { status, ...(retryAfter === undefined ? {} : { retryAfter }) },
        );
      }
      // RFC 9449 §8: the server wants a nonce in the proof; it sent one, so the request is made again at once.
      if (
        error.error === 'use_dpop_nonce' &&
        dpop !== undefined &&
        nonce !== null &&
        nonce !== '' &&
        !nonceRetried
      ) {
        nonceRetried = true;
        continue;
      }
      throw oauthError(error, status, endpoint, sensitiveValues(headers, body), retryAfter);
    }
  }

  try {
    const response = await retried(exchange);
    report();
    return response;
  } catch (error) {
    report(error);
    throw error;
  }

  function retried(run: () => Promise<GrantResponse>): Promise<GrantResponse> {
    return pRetry(run, {
      retries: settings.retry.retries,
      minTimeout: settings.retry.minDelay,
      maxTimeout: settings.retry.maxDelay,
      factor: 2,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => isTransient(error),
      async onFailedAttempt({ error, attemptNumber, retriesLeft, retryDelay }) {
        if (!isTransient(error) || retriesLeft === 0) return;
        const retryAfter = error.retryAfter;
        const wait = Math.max(retryAfter ?? 0, retryDelay);
        // Not worth waiting for: the error goes back now, and the token source backs off (at least Retry-After).
        if (
          (retryAfter !== undefined && retryAfter > settings.retry.maxRetryAfter) ||
          now() + wait >= deadline
        ) {
          throw error;
        }
        emit({
          type: 'retry:scheduled',
          method: 'POST',
          url: endpoint,
          reason: error.status === undefined ? 'network' : 'status',
          ...(error.status === undefined ? {} : { status: error.status }),
          attempt: attemptNumber,
          delayMs: wait,
        });
        if (retryAfter !== undefined && retryAfter > retryDelay) await sleep(retryAfter - retryDelay, signal);
      },
    });
  }
}
