import { apiKeyAuth } from '@attache/api-key';
import { createFetch, secret } from '@attache/core';
import { mtlsTransport } from '@attache/mtls-node';
import { Agent, fetch as undiciFetch } from 'undici';
import { createPki } from '../packages/mtls-node/test/fixtures/pki.ts';
import type { Scenario } from './interleave.ts';
import { transportAlone } from './transport.ts';

const consume = async (response: { json(): Promise<unknown> }): Promise<unknown> => response.json();

/**
 * Mutual TLS: `mtlsTransport` (on the dispatcher) against undici's `fetch` with an `Agent` holding the same
 * client certificate, the way mTLS is done without Attaché. Certificates are generated for the run.
 */
export async function prepareMtlsBench(): Promise<{
  tls: { cert: string; key: string; ca: string };
  scenarios: Scenario[];
  cleanup: () => Promise<void>;
}> {
  const pki = await createPki();
  const ca = await pki.ca('Bench CA');
  const server = await pki.server(ca);
  const client = await pki.client(ca, { cn: 'bench-client' });
  const scenarios: Scenario[] = [
    {
      name: "undici's fetch + Agent (mTLS)",
      setup: (origin) => {
        const agent = new Agent({ connect: { cert: client.cert, key: client.key, ca: ca.cert } });
        return () => undiciFetch(`${origin}/orders/1`, { dispatcher: agent }).then(consume);
      },
    },
    {
      name: 'mtlsTransport alone',
      baseline: "undici's fetch + Agent (mTLS)",
      setup: (origin) => {
        const transport = mtlsTransport({ cert: client.cert, key: secret(client.key), ca: ca.cert });
        return transportAlone(transport, origin);
      },
    },
    {
      name: 'createFetch + apiKeyAuth (mtlsTransport)',
      baseline: "undici's fetch + Agent (mTLS)",
      setup: (origin) => {
        const attache = createFetch({
          baseUrl: origin,
          auth: apiKeyAuth({ key: secret('bench-key') }),
          transport: mtlsTransport({ cert: client.cert, key: secret(client.key), ca: ca.cert }),
        });
        return () => attache('orders/1').then(consume);
      },
    },
  ];
  return {
    tls: { cert: server.cert, key: server.key, ca: ca.cert },
    scenarios,
    cleanup: () => pki.cleanup(),
  };
}
