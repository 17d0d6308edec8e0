import {
  createTokenSource,
  TokenAcquisitionError,
  type TokenResponse,
  TokenResponseError,
} from '@attache/core';
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';

const START = Date.UTC(2026, 0, 1, 12);
let keys = 0;

/** A source on a fake clock whose one fetch answers `response`. */
function sourceAnswering(
  response: Partial<TokenResponse>,
  options: { defaultLifetime?: number; now?: () => number } = {},
) {
  return createTokenSource(async () => ({ accessToken: 'opaque-token', ...response }), {
    key: `test:token-lifetime:${++keys}`,
    now: options.now ?? (() => START),
    ...(options.defaultLifetime === undefined ? {} : { defaultLifetime: options.defaultLifetime }),
  });
}

function jwtExpiringAt(epochSeconds: number): string {
  return new UnsecuredJWT({ sub: 'robot-7' }).setExpirationTime(epochSeconds).encode();
}

describe('lifetimes', () => {
  it('expires_in wins over the JWT exp', async () => {
    const token = await sourceAnswering({
      accessToken: jwtExpiringAt(START / 1000 + 7200),
      expiresIn: 600,
    }).get();
    expect(token.expiresAt).toBe(START + 600_000);
  });

  it('accepts expires_in as a numeric string', async () => {
    expect((await sourceAnswering({ expiresIn: '3600' }).get()).expiresAt).toBe(START + 3_600_000);
    expect((await sourceAnswering({ expiresIn: ' 90.5 ' }).get()).expiresAt).toBe(START + 90_500);
  });

  it.each([
    [0, 'must be a positive number'],
    [-5, 'must be a positive number'],
    ['0', 'must be a positive number'],
    ['-60', 'not a number of seconds'],
    ['soon', 'not a number of seconds'],
    ['', 'not a number of seconds'],
    ['0x10', 'not a number of seconds'],
    [Number.NaN, 'must be a positive number'],
    [Number.POSITIVE_INFINITY, 'must be a positive number'],
    [true as unknown as number, 'not a number of seconds'],
  ])('rejects expires_in %o with a TokenResponseError naming the field', async (expiresIn, message) => {
    const error = await sourceAnswering({ expiresIn })
      .get()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({
      field: 'expires_in',
      code: 'TOKEN_ACQUISITION',
      error: 'invalid_token_response',
    });
    expect((error as Error).message).toContain('expires_in');
    expect((error as Error).message).toContain(message);
    expect((error as TokenResponseError).isRetryable).toBe(false);
  });

  it('rejects a bad refresh_in the same way, naming refresh_in', async () => {
    const error = await sourceAnswering({ expiresIn: 3600, refreshIn: 'later' })
      .get()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ field: 'refresh_in' });
  });

  it('uses the JWT exp when there is no expires_in', async () => {
    const token = await sourceAnswering({ accessToken: jwtExpiringAt(START / 1000 + 7200) }).get();
    expect(token.expiresAt).toBe(START + 7_200_000);
  });

  it('treats a null expires_in as absent', async () => {
    const token = await sourceAnswering({
      accessToken: jwtExpiringAt(START / 1000 + 7200),
      expiresIn: null,
    }).get();
    expect(token.expiresAt).toBe(START + 7_200_000);
  });

  it('falls back to defaultLifetime (300 s unless configured) for an opaque token without expires_in', async () => {
    expect((await sourceAnswering({}).get()).expiresAt).toBe(START + 300_000);
    expect((await sourceAnswering({}, { defaultLifetime: 60_000 }).get()).expiresAt).toBe(START + 60_000);
  });

  it('falls back to defaultLifetime for a JWT without exp and for three dotted parts that are not a JWT', async () => {
    const withoutExp = new UnsecuredJWT({ sub: 'robot-7' }).encode();
    expect((await sourceAnswering({ accessToken: withoutExp }).get()).expiresAt).toBe(START + 300_000);
    expect((await sourceAnswering({ accessToken: 'a.b.c' }).get()).expiresAt).toBe(START + 300_000);
  });

  it('a server Date header sets the clock offset used for exp', async () => {
    // The server's clock is 10 minutes ahead of ours; its token lives one hour on its clock.
    const serverNow = START + 600_000;
    const accessToken = jwtExpiringAt(serverNow / 1000 + 3600);
    const withDate = await sourceAnswering({
      accessToken,
      serverDate: new Date(serverNow).toUTCString(),
    }).get();
    expect(withDate.expiresAt).toBe(START + 3_600_000);
    // Without the Date header the hour would look 10 minutes longer on our clock.
    const withoutDate = await sourceAnswering({ accessToken }).get();
    expect(withoutDate.expiresAt).toBe(START + 4_200_000);
  });

  it('ignores a Date within the header resolution and an unparseable Date', async () => {
    const accessToken = jwtExpiringAt(START / 1000 + 3600);
    const close = await sourceAnswering({
      accessToken,
      serverDate: new Date(START + 1000).toUTCString(),
    }).get();
    expect(close.expiresAt).toBe(START + 3_600_000);
    const garbage = await sourceAnswering({ accessToken, serverDate: 'not a date' }).get();
    expect(garbage.expiresAt).toBe(START + 3_600_000);
  });

  it('remembers the learned offset for later responses of the same key without a Date', async () => {
    let t = START;
    let calls = 0;
    const serverAhead = 600_000;
    const source = createTokenSource(
      async () => {
        calls++;
        const serverNow = t + serverAhead;
        return {
          accessToken: jwtExpiringAt(serverNow / 1000 + 3600),
          ...(calls === 1 ? { serverDate: new Date(serverNow).toUTCString() } : {}),
        };
      },
      { key: `test:token-lifetime:${++keys}`, now: () => t },
    );
    const first = await source.get();
    expect(first.expiresAt).toBe(START + 3_600_000);
    await source.invalidate(first);
    t += 60_000;
    const second = await source.get();
    expect(second.expiresAt).toBe(t + 3_600_000);
  });

  it('refuses a JWT whose exp has already passed on the corrected clock, naming exp', async () => {
    const error = await sourceAnswering({ accessToken: jwtExpiringAt(START / 1000 - 5) })
      .get()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ field: 'exp' });
    expect((error as Error).message).toContain('serverDate');
  });

  it('counts expires_in from when the request was sent', async () => {
    let t = START;
    const source = createTokenSource(
      async () => {
        t += 2_000; // the endpoint takes two seconds
        return { accessToken: 'slow', expiresIn: 60 };
      },
      { key: `test:token-lifetime:${++keys}`, now: () => t },
    );
    expect((await source.get()).expiresAt).toBe(START + 60_000);
  });

  it('refuses a token whose expires_in ran out before the response arrived', async () => {
    let t = START;
    const source = createTokenSource(
      async () => {
        t += 5_000;
        return { accessToken: 'stale', expiresIn: 2 };
      },
      { key: `test:token-lifetime:${++keys}`, now: () => t },
    );
    await expect(source.get()).rejects.toMatchObject({ field: 'expires_in' });
  });
});

