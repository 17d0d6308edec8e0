import './require-node.ts';

export type { ApiKeyAuthOptions, ApiKeyPlacement } from './api-key-auth.ts';
export { apiKeyAuth } from './api-key-auth.ts';
export { defaultSecretPatterns } from './secret-patterns.ts';
