import { apiKeyAuth } from '@attache/api-key';
import { createFetch, secret, type Transport } from '@attache/core';
import { nodeTransport } from '@attache/mtls-node';
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import { Agent, request } from 'undici';
import type { Scenario } from './interleave.ts';

const consume = async (response: Response): Promise<unknown> => response.json();

/** A transport called alone, without the pipeline: a plain GET as the pipeline would hand it over. */
export function transportAlone(transport: Transport, origin: string): () => Promise<unknown> {
  const url = `${origin}/orders/1`;
  return () =>
    transport({
      url,
      method: 'GET',
      headers: new Headers(),
      body: undefined,
      signal: undefined,
      redirect: 'manual',
      init: {},
    }).then(consume);
}

/**
 * The Node transport against the clients a user would otherwise pick: raw `fetch`, and undici's dispatcher
 * API used bare (`undici.request` on an `Agent`, the floor a transport on it can reach).
 */
export const transportScenarios: Scenario[] = [
  { name: 'raw fetch', setup: (origin) => () => fetch(`${origin}/orders/1`).then(consume) },
  {
    name: 'bare undici.request',
    baseline: 'raw fetch',
    setup: (origin) => {
      const agent = new Agent();
      return async () => (await request(`${origin}/orders/1`, { dispatcher: agent })).body.json();
    },
  },
  {
    name: 'createFetch + apiKeyAuth (global fetch)',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({ baseUrl: origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + apiKeyAuth (nodeTransport)',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({
        baseUrl: origin,
        auth: apiKeyAuth({ key: secret('bench-key') }),
        transport: nodeTransport(),
      });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    // Azure's pipeline as its SDKs build it (default policies: retries, redirects, request ids, user agent,
    // tracing, logging) on its default Node client (node:http with keep-alive), with the same API key header.
    name: 'Azure core-rest-pipeline + API key policy',
    baseline: 'raw fetch',
    setup: (origin) => {
      const pipeline = createPipelineFromOptions({});
      const apiKey: PipelinePolicy = {
        name: 'apiKey',
        sendRequest: (req, next) => {
          req.headers.set('x-api-key', 'bench-key');
          return next(req);
        },
      };
      pipeline.addPolicy(apiKey);
      const client = createDefaultHttpClient();
      const url = `${origin}/orders/1`;
      return async () => {
        const response = await pipeline.sendRequest(
          client,
          createPipelineRequest({ url, allowInsecureConnection: true }),
        );
        return JSON.parse(response.bodyAsText ?? 'null');
      };
    },
  },
  {
    // The transport alone, without the pipeline: what the wrapping in a web Response costs over bare undici.
    name: 'nodeTransport alone',
    baseline: 'raw fetch',
    setup: (origin) => {
      return transportAlone(nodeTransport(), origin);
    },
  },
];
