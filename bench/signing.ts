import { createHash, createHmac, randomUUID } from 'node:crypto';
import { type AuthContext, authenticateRequest, type RequestDraft, secret } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { collectGarbage, median } from './harness.ts';

export interface SigningResult {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly baseline?: string;
  readonly ratio?: number;
  /** Against the bare digest + HMAC, which writes no header and draws no nonce. */
  readonly ratioToFloor?: number;
}

const KEY = 'bench-secret-0123456789abcdef';
const BODY = new Uint8Array(1024).map((_, i) => i % 251);
const URL_TEXT = 'https://api.partner.example/payments?b=2&a=1';

function context(): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => Date.now(), offset: 0 },
    isReplay: false,
    emit: () => {},
  };
}

/** Signs `total` requests with `concurrency` in flight (WebCrypto is asynchronous); returns ops/s. */
async function rate(
  sign: () => Promise<unknown> | unknown,
  total: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  collectGarbage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await sign();
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const BASELINE = 'node:crypto by hand (RFC 9421)';
const FLOOR = 'node:crypto createHash + createHmac only';

/**
 * Signatures per second for a 1 KiB body. The baseline is the same RFC 9421 signature written by hand with
 * `node:crypto`: the body digest, the signature base, the HMAC, and the three header values set on the
 * request's headers. The floor is the digest and the HMAC alone. The signers are measured as the pipeline
 * runs them (`attach` on its draft) and through `authenticateRequest` (a Request in, a Request out).
 */
export async function runSigningBench(
  total = 20_000,
  rounds = 5,
  concurrency = 50,
): Promise<SigningResult[]> {
  const rfc = hmacAuth({ keyId: 'bench', key: secret(KEY) });
  const simple = hmacAuth({ keyId: 'bench', key: secret(KEY), scheme: 'simple' });
  const draft = (): RequestDraft => ({
    method: 'POST',
    url: new URL(URL_TEXT),
    headers: new Headers({ 'content-type': 'application/octet-stream' }),
    body: BODY,
  });
  const request = () =>
    new Request(URL_TEXT, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: BODY,
    });
  // Drafts and Requests are built before the clock starts: the pipeline builds its draft (and a caller its
  // request) whatever the signer, and a Request's body can be taken only once.
  let drafts: RequestDraft[] = [];
  let requests: Request[] = [];
  let taken = 0;
  const fill = (count: number): void => {
    drafts = Array.from({ length: count }, draft);
    requests = Array.from({ length: count }, request);
    taken = 0;
  };
  const nextDraft = (): RequestDraft => drafts[taken++] ?? draft();
  const nextRequest = (): Request => requests[taken++] ?? request();
  const signingContext = context();
  const variants: Record<string, () => Promise<unknown> | unknown> = {
    [FLOOR]: () => {
      const digest = createHash('sha256').update(BODY).digest('base64');
      const base = `"@method": POST\n"@target-uri": ${URL_TEXT}\n"content-digest": sha-256=:${digest}:\n"@signature-params": ("@method");created=${Date.now()};nonce="${randomUUID()}"`;
      return createHmac('sha256', KEY).update(base).digest('base64');
    },
    [BASELINE]: () => {
      const { method, url, headers } = nextDraft();
      const digest = `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`;
      headers.set('content-digest', digest);
      const params = `("@method" "@target-uri" "content-digest" "content-type");created=${Math.floor(Date.now() / 1000)};keyid="bench";alg="hmac-sha256";nonce="${randomUUID().replaceAll('-', '')}"`;
      const base = `"@method": ${method}\n"@target-uri": ${url.href}\n"content-digest": ${digest}\n"content-type": ${headers.get('content-type')}\n"@signature-params": ${params}`;
      headers.set('signature-input', `sig1=${params}`);
      headers.set('signature', `sig1=:${createHmac('sha256', KEY).update(base).digest('base64')}:`);
    },
    'hmacAuth rfc9421 (pipeline: attach)': () => rfc.attach(nextDraft(), signingContext),
    'hmacAuth simple (pipeline: attach)': () => simple.attach(nextDraft(), signingContext),
    'hmacAuth rfc9421 (authenticateRequest: Request → Request)': () =>
      authenticateRequest(rfc, nextRequest(), context()),
  };
  const samples = new Map<string, number[]>();
  for (const [, sign] of Object.entries(variants)) {
    fill(2_000);
    await rate(sign, 2_000, concurrency);
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, sign] of Object.entries(variants)) {
      fill(total + concurrency);
      samples.set(name, [...(samples.get(name) ?? []), await rate(sign, total, concurrency)]);
    }
  }
  // Paired per round, as in the pipeline bench.
  const ratio = (name: string, baseline: string): number => {
    const base = samples.get(baseline) ?? [];
    return median((samples.get(name) ?? []).map((value, i) => value / (base[i] ?? Number.NaN)));
  };
  return [...samples].map(([name, values]) => {
    const opsPerSecond = median(values);
    if (name === FLOOR) return { name, opsPerSecond };
    if (name === BASELINE) return { name, opsPerSecond, ratioToFloor: ratio(name, FLOOR) };
    return {
      name,
      opsPerSecond,
      baseline: BASELINE,
      ratio: ratio(name, BASELINE),
      ratioToFloor: ratio(name, FLOOR),
    };
  });
}
