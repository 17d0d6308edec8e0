import type { AuthContext, Authenticator, ChallengeOutcome, RequestDraft } from '../authenticator.ts';
import { ConfigError } from '../errors.ts';
import type { AttacheEventListener } from '../events.ts';
import { forwardEvents } from '../forward-events.ts';
import { checkHeaderValue } from '../header-value.ts';
import { Secret } from '../secret.ts';
import type { Token, TokenSource } from './token-types.ts';

/** Options of {@link tokenAuth}. */
export interface TokenAuthOptions {
  /** Where tokens come from: see `createTokenSource`. One source may serve many clients. */
  readonly source: TokenSource;
  /**
   * The scheme word sent before the token. Default: the token's `type` (the endpoint's `token_type`,
   * `Bearer` when it gave none).
   */
  readonly scheme?: string;
  /** The authenticator's name in events and errors. Default `token`. */
  readonly name?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Sends `Authorization: <type> <token>` with a token from a {@link TokenSource}, fetched (once, shared) and
 * refreshed by the source. On a 401 it invalidates the token that request carried (only that one: a newer
 * token is kept) and answers `'replay'` when a different token is available, so the pipeline replays once;
 * a 401 with `error="insufficient_scope"` is answered `'fail'` (a new token would not have more scope).
 * Any number of concurrent 401s for one token cause a single refresh.
 *
 * @throws {ConfigError} when `source` is not a token source or `scheme` is not a valid scheme word.
 * @example
 * ```ts
 * const source = createTokenSource(login, { key: tokenCacheKey({ tokenEndpoint: loginUrl, clientId: 'robot-7' }) });
 * const fetch = createFetch({ baseUrl: 'https://partner.example', auth: tokenAuth({ source }) });
 * ```
 */
export function tokenAuth(options: TokenAuthOptions): Authenticator {
  const source = options?.source;
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof source.get !== 'function' ||
    typeof source.invalidate !== 'function'
  ) {
    throw new ConfigError('tokenAuth: source must be a token source (see createTokenSource)');
  }
  const scheme = options.scheme;
  if (scheme !== undefined && (typeof scheme !== 'string' || !TOKEN.test(scheme))) {
    throw new ConfigError('tokenAuth: scheme must be an authentication scheme word, e.g. "Bearer"');
  }
  const name = options.name ?? 'token';
  /**
   * The call's sink, adding to `token:acquired` how long this call waited (a span per token acquisition needs
   * its start). Only calls someone listens to have a `callId`; the others get the sink as it is.
   */
  function timed(context: AuthContext): AttacheEventListener {
    if (context.callId === undefined) return context.emit;
    const started = context.clock.now();
    return (event) =>
      context.emit(
        event.type === 'token:acquired' ? { ...event, waitedMs: context.clock.now() - started } : event,
      );
  }
  /** The token a hop carried, read from the draft as sent: a later authenticator may have changed it. */
  function rejectedToken(sent: RequestDraft): Pick<Token, 'value'> | undefined {
    const header = sent.headers.get('authorization');
    if (header === null) return undefined;
    const space = header.indexOf(' ');
    if (space <= 0) return undefined;
    return { value: new Secret(header.slice(space + 1).trim()) };
  }

  const attach = async (draft: RequestDraft, context: AuthContext): Promise<void> => {
    const token = await source.get({ signal: context.signal, onEvent: timed(context), clock: context.clock });
    // A token source of another making may hand out anything: checked before it is written.
    const value = checkHeaderValue(token.value, `${name}: access token from the token source`, 'endpoint');
    const type =
      scheme ?? checkHeaderValue(token.type, `${name}: token type from the token source`, 'endpoint');
    draft.headers.set('authorization', `${type} ${value}`);
  };

  return {
    name,
    sensitiveHeaders: ['authorization'],
    attach,
    async challenge(_response, sent, context): Promise<ChallengeOutcome> {
      if (context.challenges.some((challenge) => challenge.params.error === 'insufficient_scope'))
        return 'fail';
      const rejected = rejectedToken(sent);
      if (rejected === undefined) return 'fail';
      await source.invalidate(rejected);
      const fresh = await source.get({
        signal: context.signal,
        onEvent: timed(context),
        clock: context.clock,
      });
      // The same token again (the server handed it back, or it was not ours to drop) would only be refused again.
      return fresh.value.reveal() === rejected.value.reveal() ? 'fail' : 'replay';
    },
    // The events of the source's store (a Redis store's outages) join the `onEvent` of each client using this.
    ...forwardEvents(source),
  };
}
