import { type AssertionAudience, addClientAssertion, checkAssertionAudience } from './client-assertion.ts';
import type { ClientAuthentication } from './client-authentication.ts';
import { type PrivateKeyAlgorithm, type PrivateKeyInput, preparePrivateKey } from './private-key.ts';

/** Options of {@link privateKeyJwt}. */
export interface PrivateKeyJwtOptions {
  /**
   * The JWS algorithm. Default: from the key (RSA → `RS256`, RSA-PSS → `PS256`, P-256 → `ES256`,
   * Ed25519 → `EdDSA`; a `CryptoKey`'s own hash; a JWK's `alg`). Give `PS256` to sign PSS with an RSA key.
   */
  readonly alg?: PrivateKeyAlgorithm;
  /**
   * The `kid` header: which of the client's registered keys signed. Default: the JWK's `kid`; none for a
   * `CryptoKey` or PEM (servers then try every key of the client that fits the algorithm).
   */
  readonly kid?: string;
  /** The assertion's `aud`. Default `'token-endpoint'` (the token endpoint URL). */
  readonly audience?: AssertionAudience;
}

/**
 * `private_key_jwt` (RFC 7523, OpenID Connect Core §9): a short-lived JWT signed with the client's private
 * key; the server checks it against the public key it has registered (its `jwks` or `jwks_uri`). No shared
 * secret exists, so nothing that could leak from the server lets anyone impersonate the client: the method
 * to prefer whenever the authorization server supports it. RS256, PS256, ES256 and EdDSA keys (and the
 * 384/512 variants), as a `CryptoKey`, a private JWK or a PKCS#8 PEM.
 *
 * @throws {ConfigError} when the key is not a private signing key, or `alg` does not fit it.
 * @example
 * ```ts
 * clientCredentialsAuth({
 *   issuer,
 *   clientId: 'billing',
 *   clientAuthentication: privateKeyJwt(secret(process.env.CLIENT_KEY_PEM!), { kid: 'billing-2026' }),
 * });
 * ```
 */
export function privateKeyJwt(
  privateKey: PrivateKeyInput,
  options: PrivateKeyJwtOptions = {},
): ClientAuthentication {
  const prepared = preparePrivateKey(privateKey, options, 'privateKeyJwt: privateKey');
  const audience = checkAssertionAudience(options.audience, 'privateKeyJwt');
  return {
    method: 'private_key_jwt',
    usesMutualTls: false,
    apply: async (request) =>
      addClientAssertion(request, audience, {
        alg: prepared.alg,
        kid: prepared.kid,
        key: await prepared.key(),
      }),
  };
}
