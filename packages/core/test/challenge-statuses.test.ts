// Authenticators whose partner rejects credentials with another status than 401 (AWS: 403) name it in
// `challengeStatuses`: such a response goes to their `challenge` alone, under the one-replay rule.
import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../src/authenticator.ts';
import { createFetch } from '../src/create-fetch.ts';

function recorder(name: string, statuses: number[] | undefined, answer: 'replay' | 'fail') {
  const asked: number[] = [];
  const auth: Authenticator = {
    name,
    ...(statuses ? { challengeStatuses: statuses } : {}),
    attach: (draft) => draft.headers.set(`x-${name}`, '1'),
    challenge: (response) => {
      asked.push(response.status);
      return answer;
    },
  };
  return { auth, asked };
}

describe('challengeStatuses', () => {
  it('sends a 403 to the authenticator that names it, and replays once', async () => {
    const signer = recorder('signer', [403], 'replay');
    const key = recorder('key', undefined, 'replay');
    const statuses = [403, 403, 403];
    let sent = 0;
    const fetch = createFetch({
      baseUrl: 'https://api.partner.test',
      retry: false,
      auth: [key.auth, signer.auth],
      transport: async () => new Response(null, { status: statuses[sent++] ?? 200 }),
    });
    expect((await fetch('/a')).status).toBe(403);
    expect(sent).toBe(2);
    expect(signer.asked).toEqual([403]);
    expect(key.asked).toEqual([]);
  });

  it('leaves a 403 alone when no authenticator names it', async () => {
    const key = recorder('key', undefined, 'replay');
    let sent = 0;
    const fetch = createFetch({
      baseUrl: 'https://api.partner.test',
      retry: false,
      auth: key.auth,
      transport: async () => {
        sent++;
        return new Response(null, { status: 403 });
      },
    });
    expect((await fetch('/a')).status).toBe(403);
    expect(sent).toBe(1);
    expect(key.asked).toEqual([]);
  });

  it('still asks every authenticator about a 401', async () => {
    const signer = recorder('signer', [403], 'fail');
    const key = recorder('key', undefined, 'fail');
    const fetch = createFetch({
      baseUrl: 'https://api.partner.test',
      retry: false,
      auth: [key.auth, signer.auth],
      transport: async () => new Response(null, { status: 401 }),
    });
    expect((await fetch('/a')).status).toBe(401);
    expect(signer.asked).toEqual([401]);
    expect(key.asked).toEqual([401]);
  });
});
