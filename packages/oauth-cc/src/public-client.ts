import type { ClientAuthentication } from './client-authentication.ts';

/**
 * `none` (RFC 7591): a client without credentials of its own, identified by `client_id` in the form body.
 * For grants whose assertion or subject token already proves who is asking (RFC 7523 §2.1, RFC 8693), when
 * the authorization server accepts such clients.
 *
 * @example
 * ```ts
 * jwtBearerAuth({ tokenEndpoint, clientId: 'ci-runner', clientAuthentication: publicClient(), assertion });
 * ```
 */
export function publicClient(): ClientAuthentication {
  return {
    method: 'none',
    usesMutualTls: false,
    apply({ clientId, body }) {
      body.set('client_id', clientId);
    },
  };
}
