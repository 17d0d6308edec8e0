// RFC 8705 against oidc-provider over real https on loopback, with @attache/mtls-node's transport. No msw here.
import { X509Certificate } from 'node:crypto';
import type { Transport } from '@attache/core';
import { certificateThumbprint, mtlsTransport } from '@attache/mtls-node';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPki,
  type IssuedCertificate,
  type KeyPair,
  type Pki,
} from '../../mtls-node/test/fixtures/pki.ts';
import { outgoingOf } from '../../mtls-node/test/support/outgoing.ts';
import { clientCredentialsAuth, selfSignedTlsClientAuth, tlsClientAuth } from '../src/index.ts';
import { DEFAULT_RESOURCE, type OidcProviderHarness, startOidcProvider } from './support/oidc-provider.ts';

let pki: Pki;
let as: OidcProviderHarness;
let client: IssuedCertificate;
let selfSigned: KeyPair;
let caCert: string;

function derBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

beforeAll(async () => {
  pki = await createPki();
  const ca = await pki.ca('Partner Clients CA');
  caCert = ca.cert;
  const server = await pki.server(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  client = await pki.client(ca, { cn: 'billing-service' });
  selfSigned = await pki.ca('billing-self-signed');
  const selfSignedJwk = new X509Certificate(selfSigned.cert).publicKey.export({ format: 'jwk' });
  const common = {
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'orders:read',
  };
  as = await startOidcProvider({
    tls: { cert: server.cert, key: server.key, ca: ca.cert },
    clients: [
      {
        ...common,
        client_id: 'mtls-client',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=billing-service',
        tls_client_certificate_bound_access_tokens: true,
      },
      {
        ...common,
        client_id: 'self-signed-client',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [{ ...selfSignedJwk, x5c: [derBase64(selfSigned.cert)] }] },
        tls_client_certificate_bound_access_tokens: true,
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await as.close();
  await pki.cleanup();
});

function recorded(transport: Transport): { transport: Transport; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    transport: (request) => {
      urls.push(`${request.method} ${request.url}`);
      return transport(request);
    },
  };
}

describe('RFC 8705 against oidc-provider', () => {
  it('tls_client_auth: the certificate authenticates, the mTLS alias is used, the token is bound to the certificate', async () => {
    const { transport, urls } = recorded(mtlsTransport({ cert: client.cert, key: client.key, ca: caCert }));
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: 'mtls-client',
      clientAuthentication: tlsClientAuth(),
      transport,
      scope: 'orders:read',
      resource: DEFAULT_RESOURCE,
    });
    const token = await auth.source.get();
    const port = new URL(as.issuer).port;
    expect(urls).toEqual([
      `GET ${as.issuer}/.well-known/oauth-authorization-server`,
      `POST https://localhost:${port}/token`,
    ]);
    // The JWKS is served over https under the test CA: fetched through the same transport.
    const jwks = (await (await transport(await outgoingOf(new Request(as.jwksUri)))).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(token.value.reveal(), createLocalJWKSet(jwks), {
      issuer: as.issuer,
      audience: DEFAULT_RESOURCE,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ client_id: 'mtls-client', scope: 'orders:read' });
    expect((payload.cnf as Record<string, string>)['x5t#S256']).toBe(certificateThumbprint(client.cert));
  });

  it('self_signed_tls_client_auth: a registered self-signed certificate authenticates', async () => {
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: 'self-signed-client',
      clientAuthentication: selfSignedTlsClientAuth(),
      transport: mtlsTransport({ cert: selfSigned.cert, key: selfSigned.key, ca: caCert }),
      scope: 'orders:read',
      resource: DEFAULT_RESOURCE,
    });
    const token = await auth.source.get();
    const claims = decodeJwt(token.value.reveal());
    expect(claims).toMatchObject({ client_id: 'self-signed-client' });
    expect((claims.cnf as Record<string, string>)['x5t#S256']).toBe(certificateThumbprint(selfSigned.cert));
  });

  it('without the certificate the server refuses with invalid_client', async () => {
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: 'mtls-client',
      clientAuthentication: tlsClientAuth(),
      // Trusts the server, presents no certificate.
      transport: mtlsTransport({ ca: caCert }),
      scope: 'orders:read',
      resource: DEFAULT_RESOURCE,
      // The certificate is the credential, and it is not part of the default cache key: without a key of
      // its own this client would be handed the token the first test's client got.
      tokenSource: { key: 'mtls-client-without-certificate' },
    });
    await expect(auth.source.get()).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });
});
