// The new signers' credentials never appear in an error: the signature, the session token, the credential
// scope of a presigned URL and the secrets themselves are masked in the request snapshot createClient's
// errors carry, and absent from message, stack, JSON and inspect output.
import { inspect } from 'node:util';
import { type Authenticator, createClient, type OutgoingRequest, secret } from '@attache/core';
import { describe, expect, it } from 'vitest';
import { awsSigV4Auth } from '../src/aws-sigv4/aws-sigv4-auth.ts';
import { cavageSignatureAuth } from '../src/cavage/cavage-auth.ts';
import { hmacAuth } from '../src/hmac-auth.ts';

const SECRET = 'very-secret-signing-key-7d1f';
const TOKEN = 'SESSIONTOKEN0123456789abcdef';

const cases: [string, Authenticator][] = [
  [
    'aws-sigv4 header',
    awsSigV4Auth({
      region: 'eu-west-1',
      service: 'execute-api',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN },
    }),
  ],
  [
    'aws-sigv4 query',
    awsSigV4Auth({
      region: 'eu-west-1',
      service: 's3',
      signatureLocation: 'query',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN },
    }),
  ],
  ['cavage signature', cavageSignatureAuth({ keyId: 'k1', key: secret(SECRET) })],
  [
    'cavage authorization',
    cavageSignatureAuth({ keyId: 'k1', key: secret(SECRET), placement: 'authorization' }),
  ],
  [
    'api-key-hmac',
    hmacAuth({ scheme: 'simple', preset: 'api-key-hmac', keyId: 'ak_1', key: secret(SECRET) }),
  ],
];

describe.each(cases)('%s: errors carry no credential', (_name, auth) => {
  it('masks what the signer wrote in the failed request snapshot', async () => {
    const sent: OutgoingRequest[] = [];
    const client = createClient({
      baseUrl: 'https://api.partner.test',
      retry: false,
      auth,
      transport: async (outgoing) => {
        sent.push(outgoing);
        return new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 });
      },
    });
    const error = (await client.post('orders?page=2', { body: '{"a":1}' }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('HttpError');
    const outgoing = sent[0]!;
    // Every credential value the signer put on the wire.
    const values = [SECRET, TOKEN];
    for (const name of ['authorization', 'signature', 'x-signature', 'x-amz-security-token']) {
      const value = outgoing.headers.get(name);
      if (value !== null) values.push(value.match(/[0-9a-f]{64}|[A-Za-z0-9+/]{40,}={0,2}/)?.[0] ?? value);
    }
    const url = new URL(outgoing.url);
    for (const name of ['X-Amz-Signature', 'X-Amz-Security-Token']) {
      const value = url.searchParams.get(name);
      if (value !== null) values.push(value);
    }
    expect(values.length).toBeGreaterThan(2);
    const texts = [error.message, error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 10 })];
    // The snapshot is there, with the credentials masked.
    expect(inspect(error, { depth: 10 })).toContain('/orders');
    expect(inspect(error, { depth: 10 })).toMatch(/\[redacted\]|%5Bredacted%5D/);
    for (const value of values) for (const text of texts) expect(text).not.toContain(value);
  });
});
