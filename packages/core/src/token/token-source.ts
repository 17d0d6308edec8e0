import { forwardEvents } from '../forward-events.ts';
import { type SourceContext, unexpired } from './source-context.ts';
import { getToken } from './token-flight.ts';
import { revealAccessToken } from './token-record.ts';
import { privateState, sharedState } from './token-registry.ts';
import { checkOptions, resolveSettings, type TokenSourceOptions } from './token-source-options.ts';
import type { FetchToken, Token, TokenSource } from './token-types.ts';

/**
 * Creates a token source: it calls `fetchToken` when a token is needed and owns the token's lifecycle.
 *
 * - **Single flight**: at most one fetch per cache key is in flight in the process, shared by every caller
 *   and every source built with the same `key`.
 * - **Two stages**: past a randomized point between 75 % and 85 % of the lifetime (or the server's
 *   `refresh_in`), a background refresh starts and callers keep the current token; within `expirySkew` of
 *   expiry, callers wait for the new one. Expiry is checked when a token is asked for: no timers.
 * - **Failure**: a failed refresh keeps a still-valid token; the next attempts wait a random time between
 *   half and all of 1 s, 2 s, 4 s … up to `maxBackoff` (equal jitter, at least the endpoint's `Retry-After`),
 *   one at a time.
 *   With no valid token, callers inside the back-off get the last `TokenAcquisitionError` at once. A 429 or
 *   5xx is a retryable failure, never "credentials invalid".
 * - **Invalidation**: `invalidate(token)` only drops that exact token.
 * - **Lifetimes**: `expires_in`, else the JWT `exp` (read on our clock using the server's `Date`), else
 *   `defaultLifetime`.
 * - **Store**: an optional {@link TokenStore} shares tokens between processes, with a lock so one fetches.
 *
 * @throws {ConfigError} synchronously, for invalid options (the message names the field).
 * @example
 * ```ts
 * const source = createTokenSource(
 *   async ({ signal }) => {
 *     const response = await fetch('https://partner.example/login', {
 *       method: 'POST',
 *       headers: { 'content-type': 'application/json' },
 *       body: JSON.stringify({ username: 'robot-7', password: password.reveal() }),
 *       signal,
 *     });
 *     if (!response.ok) throw new TokenAcquisitionError('Login failed', { status: response.status });
 *     const body = (await response.json()) as { token: string; expires_in: number };
 *     return { accessToken: secret(body.token), expiresIn: body.expires_in, serverDate: response.headers.get('date') };
 *   },
 *   { key: tokenCacheKey({ tokenEndpoint: 'https://partner.example/login', clientId: 'robot-7' }) },
 * );
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * ```
 */
export function createTokenSource(fetchToken: FetchToken, options: TokenSourceOptions = {}): TokenSource {
  checkOptions(fetchToken, options);
  const key = options.key;
  const context: SourceContext = {
    ...resolveSettings(options),
    fetchToken,
    state: key === undefined || options.shareInProcess === false ? privateState() : sharedState(key),
    key: key ?? 'private',
    listener: options.onEvent,
    announced: new WeakSet(),
  };
  return {
    key: context.key,
    get: (getOptions = {}) => getToken(context, getOptions),
    invalidate: (token) => invalidate(context, token),
    peek: () => unexpired(context)?.token,
    // A store with events of its own (Redis outages) reaches the clients this source's authenticators serve.
    ...forwardEvents(context.store),
  };
}

/** Drops the held token if it is `token`, and its store entry by compare-and-delete. */
async function invalidate(context: SourceContext, token: Pick<Token, 'value'>): Promise<boolean> {
  const { state, store } = context;
  const value = revealAccessToken(token?.value);
  if (value === undefined) return false;
  state.rejected = value;
  const held = state.held;
  if (held === undefined || held.token.value.reveal() !== value) return false;
  state.held = undefined;
  if (store !== undefined && held.entry !== undefined) {
    const entry = held.entry;
    const pending = (async () => {
      try {
        await store.delete(context.key, entry);
      } catch {
        // The rejected value is remembered in `state.rejected`, so it is not adopted again anyway.
      }
    })();
    state.pendingDelete = pending;
    await pending;
    if (state.pendingDelete === pending) state.pendingDelete = undefined;
  }
  return true;
}
