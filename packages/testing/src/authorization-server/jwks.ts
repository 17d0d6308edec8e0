import type { JSONWebKeySet } from 'jose';
import type { RequestHandler } from 'msw';
import type { ServerConfig } from './config.ts';
import { endpoint } from './endpoint.ts';
import type { ServerState } from './state.ts';

/** The public signing keys, newest first (the previous one stays after `rotateSigningKey({ keepPrevious })`). */
export async function publicJwks(state: ServerState): Promise<JSONWebKeySet> {
  return { keys: (await state.keys).map((key) => key.publicJwk) };
}

/** `GET jwksUri`. */
export function jwksHandler(config: ServerConfig, state: ServerState): RequestHandler {
  return endpoint(
    'get',
    config.jwksUri,
    config.faults,
    () => state.counts.jwks++,
    async () => Response.json(await publicJwks(state)),
  );
}
