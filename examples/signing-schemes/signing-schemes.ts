/**
 * Three signing schemes partners document, each against a partner on loopback:
 * - the `api-key-hmac` preset (`X-API-Key`, `X-Timestamp`, `X-Nonce`, `X-Signature` over the raw body), with
 *   the signing key read from a provider: the partner rotates the key, answers 401 once, the provider is read
 *   again and the request is signed anew and sent once more;
 * - draft-cavage HTTP Signatures, checked by `createCavageVerifier`;
 * - AWS Signature Version 4 from a client whose clock is 20 minutes slow: the first answer is
 *   `RequestTimeTooSkewed`, the pipeline learns the service's time from its `Date` header, and the one replay is
 *   signed with the corrected clock.
 *
 * Run it: `node --conditions=@attache/source examples/signing-schemes/signing-schemes.ts`
 */
import { createFetch, secret } from '@attache/core';
import {
  awsSigV4Auth,
  cavageSignatureAuth,
  createCavageVerifier,
  createHmacVerifier,
  hmacAuth,
  type SigningKey,
} from '@attache/hmac';
import { serve } from '../support/serve.ts';

export interface SigningSchemesResult {
  /** api-key-hmac: statuses the partner answered, and how often the key provider was read. */
  readonly apiKeyHmac: {
    readonly answers: readonly number[];
    readonly keyReads: number;
    readonly signedBy: string;
  };
  /** cavage: what the partner's verifier said. */
  readonly cavage: { readonly status: number; readonly covered: readonly string[] };
  /** SigV4: the x-amz-date of each attempt, and the final status. */
  readonly sigv4: { readonly dates: readonly string[]; readonly status: number };
}

export async function runSigningSchemesExample(
  log: (line: string) => void = console.log,
): Promise<SigningSchemesResult> {
  // --- api-key-hmac with a rotating key -------------------------------------------------------------------
  const partnerKeys: Record<string, string> = { 'ak-2026-11': 'november-secret-4f1c' };
  const verifier = createHmacVerifier({
    scheme: 'simple',
    preset: 'api-key-hmac',
    keys: (id) => partnerKeys[id],
  });
  const answers: number[] = [];
  const hmacPartner = await serve(async (request) => {
    const result = await verifier.verify(request);
    answers.push(result.ok ? 200 : 401);
    return result.ok
      ? Response.json({ signedBy: result.keyId })
      : Response.json({ reason: result.reason }, { status: 401 });
  });
  let vault: SigningKey = { keyId: 'ak-2026-11', key: secret('november-secret-4f1c') };
  let keyReads = 0;
  const apiFetch = createFetch({
    baseUrl: hmacPartner.origin,
    auth: hmacAuth({
      scheme: 'simple',
      preset: 'api-key-hmac',
      signingKey: async () => {
        keyReads++;
        return vault;
      },
    }),
  });
  let signedBy = '';
  try {
    await apiFetch('orders', { method: 'POST', body: '{"sku":"A-1"}' });
    // The partner rotates: the old key stops working, the vault holds the new one.
    delete partnerKeys['ak-2026-11'];
    partnerKeys['ak-2026-12'] = 'december-secret-9e27';
    vault = { keyId: 'ak-2026-12', key: secret('december-secret-9e27') };
    const response = await apiFetch('orders', { method: 'POST', body: '{"sku":"B-2"}' });
    signedBy = ((await response.json()) as { signedBy: string }).signedBy;
    log(
      `api-key-hmac: answers ${answers.join(', ')}; key read ${keyReads} times; last signed by ${signedBy}`,
    );
  } finally {
    await hmacPartner.close();
  }

  // --- draft-cavage ---------------------------------------------------------------------------------------
  const cavageVerifier = createCavageVerifier({
    keys: { 'client-7': { key: secret('cavage-secret-51d0') } },
  });
  let covered: readonly string[] = [];
  const cavagePartner = await serve(async (request) => {
    const result = await cavageVerifier.verify(request);
    if (result.ok) covered = result.components;
    return result.ok ? new Response('ok') : Response.json({ reason: result.reason }, { status: 401 });
  });
  let cavageStatus = 0;
  try {
    const cavageFetch = createFetch({
      baseUrl: cavagePartner.origin,
      auth: cavageSignatureAuth({ keyId: 'client-7', key: secret('cavage-secret-51d0') }),
    });
    cavageStatus = (await cavageFetch('inbox', { method: 'POST', body: '{"type":"Note"}' })).status;
    log(`cavage: ${cavageStatus}, signed ${covered.join(' ')}`);
  } finally {
    await cavagePartner.close();
  }

  // --- AWS SigV4 with a slow clock ------------------------------------------------------------------------
  const serverTime = () => Date.now();
  const dates: string[] = [];
  const aws = await serve((request) => {
    const amzDate = request.headers.get('x-amz-date') ?? '';
    dates.push(amzDate);
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const headers = { date: new Date(serverTime()).toUTCString() };
    if (!request.headers.get('authorization')?.startsWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/')) {
      return new Response('<Error><Code>MissingAuthenticationToken</Code></Error>', { status: 403, headers });
    }
    if (Math.abs(serverTime() - signedAt) > 5 * 60_000) {
      return new Response('<Error><Code>RequestTimeTooSkewed</Code></Error>', { status: 403, headers });
    }
    return new Response('{"ok":true}', { headers });
  });
  let sigv4Status = 0;
  try {
    const awsFetch = createFetch({
      baseUrl: aws.origin,
      now: () => Date.now() - 20 * 60_000,
      auth: awsSigV4Auth({
        region: 'eu-west-1',
        service: 'execute-api',
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: secret('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'),
        },
      }),
    });
    sigv4Status = (await awsFetch('prod/orders')).status;
    log(`sigv4: ${sigv4Status} after attempts dated ${dates.join(', ')}`);
  } finally {
    await aws.close();
  }

  return {
    apiKeyHmac: { answers, keyReads, signedBy },
    cavage: { status: cavageStatus, covered },
    sigv4: { dates, status: sigv4Status },
  };
}

if (import.meta.main) {
  await runSigningSchemesExample();
}
