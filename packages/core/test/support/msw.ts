import type { Authenticator } from '@attache/core';

export { useMswServer } from '../../../../test/support/msw.ts';

/** An authenticator that counts its calls and stamps the attempt number on the request. */
export function countingAuth(name = 'counting'): {
  readonly attempts: number[];
  readonly authenticator: Authenticator;
} {
  const attempts: number[] = [];
  return {
    attempts,
    authenticator: {
      name,
      attach(draft, context) {
        attempts.push(context.attempt);
        draft.headers.set('x-attempt', String(context.attempt));
      },
    },
  };
}
