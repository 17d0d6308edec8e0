import { createHash, createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AuthContext, Authenticator, RequestDraft } from '@attache/core';
import { secret } from '@attache/core';
import { awsSigV4Auth, cavageSignatureAuth, hmacAuth } from '@attache/hmac';
import { cavage, createSigner, httpbis } from 'http-message-signatures';
import { collectGarbage, median } from './harness.ts';

/** One row: a signer's rate, and its ratios to the by-hand baseline and to the peer library of its scheme. */
export interface SigningResult {
  readonly scheme: string;
  readonly name: string;
  readonly opsPerSecond: number;
  readonly baseline?: string;
  readonly ratio?: number;
  readonly peer?: string;
  readonly ratioToPeer?: number;
}

const KEY = 'bench-secret-0123456789abcdef';
const BODY = new Uint8Array(1024).map((_, i) => i % 251);
const URL_TEXT = 'https://api.partner.example/payments?b=2&a=1';
const AWS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

// The AWS SDK signer's CommonJS build: its ESM build uses extension-less imports Node refuses.
const require = createRequire(import.meta.url);
const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node') as typeof import('@smithy/hash-node');
const { HttpRequest } = require('@smithy/protocol-http') as typeof import('@smithy/protocol-http');

function context(): AuthContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    clock: { now: () => Date.now(), offset: 0 },
    isReplay: false,
    emit: () => {},
  };
}

const draft = (): RequestDraft => ({
  method: 'POST',
  url: new URL(URL_TEXT),
  headers: new Headers({ 'content-type': 'application/octet-stream' }),
  body: BODY,
});

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

interface Variant {
  readonly scheme: string;
  readonly name: string;
  readonly role: 'baseline' | 'attache' | 'peer';
  readonly sign: (d: RequestDraft) => Promise<unknown> | unknown;
}

const hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const amzDate = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function attache(scheme: string, name: string, auth: Authenticator): Variant {
  const ctx = context();
  return { scheme, name, role: 'attache', sign: (d) => auth.attach(d, ctx) };
}

