/**
 * Three credentials on one request, as many partner APIs combine them: an API key that identifies the
 * integration, an OAuth client credentials token that authorizes it, and an HMAC signature (RFC 9421) that
 * covers the method, the URL, the body digest, the token and the key. Authenticators run in order on every
 * attempt and signers run last, so the signature always covers the credentials the others attached.
 *
 * Run it: `node --conditions=@attache/source examples/hybrid/hybrid.ts`
 */
import { apiKeyAuth } from '@attache/api-key';
import { createClient, secret } from '@attache/core';
import { createHmacVerifier, hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startOidcProvider } from '../../packages/oauth-cc/test/support/oidc-provider.ts';
import { serve } from '../support/serve.ts';

export interface HybridExampleResult {
  readonly payment: unknown;
  /** What the partner checked on the accepted request, in order. */
  readonly checks: readonly string[];
  /** Components the signature covered. */
  readonly covered: readonly string[];
  readonly tokenRequests: number;
}

const API_KEY = 'pk_hybrid_9d2e4c';
const CLIENT_SECRET = 'payments-secret-83c1f0a2';
const HMAC_SECRET = 'hmac-secret-1f7b93e0c5d2';

export async function runHybridExample(
  log: (line: string) => void = console.log,
): Promise<HybridExampleResult> {
  const verifier = createHmacVerifier({
    keys: { 'acme-payments': secret(HMAC_SECRET) },
    // The signature must cover the token and the key too, so neither can be swapped on the way.
    requiredComponents: ['@method', '@authority', '@path', '@query', 'authorization', 'x-api-key'],
  });
  let verifyToken: ((token: string) => Promise<unknown>) | undefined;
  let checks: string[] = [];
  let covered: readonly string[] = [];

  const api = await serve(async (request) => {
    const done: string[] = [];
    const refuse = (error: string): Response => Response.json({ error, passed: done }, { status: 401 });
    if (request.headers.get('x-api-key') !== API_KEY) return refuse('invalid_api_key');
    done.push('api key');
    try {
      await verifyToken?.((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''));
    } catch {
      return refuse('invalid_token');
    }
    done.push('bearer JWT');
    const signature = await verifier.verify(request);
    if (!signature.ok) return refuse(`invalid_signature: ${signature.reason}`);
    done.push('signature');
    checks = done;
    covered = (signature.components ?? []).map((component) => component.replaceAll('"', ''));
    const { amount } = (await request.json()) as { amount: number };
    return Response.json({ id: 'pay-1', amount, status: 'accepted' }, { status: 201 });
  });
  const resource = `${api.origin}/`;
  const as = await startOidcProvider({
    resources: { [resource]: 'payments:write' },
    clients: [
      {
        client_id: 'acme-payments',
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'payments:write',
      },
    ],
  });
  const jwks = createRemoteJWKSet(new URL(as.jwksUri));
  verifyToken = (token) => jwtVerify(token, jwks, { issuer: as.issuer, audience: resource });

  try {
    const partner = createClient({
      baseUrl: api.origin,
      auth: [
        apiKeyAuth({ key: secret(API_KEY) }),
        clientCredentialsAuth({
          issuer: as.issuer,
          clientId: 'acme-payments',
          clientSecret: secret(CLIENT_SECRET),
          scope: 'payments:write',
          resource,
        }),
        hmacAuth({ keyId: 'acme-payments', key: secret(HMAC_SECRET) }),
      ],
    });
    const payment = await partner.post('payments', { json: { amount: 250 }, idempotencyKey: 'auto' }).json();
    log(`POST /payments: ${JSON.stringify(payment)}`);
    log(`the partner checked: ${checks.join(', ')}`);
    log(`the signature covered: ${covered.join(' ')}`);
    return { payment, checks, covered, tokenRequests: as.tokenRequests() };
  } finally {
    await Promise.all([api.close(), as.close()]);
  }
}

if (import.meta.main) {
  await runHybridExample();
}
