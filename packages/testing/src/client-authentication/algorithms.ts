import { ASYMMETRIC_JWS_ALGORITHMS } from '@attache/core/internal';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Algorithms of `client_secret_jwt` assertions, signed with the client secret. */
export const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

/** Algorithms of `private_key_jwt` assertions, signed with the client's private key. */
export const KEY_ALGORITHMS: readonly string[] = ASYMMETRIC_JWS_ALGORITHMS;

/** Signing algorithms accepted for client assertions (`token_endpoint_auth_signing_alg_values_supported`). */
export const ASSERTION_ALGORITHMS: readonly string[] = [...HMAC_ALGORITHMS, ...KEY_ALGORITHMS];
