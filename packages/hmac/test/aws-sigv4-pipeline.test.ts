// awsSigV4Auth in the pipeline: a skewed clock costs one RequestTimeTooSkewed and one replay, expiring
// credentials are read again before they expire (once for concurrent calls) and after ExpiredToken, presigned
// URLs carry no header credentials.
import { createFetch, type OutgoingRequest } from '@attache/core';
import { describe, expect, it } from 'vitest';
import type { AwsCredentials } from '../src/aws-sigv4/aws-credentials.ts';
import { type AwsSigV4AuthOptions, awsSigV4Auth } from '../src/aws-sigv4/aws-sigv4-auth.ts';

const BASE = 'https://abc.execute-api.eu-west-1.amazonaws.com';
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

function amzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function xmlError(code: string, serverTime: number): Response {
  return new Response(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>no</Message></Error>`, {
    status: 403,
    headers: { 'content-type': 'application/xml', date: new Date(serverTime).toUTCString() },
  });
}

describe('awsSigV4Auth in the pipeline', () => {
  it('replays once with the corrected clock after RequestTimeTooSkewed', async () => {
    const localNow = Date.UTC(2026, 11, 7, 12, 0, 0);
    const serverNow = localNow + 20 * 60_000;
    const seen: string[] = [];
    const transport = async (outgoing: OutgoingRequest) => {
      const date = amzDate(outgoing.headers.get('x-amz-date')!);
      seen.push(outgoing.headers.get('x-amz-date')!);
      if (Math.abs(date - serverNow) > 5 * 60_000) return xmlError('RequestTimeTooSkewed', serverNow);
      return new Response('ok', { headers: { date: new Date(serverNow).toUTCString() } });
    };
    const fetch = createFetch({
      baseUrl: BASE,
      now: () => localNow,
      transport,
      auth: awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: KEYS }),
    });
    const response = await fetch('/prod/orders', { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(seen).toEqual(['20261207T120000Z', '20261207T122000Z']);
    // The clock stays corrected: the next call is signed right the first time.
    expect((await fetch('/prod/orders')).status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it('does not replay other 403s, nor a skew the clock did not learn', async () => {
    let calls = 0;
    const fetch = createFetch({
      baseUrl: BASE,
      transport: async () => {
        calls++;
        return calls === 1
          ? xmlError('SignatureDoesNotMatch', Date.now())
          : new Response('<Error><Code>RequestTimeTooSkewed</Code></Error>', { status: 403 });
      },
      auth: awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: KEYS }),
    });
    expect((await fetch('/a')).status).toBe(403);
    expect(calls).toBe(1);
    expect((await fetch('/b')).status).toBe(403);
    expect(calls).toBe(2);
  });

  it('reads expiring credentials again before they expire, once for 20 concurrent calls', async () => {
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    let reads = 0;
    const tokens: string[] = [];
    const provider = async (): Promise<AwsCredentials> => {
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return {
        ...KEYS,
        accessKeyId: 'ASIATEMP',
        sessionToken: `token-${reads}`,
        expiration: new Date(now + 15 * 60_000),
      };
    };
    const fetch = createFetch({
      baseUrl: BASE,
      now: () => now,
      transport: async (outgoing) => {
        tokens.push(outgoing.headers.get('x-amz-security-token')!);
        return new Response('ok');
      },
      auth: awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: provider }),
    });
    await Promise.all(Array.from({ length: 20 }, () => fetch('/a')));
    expect(reads).toBe(1);
    now += 9 * 60_000; // 6 minutes left: still outside the 5-minute refresh window
    await Promise.all(Array.from({ length: 20 }, () => fetch('/a')));
    expect(reads).toBe(1);
    now += 2 * 60_000; // 4 minutes left
    await Promise.all(Array.from({ length: 20 }, () => fetch('/a')));
    expect(reads).toBe(2);
    expect(tokens.filter((t) => t === 'token-1')).toHaveLength(40);
    expect(tokens.filter((t) => t === 'token-2')).toHaveLength(20);
  });

  it('reads the credentials again after ExpiredToken and replays once', async () => {
    let reads = 0;
    const sent: string[] = [];
    const fetch = createFetch({
      baseUrl: BASE,
      transport: async (outgoing) => {
        const token = outgoing.headers.get('x-amz-security-token')!;
        sent.push(token);
        return token === 'revoked'
          ? new Response('{"__type":"ExpiredTokenException","message":"expired"}', { status: 403 })
          : new Response('ok');
      },
      auth: awsSigV4Auth({
        region: 'eu-west-1',
        service: 'execute-api',
        credentials: () => ({ ...KEYS, sessionToken: reads++ === 0 ? 'revoked' : 'fresh' }),
      }),
    });
    expect((await fetch('/a')).status).toBe(200);
    expect(sent).toEqual(['revoked', 'fresh']);
    expect(reads).toBe(2);
  });

  it('presigns in the query: no Authorization header, the caller’s query kept as written', async () => {
    let url = '';
    let authorization: string | null = 'unset';
    const options: AwsSigV4AuthOptions = {
      region: 'us-east-1',
      service: 's3',
      credentials: { ...KEYS, sessionToken: 'tok' },
      signatureLocation: 'query',
      uriEscapePath: false,
      unsignedPayload: true,
      expiresIn: 600,
    };
    const fetch = createFetch({
      baseUrl: 'https://bucket.s3.amazonaws.com',
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
      transport: async (outgoing) => {
        url = outgoing.url;
        authorization = outgoing.headers.get('authorization');
        return new Response('ok');
      },
      auth: awsSigV4Auth(options),
    });
    await fetch('/photos/a+b.jpg?versionId=v%201');
    expect(authorization).toBeNull();
    expect(url).toMatch(
      /^https:\/\/bucket\.s3\.amazonaws\.com\/photos\/a\+b\.jpg\?versionId=v%201&X-Amz-Security-Token=tok&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260102%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}$/,
    );
  });

  it('refuses a stream body it would have to hash, and bad options, naming the field', async () => {
    const fetch = createFetch({
      baseUrl: BASE,
      transport: async () => new Response('ok'),
      auth: awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: KEYS }),
    });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        controller.close();
      },
    });
    await expect(fetch('/a', { method: 'PUT', body: stream, duplex: 'half' } as RequestInit)).rejects.toThrow(
      /cannot hash a ReadableStream body/,
    );
    const bad: [Partial<AwsSigV4AuthOptions>, RegExp][] = [
      [{ region: 'EU West' }, /region must be/],
      [{ service: '' }, /service must be/],
      [{ expiresIn: 604_801 }, /expiresIn/],
      [{ signatureLocation: 'body' as 'query' }, /signatureLocation/],
      [{ credentials: undefined as never }, /credentials are required/],
      [
        { credentials: { accessKeyId: 'A/B', secretAccessKey: 'x' } },
        /accessKeyId must be visible ASCII without "\/"/,
      ],
      [{ credentials: { accessKeyId: 'A', secretAccessKey: '' } }, /secretAccessKey must be/],
      [
        { credentials: { accessKeyId: 'A', secretAccessKey: 's3cr3t', sessionToken: 'a\nb' } },
        /sessionToken must be/,
      ],
    ];
    for (const [options, message] of bad) {
      const make = () =>
        awsSigV4Auth({ region: 'eu-west-1', service: 'execute-api', credentials: KEYS, ...options });
      expect(make).toThrow(message);
      try {
        make();
      } catch (error) {
        expect((error as Error).name).toBe('ConfigError');
        expect((error as Error).message).not.toContain('s3cr3t');
      }
    }
  });
});
