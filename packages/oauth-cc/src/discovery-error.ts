import { TokenAcquisitionError } from '@attache/core';
import { isBrandedError } from '@attache/core/internal';

/** Why discovery failed. */
export type DiscoveryFailure =
  /** Neither metadata document exists (both answered 4xx). */
  | 'not_found'
  /** The metadata's `issuer` is not exactly the issuer asked for (RFC 8414 §3.3): it must not be used. */
  | 'issuer_mismatch'
  /** The document is not JSON, or lacks or mistypes a field (`issuer`, `token_endpoint`, …). */
  | 'invalid_metadata'
  /** The server failed (5xx) or could not be reached. */
  | 'unavailable';

/**
 * Authorization server metadata could not be had or must not be trusted. A `TokenAcquisitionError` (code
 * `TOKEN_ACQUISITION`), since without it no token can be requested; `reason` says what went wrong and
 * `isRetryable` is true only for `unavailable`.
 *
 * @example
 * ```ts
 * try {
 *   await discover('https://auth.partner.example');
 * } catch (error) {
 *   if (error instanceof DiscoveryError && error.reason === 'issuer_mismatch') console.error('wrong issuer');
 * }
 * ```
 */
export class DiscoveryError extends TokenAcquisitionError {
  override name = 'DiscoveryError' as const;
  /** What went wrong. */
  readonly reason: DiscoveryFailure;
  /** The issuer discovery was asked for. */
  readonly issuer: string;

  constructor(
    reason: DiscoveryFailure,
    issuer: string,
    message: string,
    options: { readonly status?: number | undefined; readonly cause?: unknown } = {},
  ) {
    super(message, {
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      retryable: reason === 'unavailable',
    });
    this.reason = reason;
    this.issuer = issuer;
  }
}

/**
 * True for a {@link DiscoveryError}, including one from another copy of this package. It shares its code
 * with every `TokenAcquisitionError`, so the `name` tells it apart.
 */
export function isDiscoveryError(value: unknown): value is DiscoveryError {
  return isBrandedError(value, DiscoveryError, ['TOKEN_ACQUISITION'], 'DiscoveryError');
}
