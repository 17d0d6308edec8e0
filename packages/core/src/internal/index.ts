/**
 * Helpers the Attaché packages share with each other. Not part of the public API: it may change in any
 * release, so import it only from `@attache/*` packages.
 *
 * @packageDocumentation
 */

export { attachAll, checkDraftTarget } from '../authenticator.ts';
export { checkCredentialInput, readCredential } from '../bearer-auth.ts';
export type { LearningClock } from '../clock.ts';
export { createLearningClock } from '../clock.ts';
export type { Pipeline, PipelineResult } from '../create-fetch.ts';
export { createPipeline } from '../create-fetch.ts';
export { raceSignal, sleep } from '../deadline.ts';
export { isBrandedError } from '../errors.ts';
export type { HeaderValueCharset, HeaderValueOrigin } from '../header-value.ts';
export { checkHeaderValue, headerValueProblem } from '../header-value.ts';
export { isLoopbackHost, normalizeOrigin } from '../origin-policy.ts';
export type { SensitiveNames } from '../redact.ts';
export {
  redactRequest,
  redactResponseHeaders,
  redactUrl,
  SENSITIVE_HEADERS,
  SENSITIVE_QUERY,
} from '../redact.ts';
export { parseRetryAfter } from '../retry-after.ts';
export { toRequestInit } from '../transport.ts';
export { parseWwwAuthenticate } from '../www-authenticate.ts';
export type { NumberRule } from './checks.ts';
export { callListener, checkNumber, checkOptionalNumber, HTTP_TOKEN, isHttpToken } from './checks.ts';
export { ASYMMETRIC_JWS_ALGORITHMS } from './jws-algorithms.ts';
