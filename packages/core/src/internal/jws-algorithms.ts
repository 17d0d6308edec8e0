/**
 * The asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037) Attaché signs and verifies with: the ones a
 * `private_key_jwt` assertion or a DPoP proof (RFC 9449 §4.2: never `none`, never a MAC) may use. One list,
 * so the client and the test servers agree on what is accepted.
 */
export const ASYMMETRIC_JWS_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];
