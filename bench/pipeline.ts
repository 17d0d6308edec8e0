import { apiKeyAuth } from '@attache/api-key';
import { createClient, createFetch, createTokenSource, secret, tokenAuth } from '@attache/core';
import { hmacAuth } from '@attache/hmac';
import { clientCredentialsAuth } from '@attache/oauth-cc';
import ky from 'ky';
import type { Scenario } from './interleave.ts';

export type { Scenario, ScenarioResult } from './interleave.ts';
export { runPipelineBench } from './interleave.ts';

const consume = async (response: Response): Promise<unknown> => response.json();

export const coreScenarios: Scenario[] = [
  { name: 'raw fetch', setup: (origin) => () => fetch(`${origin}/orders/1`).then(consume) },
  {
    // A control, not a target: what a deadline costs raw fetch itself (createFetch's default is 30 s).
    name: 'raw fetch + 30 s deadline',
    baseline: 'raw fetch',
    setup: (origin) => async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      try {
        return await consume(await fetch(`${origin}/orders/1`, { signal: controller.signal }));
      } finally {
        clearTimeout(timer);
      }
    },
  },
  { name: 'plain ky', setup: (origin) => () => ky.get(`${origin}/orders/1`, { retry: 0 }).json() },
  {
    name: 'createFetch, no auth',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({ baseUrl: origin });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + apiKeyAuth',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({ baseUrl: origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    // A control: the same client without a deadline, so fetch is handed no signal.
    name: 'createFetch + apiKeyAuth, timeout: false',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({
        baseUrl: origin,
        auth: apiKeyAuth({ key: secret('bench-key') }),
        timeout: false,
      });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createClient + apiKeyAuth',
    baseline: 'plain ky',
    setup: (origin) => {
      const client = createClient({ baseUrl: origin, auth: apiKeyAuth({ key: secret('bench-key') }) });
      return () => client.get('orders/1').json();
    },
  },
  {
    name: 'createFetch + token source (cached)',
    baseline: 'raw fetch',
    setup: async (origin) => {
      const source = createTokenSource(async ({ signal }) => {
        const response = await fetch(`${origin}/token`, { method: 'POST', signal });
        const body = (await response.json()) as { access_token: string; expires_in: number };
        return { accessToken: secret(body.access_token), tokenType: 'Bearer', expiresIn: body.expires_in };
      });
      await source.get();
      const attache = createFetch({ baseUrl: origin, auth: tokenAuth({ source }) });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + clientCredentialsAuth (cached)',
    baseline: 'raw fetch',
    setup: async (origin) => {
      const auth = clientCredentialsAuth({
        tokenEndpoint: `${origin}/token`,
        clientId: 'bench-client',
        clientSecret: secret('bench-secret'),
      });
      await auth.source.get();
      const attache = createFetch({ baseUrl: origin, auth });
      return () => attache('orders/1').then(consume);
    },
  },
  {
    name: 'createFetch + hmacAuth (rfc9421)',
    baseline: 'raw fetch',
    setup: (origin) => {
      const attache = createFetch({
        baseUrl: origin,
        auth: hmacAuth({ keyId: 'bench', key: secret('bench-secret-0123456789') }),
      });
      return () => attache('orders/1').then(consume);
    },
  },
];
