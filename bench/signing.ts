import { createHash, createHmac, randomUUID } from 'node:crypto';
import { type AuthContext, secret } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { median } from './harness.ts';

export interface SigningResult {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly baseline?: string;
  readonly ratio?: number;
}

const KEY = 'bench-secret-0123456789abcdef';
const BODY = new Uint8Array(1024).map((_, i) => i % 251);

function context(): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => Date.now(), offset: 0 },
    isReplay: false,
    body: BODY,
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
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await sign();
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

/**
 * Signatures per second for a 1 KiB body: both schemes through `hmacAuth().authenticate` (digest, canonical
 * form, HMAC, headers, a new Request), against `node:crypto` doing the bare digest and HMAC in the same run.
 */
export async function runSigningBench(
  total = 20_000,
  rounds = 5,
  concurrency = 50,
): Promise<SigningResult[]> {
  const rfc = hmacAuth({ keyId: 'bench', key: secret(KEY) });
  const simple = hmacAuth({ keyId: 'bench', key: secret(KEY), scheme: 'simple' });
  const request = () =>
    new Request('https://api.partner.example/payments?b=2&a=1', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: BODY,
    });
  // Requests are built before the clock starts: the caller builds its request either way, and a Request's body
  // can be taken only once, so each signature needs its own.
  let pool: Request[] = [];
  let taken = 0;
  const fill = (count: number): void => {
    pool = Array.from({ length: count }, request);
    taken = 0;
  };
  const nextRequest = (): Request => pool[taken++] ?? request();
  const variants: Record<string, () => Promise<unknown> | unknown> = {
    'node:crypto createHash + createHmac': () => {
      const digest = createHash('sha256').update(BODY).digest('base64');
      const base = `"@method": POST\n"@target-uri": https://api.partner.example/payments?b=2&a=1\n"content-digest": sha-256=:${digest}:\n"@signature-params": ("@method");created=${Date.now()};nonce="${randomUUID()}"`;
      return createHmac('sha256', KEY).update(base).digest('base64');
    },
    // The least a signer that returns a Request can do: the same crypto, then a new Request with 4 headers.
    'node:crypto + new Request': () => {
      const input = nextRequest();
      const digest = createHash('sha256').update(BODY).digest('base64');
      const base = `"@method": POST\n"@target-uri": ${input.url}\n"content-digest": sha-256=:${digest}:\n"@signature-params": ("@method");created=${Date.now()};nonce="${randomUUID()}"`;
      const headers = new Headers(input.headers);
      headers.set('content-digest', `sha-256=:${digest}:`);
      headers.set('signature-input', `sig1=("@method")`);
      headers.set('signature', `sig1=:${createHmac('sha256', KEY).update(base).digest('base64')}:`);
      return new Request(input, { headers });
    },
    'hmacAuth rfc9421': () => rfc.authenticate(nextRequest(), context()),
    'hmacAuth simple': () => simple.authenticate(nextRequest(), context()),
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
  const baselineName = 'node:crypto createHash + createHmac';
  const baseline = median(samples.get(baselineName) ?? []);
  return [...samples].map(([name, values]) => {
    const opsPerSecond = median(values);
    return name === baselineName
      ? { name, opsPerSecond }
      : { name, opsPerSecond, baseline: baselineName, ratio: opsPerSecond / baseline };
  });
}
