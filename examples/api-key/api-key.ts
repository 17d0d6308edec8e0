/**
 * An API key in a header, read from a provider (your secret manager) so a rotated key is picked up without a
 * restart: the partner refuses the old key with a 401, `apiKeyAuth` reads the provider again and, because
 * the key changed, the pipeline replays the call once.
 *
 * Run it: `node --conditions=@attache/source examples/api-key/api-key.ts`
 */
import { apiKeyAuth } from '@attache/api-key';
import { type AttacheEvent, createFetch, secret } from '@attache/core';
import { serve } from '../support/serve.ts';

/** What the example saw, for its test. */
export interface ApiKeyExampleResult {
  readonly statuses: readonly number[];
  /** How often the client read the key from the provider. */
  readonly providerReads: number;
  /** Requests the partner received, and how many it refused. */
  readonly partnerCalls: number;
  readonly partnerRejected: number;
  readonly replays: number;
}

export async function runApiKeyExample(
  log: (line: string) => void = console.log,
): Promise<ApiKeyExampleResult> {
  // The partner accepts one key at a time; rotating it refuses the old one at once.
  let acceptedKey = 'pk_demo_2f9c1a';
  let partnerCalls = 0;
  let partnerRejected = 0;
  const partner = await serve((request) => {
    partnerCalls++;
    if (request.headers.get('x-api-key') !== acceptedKey) {
      partnerRejected++;
      return Response.json({ error: 'invalid_api_key' }, { status: 401 });
    }
    return Response.json({ orders: [{ id: 'o-1', total: 42 }] });
  });

  // Stands in for a secret manager: the client asks it for the current key.
  let vault = acceptedKey;
  let providerReads = 0;
  const events: AttacheEvent[] = [];
  try {
    const partnerFetch = createFetch({
      baseUrl: partner.origin,
      auth: apiKeyAuth({
        key: async () => {
          providerReads++;
          return secret(vault);
        },
      }),
      onEvent: (event) => events.push(event),
    });

    const statuses: number[] = [];
    const first = await Promise.all(Array.from({ length: 5 }, () => partnerFetch('orders')));
    statuses.push(...first.map((response) => response.status));
    log(
      `5 concurrent calls: statuses ${first.map((r) => r.status).join(',')}, provider read ${providerReads}x`,
    );

    // The key is rotated: the partner and the secret manager both have the new one, the client does not.
    acceptedKey = 'pk_demo_7e41b0';
    vault = acceptedKey;
    const after = await partnerFetch('orders');
    statuses.push(after.status);
    const replays = events.filter((e) => e.type === 'challenge:handled' && e.outcome === 'replay').length;
    log(
      `after the rotation: status ${after.status}; the partner refused ${partnerRejected} request, ` +
        `the provider was read again (${providerReads}x in all), ${replays} replay`,
    );
    return { statuses, providerReads, partnerCalls, partnerRejected, replays };
  } finally {
    await partner.close();
  }
}

if (import.meta.main) {
  await runApiKeyExample();
}
