// A token endpoint that refuses a request may echo what it was sent in any field of its RFC 6749 §5.2 error,
// not only in error_description: the client's secret must not reach the error, its fields or the events.
import { inspect } from 'node:util';
import { type AttacheEvent, TokenAcquisitionError } from '@attache/core';
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useMswServer } from '../../core/test/support/msw.ts';
import {
  type ClientAuthentication,
  clientCredentialsAuth,
  clientSecretBasic,
  clientSecretPost,
} from '../src/index.ts';

const TOKEN_URL = 'https://auth.partner.example/oauth/token';
const server = useMswServer();
let clients = 0;

// RFC 6749 §5.2's charset for `error` (so the echo would otherwise be quoted), long enough to be scrubbed.
const CODE_CHARS =
  '!#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz{|}~';
const secrets = fc.string({ unit: fc.constantFrom(...CODE_CHARS.split('')), minLength: 6, maxLength: 40 });

/** Where in the error body the server puts what it was sent. */
type Echo = (sent: string) => Record<string, string>;

const ECHOES: readonly (readonly [string, Echo])[] = [
  ['error', (sent) => ({ error: sent })],
  ['error, inside a code', (sent) => ({ error: `invalid_client:${sent}` })],
  [
    'error_uri',
    (sent) => ({ error: 'invalid_client', error_uri: `https://auth.partner.example/e?s=${sent}` }),
  ],
];

const METHODS: readonly (readonly [string, (value: string) => ClientAuthentication])[] = [
  ['client_secret_basic', clientSecretBasic],
  ['client_secret_post', clientSecretPost],
];

/** The refused request's error and events, the server echoing `echo` of the secret in the form it arrived. */
async function refusal(clientSecret: string, method: (value: string) => ClientAuthentication, echo: Echo) {
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      const basic = request.headers.get('authorization')?.slice('Basic '.length);
      const form = new URLSearchParams(await request.text());
      const sent = basic === undefined ? form.get('client_secret')! : atob(basic).split(':')[1]!;
      return HttpResponse.json(echo(sent), { status: 401 });
    }),
  );
  const events: AttacheEvent[] = [];
  const error = await clientCredentialsAuth({
    tokenEndpoint: TOKEN_URL,
    clientId: `echo-client-${++clients}`,
    clientAuthentication: method(clientSecret),
    onEvent: (event) => events.push(event),
    retry: false,
  })
    .source.get()
    .catch((caught: unknown) => caught);
  return { error: error as TokenAcquisitionError, events };
}

describe('a secret the token endpoint echoes in error or error_uri', () => {
  for (const [method, authentication] of METHODS) {
    for (const [where, echo] of ECHOES) {
      it(`${method}, echoed in ${where}: in no error field, message or event`, async () => {
        await fc.assert(
          fc.asyncProperty(secrets, async (clientSecret) => {
            const { error, events } = await refusal(clientSecret, authentication, echo);
            expect(error).toBeInstanceOf(TokenAcquisitionError);
            expect(error.status).toBe(401);
            const encoded = new URLSearchParams([['', clientSecret]]).toString().slice(1);
            for (const text of [
              error.message,
              String(error.error),
              String(error.errorUri),
              JSON.stringify(error),
              inspect(error, { depth: 5 }),
              JSON.stringify(events),
            ]) {
              expect(text).not.toContain(clientSecret);
              expect(text).not.toContain(encoded);
            }
          }),
          { numRuns: 10 },
        );
      });
    }
  }

  it('keeps a code and an error_uri that echo nothing', async () => {
    const { error } = await refusal('not-echoed-secret', clientSecretBasic, () => ({
      error: 'invalid_client',
      error_uri: 'https://auth.partner.example/errors/invalid_client',
    }));
    expect(error).toMatchObject({
      error: 'invalid_client',
      errorUri: 'https://auth.partner.example/errors/invalid_client',
    });
  });
});
