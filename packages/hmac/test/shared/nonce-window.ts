// A nonce is remembered for at least as long as its signature can be accepted: a replay is refused at every
// instant up to and including the last one the signature is valid, and at the first instant after it the
// signature itself has expired. Tested at the exact edges with a fake clock, then over random windows and
// random claim sequences against a model of the store. Run in Node and in Chromium.
import { authenticateRequest } from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacAuth } from '../../src/hmac-auth.ts';
import { createHmacVerifier } from '../../src/hmac-verifier.ts';
import { createMemoryNonceStore, type NonceStore } from '../../src/nonce-store.ts';
import type { HmacVerifyResult } from '../../src/verify-result.ts';
import { authContext } from '../support/context.ts';

const SECRET = 'nonce-window-secret-0123456789ab';
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

/** A store that forgets a nonce exactly at `expiresAt`, as Redis `PXAT` does: the contract's weakest store. */
function pxatStore(now: () => number): NonceStore {
  const kept = new Map<string, number>();
  return {
    claim(nonce, expiresAt) {
      const until = kept.get(nonce);
      if (until !== undefined && now() < until) return false;
      kept.set(nonce, expiresAt);
      return true;
    },
  };
}

async function sign(scheme: 'rfc9421' | 'simple', at: number): Promise<Request> {
  const auth = hmacAuth(
    scheme === 'simple'
      ? { scheme, keyId: 'k1', key: SECRET, timestampFormat: 'unix-ms' }
      : { scheme, keyId: 'k1', key: SECRET },
  );
  const request = new Request('https://api.partner.test/v1/orders?id=7', { method: 'GET' });
  return authenticateRequest(auth, request, authContext({ now: at }));
}

function clocked(scheme: 'rfc9421' | 'simple', tolerance: number, store: 'memory' | 'pxat') {
  let time = T0;
  const now = () => time;
  const verifier = createHmacVerifier({
    scheme,
    ...(scheme === 'simple' ? { timestampFormat: 'unix-ms' as const } : {}),
    keys: { k1: SECRET },
    tolerance,
    now,
    nonceStore: store === 'memory' ? createMemoryNonceStore({ now }) : pxatStore(now),
  });
  return {
    at(ms: number) {
      time = ms;
    },
    verify: (request: Request): Promise<HmacVerifyResult> => verifier.verify(request.clone()),
  };
}

