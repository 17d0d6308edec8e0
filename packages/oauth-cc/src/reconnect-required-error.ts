import { TokenAcquisitionError, type TokenAcquisitionErrorOptions } from '@attache/core';

/**
 * A connected account can no longer get tokens: its refresh token is missing, revoked, expired or was used
 * twice (`invalid_grant`). It is never retried: the application must connect the account again (a new
 * authorization-code flow or login) and hand the new tokens to `connect()`.
 */
export class ReconnectRequiredError extends TokenAcquisitionError {
  override name = 'ReconnectRequiredError' as const;
  /** The account that must be connected again. */
  readonly account: string;
  constructor(account: string, reason: string, options: TokenAcquisitionErrorOptions = {}) {
    super(`Account ${JSON.stringify(account)} must be connected again: ${reason}`, {
      ...options,
      retryable: false,
    });
    this.account = account;
  }
}
