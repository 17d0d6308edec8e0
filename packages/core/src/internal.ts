/**
 * Helpers the sibling `@attache/*` packages share. Not part of the public API: names and signatures may change
 * in any release. Import from `@attache/core/internal` only inside this monorepo.
 *
 * @packageDocumentation
 */
export { attachAll, checkDraftTarget } from './authenticator.ts';
export { checkCredentialInput, readCredential } from './bearer-auth.ts';
export type { LearningClock } from './clock.ts';
export { createLearningClock } from './clock.ts';
export type { Pipeline, PipelineResult } from './create-fetch.ts';
export { createPipeline } from './create-fetch.ts';
export { raceSignal, sleep } from './deadline.ts';
export { isLoopbackHost, normalizeOrigin } from './origin-policy.ts';
export type { SensitiveNames } from './redact.ts';
export { redactRequest, redactUrl, SENSITIVE_HEADERS, SENSITIVE_QUERY } from './redact.ts';
export { parseRetryAfter } from './retry-after.ts';
export { toRequestInit } from './transport.ts';
export { parseWwwAuthenticate } from './www-authenticate.ts';
