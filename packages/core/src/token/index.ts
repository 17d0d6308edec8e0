export type { MemoryTokenStoreOptions } from './memory-token-store.ts';
export { createMemoryTokenStore } from './memory-token-store.ts';
export type { TokenAuthOptions } from './token-auth.ts';
export { tokenAuth } from './token-auth.ts';
export type { TokenCacheKeyParts } from './token-cache-key.ts';
export { tokenCacheKey } from './token-cache-key.ts';
export type { TokenResponseField } from './token-response-error.ts';
export { isTokenResponseError, TokenResponseError } from './token-response-error.ts';
export { createTokenSource } from './token-source.ts';
export type { TokenSourceOptions } from './token-source-options.ts';
export type { TokenEntryProblem, TokenStore, TokenStoreLock } from './token-store.ts';
export { tokenEntryProblem } from './token-store.ts';
export type {
  FetchToken,
  FetchTokenContext,
  GetTokenOptions,
  Token,
  TokenResponse,
  TokenSource,
} from './token-types.ts';
