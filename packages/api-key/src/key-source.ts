import { ConfigError, type CredentialInput, revealSecret, type SecretInput } from '@attache/core';
import { createProviderCache } from '@attache/core/internal';

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
  const cache = createProviderCache<string>(
    input,
    (value) => {
      const key = typeof value === 'string' || isSecretLike(value) ? revealSecret(value) : undefined;
      if (key === undefined)
        throw new ConfigError('apiKeyAuth: key provider must return a string or a Secret');
      check(key);
      return key;
    },
    'apiKeyAuth: the key provider failed',
  );
  return {
    rotates: true,
    current: () => cache.settled() ?? cache.current(),
    renew: (rejected) => cache.renew(rejected),
  };
}

function isSecretLike(value: unknown): value is SecretInput {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { reveal?: unknown }).reveal === 'function'
  );
}