export function nonceWindowSuite(runs: number): void {
  describe('nonces live as long as their signatures', () => {
    for (const scheme of ['rfc9421', 'simple'] as const) {
      for (const store of ['memory', 'pxat'] as const) {
        it(`${scheme}, ${store} store: exact edges of the window, signed on time, ahead and behind`, async () => {
          const tolerance = 300;
          const window = tolerance * 1000;
          for (const skew of [0, window, -window]) {
            const created = T0 + 60_000 + skew;
            const request = await sign(scheme, created);
            const v = clocked(scheme, tolerance, store);
            // The earliest instant it is accepted: `tolerance` before `created`.
            v.at(created - window - 1);
            expect(await v.verify(request)).toMatchObject({ ok: false, reason: 'future-timestamp' });
            v.at(created - window);
            expect(await v.verify(request)).toMatchObject({ ok: true });
            for (const replayAt of [created - window, created, created + window - 1, created + window]) {
              v.at(replayAt);
              expect(await v.verify(request), `replay at ${replayAt - created} ms`).toMatchObject({
                ok: false,
                reason: 'replayed-nonce',
              });
            }
            // One millisecond past the window the signature itself is refused.
            v.at(created + window + 1);
            expect(await v.verify(request)).toMatchObject({ ok: false, reason: 'expired' });
          }
        });
      }
    }

    it('the last accepted instant: first use there is accepted, and a replay at that same instant refused', async () => {
      for (const scheme of ['rfc9421', 'simple'] as const) {
        const created = T0;
        const request = await sign(scheme, created);
        const v = clocked(scheme, 30, 'pxat');
        v.at(created + 30_000);
        expect(await v.verify(request)).toMatchObject({ ok: true });
        expect(await v.verify(request)).toMatchObject({ ok: false, reason: 'replayed-nonce' });
      }
    });

    it('over random tolerances, signing skews and replay times, a replay is never accepted', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('rfc9421' as const, 'simple' as const),
          fc.constantFrom('memory' as const, 'pxat' as const),
          fc.integer({ min: 1, max: 900 }),
          fc.double({ min: -1, max: 1, noNaN: true }),
          fc.array(fc.double({ min: -1.2, max: 1.2, noNaN: true }), { minLength: 1, maxLength: 6 }),
          async (scheme, store, tolerance, skew, replays) => {
            const window = tolerance * 1000;
            const created = T0 + Math.round(skew * window);
            // rfc9421's `created` has whole seconds: that is the time the window is measured from.
            const signedAt = scheme === 'rfc9421' ? Math.floor(created / 1000) * 1000 : created;
            const request = await sign(scheme, created);
            const v = clocked(scheme, tolerance, store);
            v.at(T0);
            const first = await v.verify(request);
            expect(first.ok).toBe(true);
            for (const offset of replays) {
              const at = T0 + Math.round(offset * 2 * window);
              v.at(at);
              const again = await v.verify(request);
              expect(again.ok).toBe(false);
              if (at >= signedAt - window && at <= signedAt + window) {
                expect(again).toMatchObject({ reason: 'replayed-nonce' });
              }
            }
          },
        ),
        { numRuns: runs },
      );
    });
  });

  describe('createMemoryNonceStore', () => {
    type Op =
      | { readonly op: 'claim'; readonly nonce: number; readonly life: number }
      | { readonly op: 'tick'; readonly ms: number };
    const ops = fc.array(
      fc.oneof(
        fc.record({
          op: fc.constant('claim' as const),
          nonce: fc.nat(12),
          life: fc.integer({ min: -5, max: 200 }),
        }),
        fc.record({ op: fc.constant('tick' as const), ms: fc.nat(60) }),
      ),
      { maxLength: 120 },
    );

    it('matches a model: a nonce is refused exactly while now < its expiresAt (room to spare)', () => {
      fc.assert(
        fc.property(ops, (sequence: Op[]) => {
          let time = 1_000;
          const store = createMemoryNonceStore({ now: () => time, maxEntries: 1_000 });
          const model = new Map<number, number>();
          for (const step of sequence) {
            if (step.op === 'tick') {
              time += step.ms;
              continue;
            }
            const live = (model.get(step.nonce) ?? Number.NEGATIVE_INFINITY) > time;
            expect(store.claim(`n${step.nonce}`, time + step.life)).toBe(!live);
            if (!live) model.set(step.nonce, time + step.life);
          }
        }),
        { numRuns: runs },
      );
    });

    it("whenFull 'refuse' (the default): never forgets a live nonce; 'full' only when that many are live", () => {
      fc.assert(
        fc.property(ops, fc.integer({ min: 1, max: 5 }), (sequence: Op[], maxEntries) => {
          let time = 1_000;
          const store = createMemoryNonceStore({ now: () => time, maxEntries });
          const model = new Map<number, number>();
          for (const step of sequence) {
            if (step.op === 'tick') {
              time += step.ms;
              continue;
            }
            for (const [nonce, until] of model) if (until <= time) model.delete(nonce);
            const result = store.claim(`n${step.nonce}`, time + step.life);
            if (model.has(step.nonce)) {
              expect(result).toBe(false);
            } else if (step.life <= 0) {
              expect(result).toBe(true);
            } else if (model.size >= maxEntries) {
              expect(result).toBe('full');
            } else {
              expect(result).toBe(true);
              model.set(step.nonce, time + step.life);
            }
          }
        }),
        { numRuns: runs },
      );
    });

    it("whenFull 'evict-oldest': stays within maxEntries by forgetting the nonce closest to expiry", () => {
      let time = 0;
      const store = createMemoryNonceStore({ maxEntries: 2, whenFull: 'evict-oldest', now: () => time });
      expect(store.claim('a', 10)).toBe(true);
      expect(store.claim('b', 100)).toBe(true);
      time = 20;
      // 'a' expired: room without evicting a live one.
      expect(store.claim('c', 50)).toBe(true);
      expect(store.claim('b', 100)).toBe(false);
      // Full of live nonces: 'c' (expires first, though claimed last) makes room.
      expect(store.claim('d', 100)).toBe(true);
      expect(store.claim('b', 100)).toBe(false);
      expect(store.claim('c', 100)).toBe(true);
    });

    it("the verifier refuses with 'nonce-store-full' rather than forget a live nonce", async () => {
      let time = T0;
      const now = () => time;
      const verifier = createHmacVerifier({
        keys: { k1: SECRET },
        now,
        nonceStore: createMemoryNonceStore({ now, maxEntries: 3 }),
      });
      const requests = await Promise.all([0, 1, 2, 3].map((i) => sign('rfc9421', T0 + i)));
      for (const request of requests.slice(0, 3))
        expect(await verifier.verify(request.clone())).toMatchObject({ ok: true });
      expect(await verifier.verify(requests[3]!.clone())).toMatchObject({
        ok: false,
        reason: 'nonce-store-full',
      });
      for (const request of requests.slice(0, 3)) {
        expect(await verifier.verify(request.clone())).toMatchObject({ reason: 'replayed-nonce' });
      }
      // Once the first signatures' window has passed, there is room again.
      time = T0 + 300_001;
      expect(await verifier.verify((await sign('rfc9421', time)).clone())).toMatchObject({ ok: true });
    });

    it('refuses invalid options', () => {
      expect(() => createMemoryNonceStore({ whenFull: 'drop' as never })).toThrow(/whenFull must be/);
      expect(() => createMemoryNonceStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    });
  });
}
