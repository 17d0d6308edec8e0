import { createFetch, type OutgoingRequest, type Transport } from '@attache/core';
import { describe, expect, it } from 'vitest';

const ORIGIN = 'https://api.partner.example';

function recording(): { transport: Transport; sent: OutgoingRequest[] } {
  const sent: OutgoingRequest[] = [];
  const transport: Transport = async (outgoing) => {
    sent.push(outgoing);
    return new Response('ok');
  };
  return { transport, sent };
}

// A caller's Request carries RequestInit members that no URL and headers say (credentials, cache …): every
// hop must carry those the caller set, and only those differ from fetch's defaults are handed on.
describe("a caller's Request: its RequestInit members travel with every hop", () => {
  it('the members the caller set, all five, when any differs from the default', async () => {
    const { transport, sent } = recording();
    const partnerFetch = createFetch({ baseUrl: ORIGIN, transport });
    await partnerFetch(
      new Request(`${ORIGIN}/orders`, {
        credentials: 'include',
        cache: 'no-store',
        keepalive: true,
        referrerPolicy: 'no-referrer',
        integrity: 'sha256-AbCdEf0123456789',
      }),
    );
    expect(sent[0]?.init).toEqual({
      credentials: 'include',
      cache: 'no-store',
      keepalive: true,
      referrerPolicy: 'no-referrer',
      integrity: 'sha256-AbCdEf0123456789',
    });

    await partnerFetch(new Request(`${ORIGIN}/orders`, { cache: 'no-cache' }));
    expect(sent[1]?.init).toEqual({
      credentials: 'same-origin',
      cache: 'no-cache',
      keepalive: false,
      referrerPolicy: '',
      integrity: '',
    });
  });

  it('nothing when every member is fetch’s default (what ky builds)', async () => {
    const { transport, sent } = recording();
    const partnerFetch = createFetch({ baseUrl: ORIGIN, transport });
    await partnerFetch(new Request(`${ORIGIN}/orders`));
    await partnerFetch(new Request(`${ORIGIN}/orders`, { method: 'POST', body: 'x' }));
    expect(sent.map((outgoing) => outgoing.init)).toEqual([{}, {}]);
  });
});
