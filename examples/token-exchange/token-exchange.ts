/**
 * Token exchange and workload identity: a service trades the platform token it holds for one scoped to the
 * partner (RFC 8693), and a CI job presents its rotating OIDC token as a JWT-bearer assertion (RFC 7523)
 * read from a file the platform rewrites. Both keep one token for concurrent calls and refresh on expiry.
 *
 * Run it: `pnpm exec node --conditions=@attache/source examples/token-exchange/token-exchange.ts`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFetch, secret } from '@attache/core';
import { fileCredential } from '@attache/mtls-node';
import { jwtBearerAuth, publicClient, tokenExchangeAuth } from '@attache/oauth-cc';
import { serve } from '../support/serve.ts';

/** What the example saw, for its test. */
export interface TokenExchangeResult {
  /** Subject tokens and assertions the authorization server received, in order. */
  readonly presented: readonly string[];
  /** Statuses of every partner call. */
  readonly statuses: readonly number[];
}

export async function runTokenExchangeExample(
  log: (line: string) => void = console.log,
): Promise<TokenExchangeResult> {
  const presented: string[] = [];
  const issued = new Set<string>();
  let counter = 0;
  // The authorization server: exchanges a subject token, or accepts a JWT-bearer assertion.
  const sts = await serve(async (request) => {
    const form = new URLSearchParams(await request.text());
    const grant = form.get('grant_type');
    const given = grant?.endsWith('token-exchange') ? form.get('subject_token') : form.get('assertion');
    presented.push(`${grant?.split(':').at(-1)}: ${given}`);
    const token = `at-${++counter}`;
    issued.add(token);
    return Response.json({ access_token: token, token_type: 'Bearer', expires_in: 300 });
  });
  const partner = await serve((request) =>
    issued.has(request.headers.get('authorization')?.slice(7) ?? '')
      ? Response.json({ ok: true })
      : new Response(null, { status: 401 }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'attache-workload-'));
  try {
    const exchange = createFetch({
      baseUrl: partner.origin,
      auth: tokenExchangeAuth({
        tokenEndpoint: `${sts.origin}/token`,
        clientId: 'orders-service',
        clientSecret: secret('orders-service-secret'),
        subjectToken: () => secret('platform-token-of-orders-service'),
        audience: 'partner-api',
        tokenSource: { key: 'example:token-exchange' },
      }),
    });
    const statuses: number[] = [];
    const first = await Promise.all(Array.from({ length: 5 }, () => exchange('orders')));
    statuses.push(...first.map((r) => r.status));
    log(`token exchange: 5 concurrent calls, ${presented.length} exchange`);

    // The platform writes the job's OIDC token to a file and rewrites it as it rotates.
    const tokenFile = join(dir, 'oidc-token');
    writeFileSync(tokenFile, 'eyJ.ci-job-token-1.sig\n');
    const assertion = jwtBearerAuth({
      tokenEndpoint: `${sts.origin}/token`,
      clientId: 'ci-runner',
      clientAuthentication: publicClient(),
      assertion: fileCredential(tokenFile),
      tokenSource: { key: 'example:jwt-bearer' },
    });
    const ci = createFetch({ baseUrl: partner.origin, auth: assertion });
    statuses.push((await ci('orders')).status);
    writeFileSync(tokenFile, 'eyJ.ci-job-token-2.sig\n');
    await assertion.source.invalidate(await assertion.source.get()); // as a 401 or an expiry would
    statuses.push((await ci('orders')).status);
    log(
      `jwt bearer: the rotated file was presented on the next token request (${presented.length - 1} in all)`,
    );
    return { presented, statuses };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([sts.close(), partner.close()]);
  }
}

if (import.meta.main) {
  await runTokenExchangeExample();
}
