import { ConfigError, revealSecret, type SecretInput } from '@attache/core';
import { checkHeaderValue } from '@attache/core/internal';

/** Checks a client secret eagerly; returns a reader so the value is revealed only on the wire. */
export function checkClientSecret(value: unknown, factory: string): () => string {
  const isSecret =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { reveal?: unknown }).reveal === 'function';
  if (typeof value !== 'string' && !isSecret) {
    throw new ConfigError(`${factory}: clientSecret must be a string or a Secret`);
  }
  const input = value as SecretInput;
  // Encoded before it travels, so any text will do; controls (a newline read from a file) never will.
  checkHeaderValue(input, `${factory}: clientSecret`, 'config', 'text');
  return () => revealSecret(input);
}
