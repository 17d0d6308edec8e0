import type { ClientAuthentication } from './client-authentication.ts';

function mutualTls(method: 'tls_client_auth' | 'self_signed_tls_client_auth'): ClientAuthentication {
  return {
    method,
    usesMutualTls: true,
    apply({ body, clientId }) {
      body.set('client_id', clientId);
    },
  };
}

/**
 * `tls_client_auth` (RFC 8705 §2.1): the client presents a certificate from a CA the server trusts during
 * the TLS handshake; the request carries only `client_id`. Needs a `transport` that presents the certificate,
 * such as `@attache/mtls-node`'s `mtlsTransport()`; discovery's `mtls_endpoint_aliases` are then used. For
 * partners that run a PKI and bind tokens to certificates.
 *
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientAuthentication: tlsClientAuth(), transport: mtlsTransport({ cert, key }) });
 * ```
 */
export function tlsClientAuth(): ClientAuthentication {
  return mutualTls('tls_client_auth');
}

/**
 * `self_signed_tls_client_auth` (RFC 8705 §2.2): like {@link tlsClientAuth}, but the certificate is
 * self-signed and registered with the server (in the client's `jwks`), so no CA is involved.
 *
 * @example
 * ```ts
 * clientCredentialsAuth({ issuer, clientId: 'billing', clientAuthentication: selfSignedTlsClientAuth(), transport: mtlsTransport({ cert, key }) });
 * ```
 */
export function selfSignedTlsClientAuth(): ClientAuthentication {
  return mutualTls('self_signed_tls_client_auth');
}
