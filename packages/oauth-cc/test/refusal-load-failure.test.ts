import { TokenAcquisitionError } from '@attache/core';
import { describe, expect, it, vi } from 'vitest';
import { clientCredentialsAuth } from '../src/index.ts';

// A refusal's error is described by a chunk loaded on first use; here that load fails.
vi.mock('../src/token-refusal.ts', () => {
  throw new Error('chunk load failed');
});

describe('a token endpoint refusal, when the code that reads it cannot be loaded', () => {
  it('is still a TokenAcquisitionError with the status, without the server text or the secret', async () => {
    let posts = 0;
    const auth = clientCredentialsAuth({
      tokenEndpoint: 'https://auth.partner.example/token',
      clientId: 'robot-7',
      clientSecret: 'client-secret-abcdef',
      retry: false,
      transport: async () => {
        posts++;
        return Response.json(
          { error: 'invalid_client', error_description: 'client-secret-abcdef is wrong' },
          { status: 401 },
        );
      },
    });
    const error = await auth.source.get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    // Retryable: the load may succeed next time, and the token source backs off until then.
    expect(error).toMatchObject({ status: 401, isRetryable: true });
    expect((error as Error).message).toBe(
      'Token endpoint https://auth.partner.example/token refused the request (HTTP 401); its error could not be read: the code that reads it did not load',
    );
    expect(JSON.stringify(error)).not.toContain('client-secret-abcdef');
    expect(posts).toBe(1);
  });
});
