/**
 * Helpers the Attaché packages share with each other. Not part of the public API: it may change in any
 * release, so import it only from `@attache/*` packages.
 *
 * @packageDocumentation
 */
export { isBrandedError } from '../errors.ts';
export type { NumberRule } from './checks.ts';
export { callListener, checkNumber, checkOptionalNumber, HTTP_TOKEN, isHttpToken } from './checks.ts';
export { ASYMMETRIC_JWS_ALGORITHMS } from './jws-algorithms.ts';
