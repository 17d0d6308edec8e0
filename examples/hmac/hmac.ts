/**
 * Signed requests (RFC 9421 HTTP Message Signatures with an RFC 9530 Content-Digest, HMAC-SHA256). The
 * partner verifies every request with `createHmacVerifier`, which refuses a nonce it has seen. Its first
 * answer is a 503: the pipeline retries the POST (it carries an `Idempotency-Key`) and `hmacAuth` signs the
 * retry again, with a fresh `created` and nonce, so the verifier accepts it. A captured request sent again
 * as is, the way an attacker would, is refused as a replay.
 *
 * Run it: `node --conditions=@attache/source examples/hmac/hmac.ts`
 */
import { createFetch, fetchTransport, secret } from '@attache/core';
import { createHmacVerifier, createMemoryNonceStore, hmacAuth } from '@attache/hmac';
import { serve } from '../support/serve.ts';

export interface HmacExampleResult {
  readonly status: number;
  /** Requests the partner received, the reasons it refused some, and the nonces of the accepted ones. */
  readonly partnerCalls: number;
  readonly rejections: readonly string[];
  readonly distinctNonces: number;
  /** The status a replayed copy of a signed request got. */
  readonly replayStatus: number;
}

const KEY_ID = 'client-42';
const HMAC_SECRET = 'hmac-secret-5b1e0d77c3a94f26';

export async function runHmacExample(log: (line: string) => void = console.log): Promise<HmacExampleResult> {
  const verifier = createHmacVerifier({
    keys: { [KEY_ID]: secret(HMAC_SECRET) },
    // The default, spelled out: when 10 000 nonces are live, refuse (nonce-store-full) rather than forget one.
    nonceStore: createMemoryNonceStore({ maxEntries: 10_000, whenFull: 'refuse' }),
  });
  let partnerCalls = 0;
  let busy = 1; // the first verified request gets a 503
  const rejections: string[] = [];
  const nonces = new Set<string>();
  const partner = await serve(async (request) => {
    partnerCalls++;
    const result = await verifier.verify(request);
    if (!result.ok) {
      rejections.push(result.reason);
      return Response.json({ error: 'invalid_signature', reason: result.reason }, { status: 401 });
    }
    nonces.add(result.nonce ?? '');
    if (busy > 0) {
      busy--;
      return Response.json({ error: 'busy' }, { status: 503, headers: { 'retry-after-ms': '10' } });
    }
    return Response.json({ accepted: true, signedBy: result.keyId, amount: (await request.json()).amount });
  });

  // A transport that keeps a copy of what went out, to replay it below.
  const sent: Request[] = [];
  try {
    const partnerFetch = createFetch({
      baseUrl: partner.origin,
      auth: hmacAuth({ keyId: KEY_ID, key: secret(HMAC_SECRET) }),
      transport: fetchTransport((url, init) => {
        sent.push(new Request(url, init));
        return fetch(url, init);
      }),
    });
    const response = await partnerFetch('payments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'EUR' }),
      idempotencyKey: 'auto',
    });
    const body = (await response.json()) as { accepted?: boolean };
    log(`POST /payments: ${response.status} ${JSON.stringify(body)} after ${sent.length} attempts`);
    log(`signature input of the retry: ${sent.at(-1)?.headers.get('signature-input')}`);

    const captured = sent.at(-1) as Request;
    const replay = await fetch(captured);
    log(`the same signed request sent again: ${replay.status} (${rejections.at(-1)})`);
    return {
      status: response.status,
      partnerCalls,
      rejections,
      distinctNonces: nonces.size,
      replayStatus: replay.status,
    };
  } finally {
    await partner.close();
  }
}

if (import.meta.main) {
  await runHmacExample();
}
