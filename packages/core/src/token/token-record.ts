import { TokenAcquisitionError } from '../errors.ts';
import { headerValueProblem } from '../header-value.ts';
import { Secret } from '../secret.ts';
import { clockOffsetFrom, jwtExpiry, parseSeconds, resolveLifetime } from './lifetime.ts';
import type { SourceContext } from './source-context.ts';
import { TokenResponseError } from './token-response-error.ts';
import type { StoredTokenRecord } from './token-store.ts';
import type { TokenResponse } from './token-types.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The string inside an access token given as a string or a `Secret`, or `undefined`. */
export function revealAccessToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Secret) return value.reveal();
  // A Secret from another copy of the package.
  const reveal = (value as { reveal?: unknown } | null | undefined)?.reveal;
  if (typeof reveal === 'function') {
    const revealed: unknown = reveal.call(value);
    return typeof revealed === 'string' ? revealed : undefined;
  }
  return undefined;
}

function normalizeTokenType(type: unknown): string {
  if (type === undefined || type === null || type === '') return 'Bearer';
  if (typeof type !== 'string' || !TOKEN.test(type)) {
    throw new TokenResponseError(
      'token_type',
      'Token response field token_type is not a valid authentication scheme',
    );
  }
  // RFC 6749 §5.1: token_type is case-insensitive; some resource servers only accept the canonical spelling.
  const lower = type.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  return type;
}

function checkedAccessToken(response: TokenResponse, key: string): string {
  if (typeof response !== 'object' || response === null) {
    throw new TokenAcquisitionError(`fetchToken for ${key} did not resolve to a token response`, {
      retryable: false,
    });
  }
  const accessToken = revealAccessToken(response.accessToken);
  if (accessToken === undefined || accessToken.length === 0) {
    throw new TokenResponseError('access_token', 'Token response has no access token');
  }
  const problem = headerValueProblem(accessToken);
  if (problem !== undefined) {
    // Never quoted: the message says what is wrong, not what the token is.
    throw new TokenResponseError('access_token', `The access token ${problem}; it cannot be sent`);
  }
  return accessToken;
}

/**
 * The record of what `fetchToken` answered, checked. Learns the server's clock offset from it on the way.
 *
 * @throws {TokenAcquisitionError} when the answer is not a usable token response.
 */
export async function recordFromResponse(
  context: SourceContext,
  response: TokenResponse,
  requestedAt: number,
  receivedAt: number,
): Promise<StoredTokenRecord> {
  const accessToken = checkedAccessToken(response, context.key);
  const tokenType = normalizeTokenType(response.tokenType);
  const { state } = context;
  // The response's own Date wins; without one, the offset the caller's client already learned from the
  // partner (its one clock) judges a JWT `exp`.
  const learned = clockOffsetFrom(response.serverDate, receivedAt);
  if (learned !== undefined) state.clockOffset = learned;
  else if (state.clock !== undefined) state.clockOffset = state.clock.offset;
  const absent = response.expiresIn === undefined || response.expiresIn === null;
  const { expiresAt } = resolveLifetime({
    expiresIn: response.expiresIn,
    jwtExp: absent ? await jwtExpiry(accessToken) : undefined,
    requestedAt,
    receivedAt,
    clockOffset: state.clockOffset,
    defaultLifetime: context.defaultLifetime,
  });
  const refreshIn = parseSeconds(response.refreshIn, 'refresh_in');
  return {
    version: 1,
    accessToken,
    tokenType,
    issuedAt: requestedAt,
    expiresAt,
    ...(refreshIn === undefined ? {} : { refreshIn: refreshIn * 1000 }),
    ...(response.extra === undefined ? {} : { extra: Object.freeze({ ...response.extra }) }),
  };
}
