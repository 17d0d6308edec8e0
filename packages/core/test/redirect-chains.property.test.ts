import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerAuth, createFetch, type OutgoingRequest } from '../src/index.ts';

const PARTNER = 'https://api.partner.example';
const FILES = 'https://files.partner.example';
const OUTSIDE = 'https://cdn.elsewhere.example';
const TOKEN = 'token-for-the-partner-only';

const HOP = fc.record({
  origin: fc.constantFrom(PARTNER, FILES, OUTSIDE),
  status: fc.constantFrom(301, 302, 303, 307, 308),
});

describe('redirect chains', () => {
  it('credentials go on a hop only while every hop so far was at an allowed origin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(HOP, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('GET', 'PUT', 'POST'),
        async (chain, method) => {
          const sent: OutgoingRequest[] = [];
          const partnerFetch = createFetch({
            baseUrl: PARTNER,
            allowedOrigins: [PARTNER, FILES],
            redirects: 'pipeline',
            auth: bearerAuth({ token: TOKEN }),
            transport: async (outgoing) => {
              sent.push(outgoing);
              const step = chain[sent.length - 1];
              if (step === undefined) return new Response('{}');
              const location = `${step.origin}/hop-${sent.length}`;
              return new Response(null, { status: step.status, headers: { location } });
            },
          });
          const init = method === 'GET' ? { method } : { method, body: 'order 42' };
          const response = await partnerFetch('start', init);
          expect(response.status).toBe(200);
          expect(sent).toHaveLength(chain.length + 1);
          let outsideSoFar = false;
          sent.forEach((outgoing, i) => {
            const origin = new URL(outgoing.url).origin;
            outsideSoFar ||= origin === OUTSIDE;
            expect(outgoing.headers.get('authorization')).toBe(outsideSoFar ? null : `Bearer ${TOKEN}`);
            expect(i === 0 || outgoing.url.endsWith(`/hop-${i}`)).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an origin outside the allow-list cannot send a PUT with credentials back to the partner', async () => {
    const sent: string[] = [];
    const partnerFetch = createFetch({
      baseUrl: PARTNER,
      redirects: 'pipeline',
      auth: bearerAuth({ token: TOKEN }),
      transport: async (outgoing) => {
        sent.push(`${outgoing.method} ${outgoing.url} ${outgoing.headers.get('authorization')}`);
        if (outgoing.url === `${PARTNER}/download`)
          return new Response(null, { status: 307, headers: { location: `${OUTSIDE}/file` } });
        if (outgoing.url === `${OUTSIDE}/file`)
          return new Response(null, { status: 307, headers: { location: `${PARTNER}/admin/everything` } });
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
      },
    });
    const response = await partnerFetch('download', { method: 'PUT', body: 'payload' });
    // The answer comes back as it is: no challenge, so no replay with credentials either.
    expect(response.status).toBe(401);
    expect(sent).toEqual([
      `PUT ${PARTNER}/download Bearer ${TOKEN}`,
      `PUT ${OUTSIDE}/file null`,
      `PUT ${PARTNER}/admin/everything null`,
    ]);
  });
});
