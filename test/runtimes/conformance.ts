// The conformance suite every runtime runs: Node 22/24/26, Deno, Bun and workerd. Runtime-agnostic on
// purpose: only the packages' public API, web globals (fetch, WebCrypto, URL, Headers) and the RFC 9421
// vectors as data. The peers are real servers on loopback, started by test/runtimes.test.ts (Node): an
// echo server on two origins, a real OAuth server (oidc-provider) and a partner API that checks DPoP.
// Each case returns pass or fail with the error's name and message, so the Node test can say which case
// failed where.
import { apiKeyAuth } from '@attache/api-key';
import { bearerAuth, createFetch, createTokenSource, isAttacheError, secret, tokenAuth } from '@attache/core';
import { createHmacVerifier, type HmacVerifierKey, hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import { attacheTelemetry } from '@attache/otel';
import { SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ECC_P256_PUBLIC_PEM,
  ED25519_PUBLIC_PEM,
  RSA_PSS_PUBLIC_PEM,
  SHARED_SECRET_BASE64,
  VECTOR_NOW,
  VECTORS,
} from '../../packages/hmac/test/fixtures/rfc9421.ts';
import { signedVectorMessage } from '../../packages/hmac/test/support/messages.ts';

/** Where the Node test's servers listen. */
export interface ConformanceConfig {
  /** The echo server: `/echo`, `/redirect?to=`, `/protected/<run>` and `/revoke/<run>`. */
  readonly api: string;
  /** The same echo server's twin on another port: another origin. */
  readonly other: string;
  /** The OAuth server (oidc-provider) and the client registered there. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly resource: string;
  /** The partner API that checks access tokens and DPoP proofs. */
  readonly partner: string;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

interface Echo {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

class CaseFailure extends TypeError {
  override name = 'CaseFailure';
}
function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new CaseFailure(what);
}
function same<T>(actual: T, expected: T, what: string): void {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

const RFC_KEYS: Readonly<Record<string, HmacVerifierKey>> = {
  'test-key-rsa-pss': { key: RSA_PSS_PUBLIC_PEM, algorithm: 'rsa-pss-sha512' },
  'test-key-ecc-p256': { key: ECC_P256_PUBLIC_PEM, algorithm: 'ecdsa-p256-sha256' },
  'test-key-ed25519': { key: ED25519_PUBLIC_PEM, algorithm: 'ed25519' },
  'test-shared-secret': { key: SHARED_SECRET_BASE64, keyEncoding: 'base64' },
};

type Case = (config: ConformanceConfig, run: string) => Promise<void>;

export const CASES: Readonly<Record<string, Case>> = {
  async 'createFetch: bearer credential, JSON and a POST body'(config) {
    const api = createFetch({ baseUrl: config.api, auth: bearerAuth({ token: secret('t0') }) });
    const got = (await (await api('echo?x=1')).json()) as Echo;
    same(got.headers.authorization, 'Bearer t0', 'authorization on a GET');
    same(got.path, '/echo?x=1', 'path and query');
    const posted = (await (await api('echo', { method: 'POST', body: '{"a":1}' })).json()) as Echo;
    same(
      [posted.method, posted.body, posted.headers.authorization],
      ['POST', '{"a":1}', 'Bearer t0'],
      'POST',
    );
  },

  async 'redirects: credential kept on the same origin, dropped on another'(config) {
    const api = createFetch({ baseUrl: config.api, auth: bearerAuth({ token: secret('t0') }) });
    const same_ = await api(`redirect?to=${encodeURIComponent(`${config.api}/echo`)}`);
    same(((await same_.json()) as Echo).headers.authorization, 'Bearer t0', 'same-origin hop');
    const cross = await api(`redirect?to=${encodeURIComponent(`${config.other}/echo`)}`);
    same(cross.status, 200, 'cross-origin hop status');
    const seen = (await cross.json()) as Echo;
    same(seen.headers.authorization, undefined, 'authorization after a change of origin');
  },

  async 'token source: one fetch for 10 concurrent calls, one refresh and replay after a 401'(config, run) {
    let logins = 0;
    const source = createTokenSource(
      async () => ({ accessToken: secret(`tok-${++logins}`), expiresIn: 3600 }),
      {
        key: `conformance:${run}`,
      },
    );
    const api = createFetch({ baseUrl: config.api, auth: tokenAuth({ source }) });
    const first = await Promise.all(Array.from({ length: 10 }, () => api(`protected/${run}`)));
    same(
      first.map((r) => r.status),
      Array(10).fill(200),
      'cold start statuses',
    );
    same(logins, 1, 'logins after a cold start');
    await fetch(`${config.api}/revoke/${run}`, { method: 'POST' });
    const replayed = await Promise.all(Array.from({ length: 5 }, () => api(`protected/${run}`)));
    same(
      replayed.map((r) => r.status),
      Array(5).fill(200),
      'statuses after the revocation',
    );
    same(logins, 2, 'logins after the revocation');
  },

  async 'otel: a call span, its attempt span and the traceparent the partner saw'(config) {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const telemetry = attacheTelemetry({ tracerProvider, propagator: new W3CTraceContextPropagator() });
    const api = createFetch({
      baseUrl: config.api,
      auth: [telemetry.propagation, apiKeyAuth({ key: secret('otel-key-1'), in: 'query', name: 'api_key' })],
      onEvent: telemetry.onEvent,
    });
    const got = (await (await api('echo')).json()) as Echo;
    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const call = spans.find((span) => span.kind === SpanKind.INTERNAL);
    const attempt = spans.find((span) => span.kind === SpanKind.CLIENT);
    check(
      call !== undefined && attempt !== undefined,
      `a call and an attempt span, got ${spans.length} spans`,
    );
    same(attempt.parentSpanContext?.spanId, call.spanContext().spanId, 'attempt span parent');
    const sent = attempt.spanContext();
    same(got.headers.traceparent, `00-${sent.traceId}-${sent.spanId}-01`, 'traceparent the partner saw');
    same(attempt.attributes['http.response.status_code'], 200, 'status attribute');
    check(
      !JSON.stringify(spans.map((s) => s.attributes)).includes('otel-key-1'),
      'the key in a span attribute',
    );
  },

  async 'apiKeyAuth: header and query placement'(config) {
    const inHeader = createFetch({
      baseUrl: config.api,
      auth: apiKeyAuth({ key: secret('key-1'), name: 'x-api-key' }),
    });
    same(((await (await inHeader('echo')).json()) as Echo).headers['x-api-key'], 'key-1', 'header');
    const inQuery = createFetch({
      baseUrl: config.api,
      auth: apiKeyAuth({ key: secret('key-2'), in: 'query', name: 'api_key' }),
    });
    same(((await (await inQuery('echo?a=b')).json()) as Echo).path, '/echo?a=b&api_key=key-2', 'query');
  },

  async 'RFC 9421: every Appendix B signature verifies, a changed byte does not'() {
    for (const vector of VECTORS) {
      const verifier = createHmacVerifier({
        keys: { [vector.keyId]: RFC_KEYS[vector.keyId] as HmacVerifierKey },
        now: () => VECTOR_NOW,
        nonceStore: false,
        label: vector.label,
        requiredComponents: vector.components,
        requireContentDigest: vector.components.includes('content-digest'),
      });
      const result = await verifier.verify(signedVectorMessage(vector));
      check(result.ok, `${vector.section}: ${JSON.stringify(result)}`);
      const tampered = vector.signature.replace(
        /=:([A-Za-z0-9+/])/,
        (_m, c: string) => `=:${c === 'A' ? 'B' : 'A'}`,
      );
      const bad = await verifier.verify(signedVectorMessage({ ...vector, signature: tampered }));
      check(!bad.ok, `${vector.section}: a tampered signature verified`);
    }
  },

  async 'hmacAuth signs what createHmacVerifier accepts (HMAC-SHA256 and Ed25519)'(config) {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const keys = [
      {
        keyId: 'shared',
        sign: 'conformance-shared-secret-0123456789',
        verify: 'conformance-shared-secret-0123456789',
      },
      { keyId: 'ed', sign: pair.privateKey, verify: pair.publicKey, algorithm: 'ed25519' as const },
    ];
    for (const key of keys) {
      const api = createFetch({
        baseUrl: config.api,
        auth: hmacAuth({
          keyId: key.keyId,
          key: key.sign,
          ...(key.algorithm ? { algorithm: key.algorithm } : {}),
        }),
      });
      const echo = (await (await api('echo?q=1', { method: 'POST', body: '{"amount":1}' })).json()) as Echo;
      const verifier = createHmacVerifier({
        keys: { [key.keyId]: key.algorithm ? { key: key.verify, algorithm: key.algorithm } : key.verify },
      });
      const received = new Request(`${config.api}${echo.path}`, {
        method: echo.method,
        headers: echo.headers,
        body: echo.body,
      });
      const result = await verifier.verify(received);
      check(result.ok, `${key.keyId}: ${JSON.stringify(result)}`);
    }
  },

  async 'oauth-cc: client credentials from a real OAuth server, bearer token to the partner'(config) {
    const auth = clientCredentialsAuth({
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: 'orders:read',
      resource: config.resource,
    });
    const partner = createFetch({ baseUrl: config.partner, auth });
    same((await partner('orders')).status, 200, 'partner status');
    same((await auth.source.get()).type, 'Bearer', 'token type');
  },

  async 'oauth-cc: DPoP-bound token and proofs the partner verifies'(config) {
    const auth = clientCredentialsAuth({
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: 'orders:read',
      resource: config.resource,
      dpop: true,
    });
    const partner = createFetch({ baseUrl: config.partner, auth });
    same((await partner('orders?status=open')).status, 200, 'first call');
    same((await partner('orders', { method: 'POST', body: '{}' })).status, 200, 'second call, new proof');
    same((await auth.source.get()).type, 'DPoP', 'token type');
  },
};

/** Runs every case (or those named), one after another, never throwing. */
export async function runConformance(
  config: ConformanceConfig,
  only?: readonly string[],
): Promise<CaseResult[]> {
  const run = crypto.randomUUID();
  const results: CaseResult[] = [];
  for (const [name, body] of Object.entries(CASES)) {
    if (only !== undefined && !only.includes(name)) continue;
    try {
      await body(config, run);
      results.push({ name, ok: true });
    } catch (error) {
      const kind = isAttacheError(error) ? `${error.name} (${error.code})` : (error as Error)?.name;
      const cause = (error as { cause?: unknown })?.cause;
      const because = cause instanceof Error ? ` ← ${cause.name}: ${cause.message}` : '';
      results.push({ name, ok: false, detail: `${kind}: ${(error as Error)?.message}${because}` });
    }
  }
  return results;
}
