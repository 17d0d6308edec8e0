// Signer key rotation: key id and key from a provider, read again when the partner rejects a signature, one
// replay when the key changed. The partner is createHmacVerifier behind the pipeline's transport.
import {
  createFetch,
  isAttacheError,
  type OutgoingRequest,
  secret,
  TokenAcquisitionError,
} from '@attache/core';
import { describe, expect, it } from 'vitest';
import { type HmacAuthOptions, hmacAuth } from '../src/hmac-auth.ts';
import { createHmacVerifier } from '../src/hmac-verifier.ts';
import type { SigningKey } from '../src/signing-key-source.ts';

const OLD = { keyId: 'key-2026-01', key: secret('old-signing-secret-0123456789') };
const NEW = { keyId: 'key-2026-02', key: secret('new-signing-secret-9876543210') };

/** A partner that accepts only the keys in `accepted` (changed by the test), and counts what it saw. */
function partner(scheme: 'simple' | 'rfc9421', accepted: Record<string, string>) {
  const seen: string[] = [];
  const transport = async (outgoing: OutgoingRequest): Promise<Response> => {
    const verifier = createHmacVerifier({ scheme, keys: (id) => accepted[id], nonceStore: false });
    const request = new Request(outgoing.url, { method: outgoing.method, headers: outgoing.headers });
    const body = outgoing.body instanceof Uint8Array ? outgoing.body : undefined;
    const result = await verifier.verify(request, { body });
    seen.push(result.ok ? `ok ${result.keyId}` : `${result.reason} ${result.keyId ?? ''}`.trim());
    return new Response(null, { status: result.ok ? 200 : 401 });
  };
  return { seen, transport };
}

function client(options: Partial<HmacAuthOptions>, transport: (o: OutgoingRequest) => Promise<Response>) {
  return createFetch({
    baseUrl: 'https://api.partner.test',
    retry: false,
    transport,
    auth: hmacAuth({ ...options } as HmacAuthOptions),
  });
}

describe.each(['simple', 'rfc9421'] as const)('signingKey provider (%s)', (scheme) => {
  it('reads the key once, and after a rejection reads it again and replays once with the new key', async () => {
    const accepted: Record<string, string> = { [OLD.keyId]: OLD.key.reveal() };
    const { seen, transport } = partner(scheme, accepted);
    let current: SigningKey = OLD;
    let reads = 0;
    const fetch = client(
      {
        scheme,
        signingKey: async () => {
          reads++;
          return current;
        },
      },
      transport,
    );

    for (let i = 0; i < 5; i++)
      expect((await fetch('/a', { method: 'POST', body: `n=${i}` })).status).toBe(200);
    expect(reads).toBe(1);

    // The partner rotates: only the new key now; the vault has it too.
    delete accepted[OLD.keyId];
    accepted[NEW.keyId] = NEW.key.reveal();
    current = NEW;
    expect((await fetch('/b', { method: 'POST', body: 'x' })).status).toBe(200);
    expect(reads).toBe(2);
    expect(seen.slice(5)).toEqual([`unknown-key ${OLD.keyId}`, `ok ${NEW.keyId}`]);
    expect((await fetch('/c')).status).toBe(200);
    expect(reads).toBe(2);
  });

  it('does not replay when the provider still has the rejected key', async () => {
    const { seen, transport } = partner(scheme, {});
    let reads = 0;
    const fetch = client(
      {
        scheme,
        signingKey: () => {
          reads++;
          return OLD;
        },
      },
      transport,
    );
    expect((await fetch('/a')).status).toBe(401);
    expect(reads).toBe(2);
    expect(seen).toEqual([`unknown-key ${OLD.keyId}`]);
  });

  it('replays at most once, even when the new key is refused too', async () => {
    const { seen, transport } = partner(scheme, {});
    let reads = 0;
    const keys = [OLD, NEW, { keyId: 'key-3', key: 'third' }];
    const fetch = client({ scheme, signingKey: () => keys[Math.min(reads++, 2)]! }, transport);
    expect((await fetch('/a')).status).toBe(401);
    expect(seen).toEqual([`unknown-key ${OLD.keyId}`, `unknown-key ${NEW.keyId}`]);
    expect(reads).toBe(2);
  });

  it('shares one provider read among 20 concurrent rejected calls', async () => {
    const accepted: Record<string, string> = {};
    const { seen, transport } = partner(scheme, accepted);
    let current: SigningKey = OLD;
    let reads = 0;
    const fetch = client(
      {
        scheme,
        signingKey: async () => {
          reads++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return current;
        },
      },
      transport,
    );
    expect((await fetch('/warm')).status).toBe(401);
    accepted[NEW.keyId] = NEW.key.reveal();
    current = NEW;
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`/p/${i}`)));
    expect(statuses.map((r) => r.status)).toEqual(Array(20).fill(200));
    // 1 first read, 1 re-read after /warm (same key, no replay), 1 re-read shared by the 20 calls.
    expect(reads).toBe(3);
    expect(seen.filter((s) => s === `ok ${NEW.keyId}`)).toHaveLength(20);
    expect(seen.filter((s) => s.startsWith('unknown-key'))).toHaveLength(21);
  });
});

describe('signingKey errors', () => {
  it('turns a failing provider into a TokenAcquisitionError that keeps the cause and no secret', async () => {
    const fetch = client(
      {
        signingKey: () => {
          throw new Error('vault down');
        },
      },
      async () => new Response(null),
    );
    const error = await fetch('/a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(isAttacheError(error) && error.message).toBe('hmacAuth: the signing key provider failed');
    expect((error as Error).cause).toMatchObject({ message: 'vault down' });
  });

  it('refuses a provider answer that is not a key, without quoting it', async () => {
    const answers: unknown[] = [
      { keyId: 'bad id\n', key: 's3cr3t-value' },
      { keyId: 'k', key: '' },
      'only-a-string',
    ];
    for (const answer of answers) {
      const fetch = client({ signingKey: () => answer as SigningKey }, async () => new Response(null));
      const error = (await fetch('/a').catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('ConfigError');
      expect(error.message).toMatch(/^hmacAuth: signingKey\(\): (keyId|key|must)/);
      expect(error.message).not.toContain('s3cr3t');
    }
  });

  it('takes either signingKey or keyId and key', () => {
    expect(() => hmacAuth({ signingKey: () => OLD, keyId: 'x' })).toThrow(
      /either signingKey or keyId and key/,
    );
    expect(() => hmacAuth({ signingKey: 'nope' as never })).toThrow(/signingKey must be a function/);
    expect(() => hmacAuth({ key: 'k' })).toThrow(/keyId/);
  });
});