describe('token fields', () => {
  it('defaults the type to Bearer and normalizes its spelling', async () => {
    expect((await sourceAnswering({}).get()).type).toBe('Bearer');
    expect((await sourceAnswering({ tokenType: 'bearer' }).get()).type).toBe('Bearer');
    expect((await sourceAnswering({ tokenType: 'dpop' }).get()).type).toBe('DPoP');
    expect((await sourceAnswering({ tokenType: 'MAC' }).get()).type).toBe('MAC');
  });

  it.each([
    [{ accessToken: '' }, 'access_token'],
    [{ accessToken: undefined as unknown as string }, 'access_token'],
    [{ accessToken: 'a\nb' }, 'access_token'],
    [{ tokenType: 'Bearer token' }, 'token_type'],
  ])('refuses %o naming %s', async (response, field) => {
    await expect(sourceAnswering(response).get()).rejects.toMatchObject({ field });
  });

  it('keeps extra fields and hands them out frozen', async () => {
    const token = await sourceAnswering({ extra: { scope: 'orders:read' } }).get();
    expect(token.extra).toEqual({ scope: 'orders:read' });
    expect(Object.isFrozen(token.extra)).toBe(true);
    expect(Object.isFrozen(token)).toBe(true);
  });

  it('refuses a fetchToken that resolves to something that is not a response', async () => {
    const source = createTokenSource(async () => undefined as unknown as TokenResponse, {
      key: `test:token-lifetime:${++keys}`,
    });
    await expect(source.get()).rejects.toBeInstanceOf(TokenAcquisitionError);
  });
});
