import {
  ConfigError,
  type CredentialInput,
  isAttacheError,
  revealSecret,
  type SecretInput,
  TokenAcquisitionError,
} from '@attache/core';

/** Where the authenticator gets its key: a fixed value, or a provider read once and again after a 401. */
export interface KeySource {
  /** True when the key comes from a provider, so a 401 may be cured by reading it again. */
  readonly rotates: boolean;
  /** The current key: the fixed value, the cached provider value, or the provider's pending answer. */
  current(): string | Promise<string>;
  /**
   * Called after `rejected` (the key a 401 answered) was refused: resolves `true` when a different key is
   * now current, so a replay is worthwhile. Concurrent calls for the same rejected key share one provider
   * read.
   */
  renew(rejected: string | undefined): Promise<boolean>;
}

/**
 * Creates the key source. `check` validates every key the provider returns (it throws a `ConfigError`
 * that never quotes the key).
 */
export function createKeySource(input: CredentialInput, check: (key: string) => void): KeySource {
  if (typeof input !== 'function') {
    const key = revealSecret(input);
    return { rotates: false, current: () => key, renew: async () => false };
  }
  const provider = input;
  // The pending or settled read. A failed read is forgotten, so the next call asks the provider again.
  let cached: Promise<string> | undefined;

  function read(): Promise<string> {
    const pending = Promise.resolve()
      .then(provider)
      .then(
        (value: SecretInput) => {
          const key = typeof value === 'string' || isSecretLike(value) ? revealSecret(value) : undefined;
          if (key === undefined) {
            throw new ConfigError('apiKeyAuth: key provider must return a string or a Secret');
          }
          check(key);
          return key;
        },
        (cause: unknown) => {
          if (isAttacheError(cause)) throw cause;
          throw new TokenAcquisitionError('apiKeyAuth: the key provider failed', { cause });
        },
      );
    cached = pending;
    pending.catch(() => {
      if (cached === pending) cached = undefined;
    });
    return pending;
  }

  return {
    rotates: true,
    current: () => cached ?? read(),
    async renew(rejected) {
      const seen = cached;
      if (seen !== undefined) {
        const known = await seen.catch(() => undefined);
        // Another call already moved on from the rejected key: replay with the newer one.
        if (known !== undefined && known !== rejected) return true;
      }
      // The first caller to get here starts the read; the others await that same read.
      const next = cached === seen || cached === undefined ? read() : cached;
      return (await next) !== rejected;
    },
  };
}

function isSecretLike(value: unknown): value is SecretInput {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { reveal?: unknown }).reveal === 'function'
  );
}