function variants(): Variant[] {
  // SigV4's signing key changes once a day: the by-hand baseline derives it once, as the signers do.
  const day = amzDate().slice(0, 8);
  let kSigning: Buffer = Buffer.from(`AWS4${AWS.secretAccessKey}`);
  for (const part of [day, 'eu-west-1', 'execute-api', 'aws4_request']) {
    kSigning = createHmac('sha256', kSigning).update(part).digest();
  }
  // A KeyObject: node:crypto re-checks a Buffer key on every HMAC.
  const signingKey = createSecretKey(kSigning);
  const smithy = new SignatureV4({
    credentials: AWS,
    region: 'eu-west-1',
    service: 'execute-api',
    sha256: Hash.bind(null, 'sha256'),
  });
  const hmacSigner = createSigner(Buffer.from(KEY), 'hmac-sha256', 'bench');
  const plain = (d: RequestDraft) => ({
    method: d.method,
    url: d.url.href,
    headers: Object.fromEntries(d.headers),
  });

  return [
    {
      scheme: 'rfc9421',
      name: 'node:crypto by hand',
      role: 'baseline',
      sign: ({ method, url, headers }) => {
        const digest = `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`;
        headers.set('content-digest', digest);
        const params = `("@method" "@target-uri" "content-digest" "content-type");created=${Math.floor(Date.now() / 1000)};keyid="bench";alg="hmac-sha256";nonce="${randomUUID().replaceAll('-', '')}"`;
        const base = `"@method": ${method}\n"@target-uri": ${url.href}\n"content-digest": ${digest}\n"content-type": ${headers.get('content-type')}\n"@signature-params": ${params}`;
        headers.set('signature-input', `sig1=${params}`);
        headers.set('signature', `sig1=:${createHmac('sha256', KEY).update(base).digest('base64')}:`);
      },
    },
    attache('rfc9421', 'hmacAuth', hmacAuth({ keyId: 'bench', key: secret(KEY) })),
    {
      scheme: 'rfc9421',
      name: 'http-message-signatures',
      role: 'peer',
      sign: async (d) => {
        const digest = `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`;
        d.headers.set('content-digest', digest);
        return httpbis.signMessage(
          {
            key: hmacSigner,
            fields: ['@method', '@target-uri', 'content-digest', 'content-type'],
            params: ['created', 'keyid', 'alg', 'nonce'],
            paramValues: { nonce: randomUUID().replaceAll('-', '') },
          },
          plain(d),
        );
      },
    },
    {
      scheme: 'api-key-hmac',
      name: 'node:crypto by hand',
      role: 'baseline',
      sign: ({ method, url, headers }) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const nonce = randomUUID().replaceAll('-', '');
        const signature = createHmac('sha256', KEY)
          .update(`${method}\n${url.pathname}\n${timestamp}\n${nonce}\n`)
          .update(BODY)
          .digest('hex');
        headers.set('x-api-key', 'bench');
        headers.set('x-timestamp', timestamp);
        headers.set('x-nonce', nonce);
        headers.set('x-signature', signature);
      },
    },
    attache(
      'api-key-hmac',
      'hmacAuth preset',
      hmacAuth({ scheme: 'simple', preset: 'api-key-hmac', keyId: 'bench', key: secret(KEY) }),
    ),
    {
      scheme: 'aws-sigv4',
      name: 'node:crypto by hand',
      role: 'baseline',
      sign: ({ method, url, headers }) => {
        const date = amzDate();
        const payload = hex(BODY);
        headers.set('x-amz-date', date);
        headers.set('x-amz-content-sha256', payload);
        const names = ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date'];
        const values: Record<string, string> = {
          host: url.host,
          'content-type': headers.get('content-type')!,
          'x-amz-content-sha256': payload,
          'x-amz-date': date,
        };
        const query = [...url.searchParams]
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .sort()
          .join('&');
        const canonical = `${method}\n${url.pathname}\n${query}\n${names.map((n) => `${n}:${values[n]}\n`).join('')}\n${names.join(';')}\n${payload}`;
        const scope = `${day}/eu-west-1/execute-api/aws4_request`;
        const signature = createHmac('sha256', signingKey)
          .update(`AWS4-HMAC-SHA256\n${date}\n${scope}\n${hex(canonical)}`)
          .digest('hex');
        headers.set(
          'authorization',
          `AWS4-HMAC-SHA256 Credential=${AWS.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
        );
      },
    },
    attache(
      'aws-sigv4',
      'awsSigV4Auth',
      awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: AWS }),
    ),
    {
      scheme: 'aws-sigv4',
      name: '@smithy/signature-v4',
      role: 'peer',
      sign: ({ method, url, headers, body }) =>
        smithy.sign(
          new HttpRequest({
            method,
            protocol: url.protocol,
            hostname: url.hostname,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers: { host: url.host, ...Object.fromEntries(headers) },
            body,
          }),
        ),
    },
    {
      scheme: 'cavage',
      name: 'node:crypto by hand',
      role: 'baseline',
      sign: ({ method, url, headers }) => {
        const created = Math.floor(Date.now() / 1000);
        const digest = `SHA-256=${createHash('sha256').update(BODY).digest('base64')}`;
        headers.set('digest', digest);
        const text = `(request-target): ${method.toLowerCase()} ${url.pathname}${url.search}\n(created): ${created}\nhost: ${url.host}\ndigest: ${digest}`;
        const signature = createHmac('sha256', KEY).update(text).digest('base64');
        headers.set(
          'signature',
          `keyId="bench",algorithm="hmac-sha256",created=${created},headers="(request-target) (created) host digest",signature="${signature}"`,
        );
      },
    },
    attache('cavage', 'cavageSignatureAuth', cavageSignatureAuth({ keyId: 'bench', key: secret(KEY) })),
    {
      scheme: 'cavage',
      name: 'http-message-signatures',
      role: 'peer',
      sign: async (d) => {
        d.headers.set('digest', `SHA-256=${createHash('sha256').update(BODY).digest('base64')}`);
        return cavage.signMessage(
          {
            key: hmacSigner,
            fields: ['@request-target', '@created', 'host', 'digest'],
            params: ['keyid', 'alg', 'created'],
          },
          { ...plain(d), headers: { host: d.url.host, ...Object.fromEntries(d.headers) } },
        );
      },
    },
  ];
}

/**
 * Signatures per second over a 1 KiB POST body, per scheme: the signer as the pipeline runs it (`attach` on its
 * draft), the same signature written by hand with `node:crypto` (no option checks, no events, the key derived
 * once), and the peer library of that scheme where there is one. Drafts are built before the clock starts,
 * since the pipeline builds its draft whatever the signer.
 */
export async function runSigningBench(
  total = 20_000,
  rounds = 5,
  concurrency = 50,
): Promise<SigningResult[]> {
  const all = variants();
  let drafts: RequestDraft[] = [];
  let taken = 0;
  const fill = (count: number): void => {
    drafts = Array.from({ length: count }, draft);
    taken = 0;
  };
  const next = (): RequestDraft => drafts[taken++] ?? draft();
  const samples = new Map<Variant, number[]>();
  for (const variant of all) {
    fill(2_000);
    await rate(() => variant.sign(next()), 2_000, concurrency);
  }
  for (let round = 0; round < rounds; round++) {
    for (const variant of all) {
      fill(total + concurrency);
      samples.set(variant, [
        ...(samples.get(variant) ?? []),
        await rate(() => variant.sign(next()), total, concurrency),
      ]);
    }
  }
  // Ratios paired per round, so a noisy round moves both sides.
  const ratio = (a: Variant, b: Variant | undefined): number | undefined => {
    if (b === undefined) return undefined;
    const base = samples.get(b) ?? [];
    return median((samples.get(a) ?? []).map((value, i) => value / (base[i] ?? Number.NaN)));
  };
  return all.map((variant) => {
    const opsPerSecond = median(samples.get(variant) ?? []);
    const row = { scheme: variant.scheme, name: variant.name, opsPerSecond };
    if (variant.role !== 'attache') return row;
    const baseline = all.find((v) => v.scheme === variant.scheme && v.role === 'baseline');
    const peer = all.find((v) => v.scheme === variant.scheme && v.role === 'peer');
    return {
      ...row,
      ...(baseline ? { baseline: baseline.name, ratio: ratio(variant, baseline)! } : {}),
      ...(peer ? { peer: peer.name, ratioToPeer: ratio(variant, peer)! } : {}),
    };
  });
}
