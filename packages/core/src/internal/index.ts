/**
 * Helpers the Attaché packages share with each other. Not part of the public API: it may change in any
 * release, so import it only from `@attache/*` packages.
 *
 * @packageDocumentation
 */

export { backoff, EQUAL_JITTER } from '../backoff.ts';
export { readCredential } from '../bearer-auth.ts';
export type { LearningClock } from '../clock.ts';
export { createLearningClock } from '../clock.ts';
export { raceSignal, sleep } from '../deadline.ts';
export { isBrandedError } from '../errors.ts';
export { forwardEvents } from '../forward-events.ts';
export { checkHeaderValue } from '../header-value.ts';
export { isLoopbackHost } from '../origin-policy.ts';
export { redactRequest, redactResponseHeaders } from '../redact.ts';
export { parseRetryAfter } from '../retry-after.ts';
export { MAX_WAIT } from '../retry-policy.ts';
export { toRequestInit } from '../transport.ts';
export { parseWwwAuthenticate } from '../www-authenticate.ts';
export type { NumberRule } from './checks.ts';
export { callListener, checkNumber, checkOptionalNumber, isHttpToken } from './checks.ts';
export type { EventSourceListeners } from './event-source.ts';
export { createEventSource } from './event-source.ts';
export { ASYMMETRIC_JWS_ALGORITHMS } from './jws-algorithms.ts';
export type { ProviderCache } from './provider-cache.ts';
export { createProviderCache } from './provider-cache.ts';
