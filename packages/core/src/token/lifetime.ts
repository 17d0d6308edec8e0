import { parseHttpDate } from '../http-date.ts';
import { TokenResponseError } from './token-response-error.ts';

// `Date` has one-second resolution: a smaller difference says nothing about skew (same rule as the
// pipeline's learning clock).
const MIN_SKEW_MS = 2_000;
const SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Reads a lifetime field (`expires_in`, `refresh_in`) in seconds. Absent (`undefined`/`null`) gives
 * `undefined`; a number or a numeric string must be finite and positive.
 *
 * @throws {TokenResponseError} naming the field, for zero, negative or non-numeric values.
 */
export function parseSeconds(value: unknown, field: 'expires_in' | 'refresh_in'): number | undefined {
  if (value === undefined || value === null) return undefined;
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && SECONDS.test(value)) seconds = Number(value);
  else {
    throw new TokenResponseError(
      field,
      `Token response field ${field} is not a number of seconds (got ${describe(value)})`,
    );
  }
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TokenResponseError(
      field,
      `Token response field ${field} must be a positive number of seconds (got ${seconds})`,
    );
  }
  return seconds;
}

function describe(value: unknown): string {
  // Values come from a server, not from the user's credentials, but stay short anyway.
  if (typeof value === 'string')
    return value.length > 32 ? `a ${value.length}-character string` : JSON.stringify(value);
  return typeof value;
}

/**
 * Server time minus local time, learned from a response's `Date` header; `undefined` when the header is
 * absent or unparseable, `0` when the difference is under the header's resolution.
 */
export function clockOffsetFrom(serverDate: string | null | undefined, localNow: number): number | undefined {
  if (!serverDate) return undefined;
  const server = parseHttpDate(serverDate);
  if (Number.isNaN(server)) return undefined;
  const offset = server - localNow;
  return Math.abs(offset) >= MIN_SKEW_MS ? offset : 0;
}

/**
 * The JWT `exp` claim in epoch seconds, or `undefined` when the token is not a JWT or carries none. jose's
 * decoder loads with the first token that needs it: one whose response had no `expires_in`.
 */
export async function jwtExpiry(accessToken: string): Promise<number | undefined> {
  // A JWT has three dot-separated parts; skip the decode attempt for opaque tokens.
  if (accessToken.split('.').length !== 3) return undefined;
  return (await import('./jwt-exp.ts')).decodeJwtExp(accessToken);
}

/** Where a token's lifetime came from. */
export type LifetimeSource = 'expires_in' | 'exp' | 'default';

/** What {@link resolveLifetime} needs to know. */
export interface LifetimeInput {
  readonly expiresIn: unknown;
  /** The access token's JWT `exp` ({@link jwtExpiry}), when `expiresIn` is absent and the token has one. */
  readonly jwtExp: number | undefined;
  /** Local epoch ms when the token request was sent: `expires_in` counts from there (the safe side). */
  readonly requestedAt: number;
  /** Local epoch ms when the answer arrived. */
  readonly receivedAt: number;
  /** Server time minus local time, in ms. */
  readonly clockOffset: number;
  /** Lifetime in ms when neither `expires_in` nor a JWT `exp` says. */
  readonly defaultLifetime: number;
}

/** A token's expiry in local epoch ms, and where it came from. */
export interface ResolvedLifetime {
  readonly expiresAt: number;
  readonly source: LifetimeSource;
}

const MAX_LIFETIME_S = 315_360_000;

/**
 * `expires_in` wins; else the JWT `exp` (moved onto the local clock by the learned offset); else
 * `defaultLifetime`.
 *
 * @throws {TokenResponseError} for an unusable `expires_in`, or an `exp` that has already passed.
 */
export function resolveLifetime(input: LifetimeInput): ResolvedLifetime {
  const expiresIn = parseSeconds(input.expiresIn, 'expires_in');
  if (expiresIn !== undefined) {
    // Clamped to ten years, more than any token lives: past ~1.8e305 s the sum is no instant at all (∞), which
    // neither events (JSON) nor a store's TTL can carry.
    const expiresAt = input.requestedAt + Math.min(expiresIn, MAX_LIFETIME_S) * 1000;
    if (expiresAt <= input.receivedAt) {
      throw new TokenResponseError(
        'expires_in',
        `Token response field expires_in (${expiresIn} s) ran out before the response arrived`,
      );
    }
    return { expiresAt, source: 'expires_in' };
  }
  const exp = input.jwtExp;
  if (exp !== undefined) {
    const expiresAt = exp * 1000 - input.clockOffset;
    if (expiresAt <= input.receivedAt) {
      const late = Math.round((input.receivedAt - expiresAt) / 1000);
      throw new TokenResponseError(
        'exp',
        `The access token's JWT exp claim passed ${late} s before it arrived; if the server's clock differs from ours, ` +
          'return the response Date header as serverDate so the offset is learned',
      );
    }
    return { expiresAt, source: 'exp' };
  }
  return { expiresAt: input.requestedAt + input.defaultLifetime, source: 'default' };
}
