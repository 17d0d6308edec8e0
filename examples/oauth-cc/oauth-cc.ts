/**
 * OAuth 2.0 client credentials against a real authorization server (panva's oidc-provider) on loopback. The
 * partner API verifies the JWT access token against the server's JWKS. One token request serves 20
 * concurrent calls; past the refresh point a new token is fetched in the background while calls carry on;
 * when the partner revokes the token, the 401 drops it, a new one is fetched and the call is replayed once.
 *
 * Run it: `node --conditions=@attache/source examples/oauth-cc/oauth-cc.ts`
 */
import { type AttacheEvent, createFetch, secret } from '@attache/core';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startOidcProvider } from '../../packages/oauth-cc/test/support/oidc-provider.ts';
import { serve } from '../support/serve.ts';

export interface OAuthExampleResult {
  readonly statuses: readonly number[];
  readonly tokenRequests: number;
  readonly partnerRejected: number;
  readonly replays: number;
}

const CLIENT_ID = 'billing-service';
const CLIENT_SECRET = 'billing-secret-0c2f7a9e41d8b356';

export async function runOAuthExample(
  log: (line: string) => void = console.log,
): Promise<OAuthExampleResult> {
  const revoked = new Set<string>();
  const seen = new Set<string>();
  let partnerRejected = 0;
  let verify: ((token: string) => Promise<{ jti?: string }>) | undefined;

  // The partner API: a bearer JWT from the authorization server, for this API (audience), not revoked.
  const api = await serve(async (request) => {
    const header = request.headers.get('authorization') ?? '';
    try {
      if (!header.startsWith('Bearer ') || verify === undefined) throw new Error('no token');
      const { jti = '' } = await verify(header.slice('Bearer '.length));
      if (revoked.has(jti)) throw new Error('revoked');
      seen.add(jti);
      return Response.json({ orders: [{ id: 'o-1', total: 42 }] });
    } catch {
      partnerRejected++;
      return Response.json(
        { error: 'invalid_token' },
        { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
      );
    }
  });
  const resource = `${api.origin}/`;
  const as = await startOidcProvider({
    resources: { [resource]: 'orders:read' },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'orders:read',
      },
    ],
  });
  const jwks = createRemoteJWKSet(new URL(as.jwksUri));
  verify = async (token) =>
    (await jwtVerify(token, jwks, { issuer: as.issuer, audience: resource, typ: 'at+jwt' })).payload;

  // The client's clock: moved forward to reach the refresh point instead of waiting an hour.
  let skipped = 0;
  const now = (): number => Date.now() + skipped;
  const events: AttacheEvent[] = [];
  try {
    const auth = clientCredentialsAuth({
      issuer: as.issuer,
      clientId: CLIENT_ID,
      clientSecret: secret(CLIENT_SECRET),
      scope: 'orders:read',
      resource,
      now,
      tokenSource: { random: () => 0.5 }, // refresh at 80 % of the lifetime
      // Token and metadata answers are read up to this many bytes (the default, 64 KiB, shown here).
      maxResponseBytes: 64 * 1024,
    });
    const partnerFetch = createFetch({ baseUrl: api.origin, auth, onEvent: (event) => events.push(event) });
    const statuses: number[] = [];

    const first = await Promise.all(Array.from({ length: 20 }, () => partnerFetch('orders')));
    statuses.push(...first.map((r) => r.status));
    log(`20 concurrent calls on a cold client: ${as.tokenRequests()} token request`);

    const token = await auth.source.get();
    skipped += token.refreshAt - now() + 1;
    statuses.push((await partnerFetch('orders')).status);
    // The refresh runs behind the call; a real client just keeps calling.
    while (auth.source.peek() === token) await new Promise((resolve) => setTimeout(resolve, 5));
    statuses.push((await partnerFetch('orders')).status);
    log(`past the refresh point: served at once, ${as.tokenRequests()} token requests in all`);

    for (const jti of seen) revoked.add(jti);
    statuses.push((await partnerFetch('orders')).status);
    const replays = events.filter((e) => e.type === 'challenge:handled' && e.outcome === 'replay').length;
    log(
      `the partner revoked the token: ${partnerRejected} 401, ${replays} replay, ${as.tokenRequests()} token requests in all`,
    );
    return { statuses, tokenRequests: as.tokenRequests(), partnerRejected, replays };
  } finally {
    await Promise.all([api.close(), as.close()]);
  }
}

if (import.meta.main) {
  await runOAuthExample();
}
