// awsSigV4Auth against the AWS SDK's own signer, @smithy/signature-v4, on thousands of random requests: the
// same Authorization header (and every header it signs), and the same presigned URL parameters.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awsSigV4Auth } from '../src/aws-sigv4/aws-sigv4-auth.ts';
import { percentEncode as escapeUri } from '../src/percent-encode.ts';
import { authContext } from './support/context.ts';

const PEER = fileURLToPath(new URL('./peers/smithy-sign.cjs', import.meta.url));

const headerName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  fc.constantFrom(
    'content-type',
    'user-agent',
    'proxy-foo',
    'sec-fetch-mode',
    'x-amz-meta-note',
    'range',
    'cache-control',
  ),
);
// Visible ASCII with inner spaces and tabs: what a Headers object keeps (it strips the ends itself).
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e\t]{0,30}[\x21-\x7e])?$/);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
  host: fc.constantFrom(
    'example.amazonaws.com',
    'abc.execute-api.eu-west-1.amazonaws.com',
    'bucket.s3.amazonaws.com:8443',
  ),
  segments: fc.array(
    fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('.', '..', '')),
    { maxLength: 5 },
  ),
  trailingSlash: fc.boolean(),
  query: fc.array(
    fc.tuple(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 8 })),
    {
      maxLength: 5,
    },
  ),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { selector: ([name]) => name, maxLength: 6 }),
  body: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
  sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{10,60}$/), { nil: undefined }),
  date: fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) }),
  region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
  service: fc.constantFrom('service', 's3', 'execute-api', 'sts'),
  uriEscapePath: fc.boolean(),
  unsignedPayload: fc.boolean(),
});
type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

function build(r: RandomRequest) {
  const path = `/${r.segments.map(encodeURIComponent).join('/')}${r.trailingSlash ? '/' : ''}`;
  const search = r.query.map(([k, v]) => `${escapeUri(k)}=${escapeUri(v)}`).join('&');
  const url = new URL(`https://${r.host}${path}${search === '' ? '' : `?${search}`}`);
  const body =
    r.body === undefined || r.method === 'GET' || r.method === 'HEAD' ? undefined : new Uint8Array(r.body);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of r.query) {
    const seen = query[k];
    query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  const headers = new Headers(r.headers);
  const smithyHeaders: Record<string, string> = { host: url.host };
  for (const [name, value] of headers) smithyHeaders[name] = value;
  const smithyRequest = {
    method: r.method,
    protocol: 'https:',
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query,
    headers: smithyHeaders,
  };
  return { url, body, headers, smithyRequest };
}

function credentials(r: RandomRequest) {
  return { ...CREDENTIALS, ...(r.sessionToken === undefined ? {} : { sessionToken: r.sessionToken }) };
}

interface SmithySigned {
  readonly headers: Record<string, string>;
  readonly query: Record<string, string | string[] | null>;
}

/** Signs the requests with @smithy/signature-v4 in a child Node process. */
async function smithy(
  requests: readonly RandomRequest[],
  location: 'header' | 'query',
): Promise<SmithySigned[]> {
  const jobs = requests.map((r) => {
    const { body, smithyRequest } = build(r);
    if (location === 'header' && r.unsignedPayload) {
      smithyRequest.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    }
    return {
      credentials: credentials(r),
      region: r.region,
      service: r.service,
      uriEscapePath: r.uriEscapePath,
      request: smithyRequest,
      ...(body === undefined ? {} : { body: Buffer.from(body).toString('base64') }),
      date: r.date,
      location,
      expiresIn: 3600,
    };
  });
  const child = spawn(process.execPath, [PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(jobs));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  return JSON.parse(out) as SmithySigned[];
}

// One signer per configuration, as a client keeps one: its day's signing key is derived once.
const signers = new Map<string, ReturnType<typeof awsSigV4Auth>>();

function ours(r: RandomRequest, location: 'header' | 'query') {
  const id = JSON.stringify([
    r.region,
    r.service,
    r.sessionToken,
    r.uriEscapePath,
    r.unsignedPayload,
    location,
  ]);
  let signer = signers.get(id);
  if (signer === undefined) {
    signer = make(r, location);
    signers.set(id, signer);
  }
  return signer;
}

function make(r: RandomRequest, location: 'header' | 'query') {
  return awsSigV4Auth({
    region: r.region,
    service: r.service,
    credentials: credentials(r),
    uriEscapePath: r.uriEscapePath,
    unsignedPayload: location === 'header' && r.unsignedPayload,
    signatureLocation: location,
    expiresIn: 3600,
  });
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  const out = Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  delete out.host;
  return out;
}

describe('awsSigV4Auth equals @smithy/signature-v4', () => {
  it('in the Authorization header form, on 2,000 random requests', async () => {
    const requests = fc.sample(request, { numRuns: 2000, seed: 4 });
    const theirs = await smithy(requests, 'header');
    for (const [i, r] of requests.entries()) {
      const { url, body, headers } = build(r);
      const draft = { method: r.method, url, headers, body };
      await ours(r, 'header').attach(draft, authContext({ now: r.date }));
      expect(Object.fromEntries(draft.headers)).toEqual(lowerKeys(theirs[i]!.headers));
      expect(draft.url.href).toBe(build(r).url.href);
    }
  }, 120_000);

  it('in the presigned URL form, on 1,000 random requests', async () => {
    const requests = fc.sample(request, { numRuns: 1000, seed: 5 });
    const theirs = await smithy(requests, 'query');
    for (const [i, r] of requests.entries()) {
      const { url, body, headers } = build(r);
      const draft = { method: r.method, url, headers, body };
      await ours(r, 'query').attach(draft, authContext({ now: r.date }));
      const query: Record<string, string | string[]> = {};
      for (const piece of draft.url.search.slice(1).split('&')) {
        if (piece === '') continue;
        const eq = piece.indexOf('=');
        const k = decodeURIComponent(piece.slice(0, eq));
        const v = decodeURIComponent(piece.slice(eq + 1));
        const seen = query[k];
        query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
      }
      expect(normalise(query)).toEqual(normalise(theirs[i]!.query));
      expect(Object.fromEntries(draft.headers)).toEqual(lowerKeys(theirs[i]!.headers));
    }
  }, 120_000);
});

function normalise(query: Record<string, string | string[] | null>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(query)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== null)
      .map(([k, v]) => [k, (Array.isArray(v) ? [...v] : [v]).sort()]),
  );
}
