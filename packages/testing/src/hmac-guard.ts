import { createHmacVerifier, type HmacVerified, type HmacVerifierOptions } from '@attache/hmac';
import type { GuardRejection } from './guard-result.ts';

/** The HMAC guard, ready to check requests. */
export interface HmacGuard {
  check(request: Request): Promise<{ readonly ok: true; readonly signature: HmacVerified } | GuardRejection>;
  /** Forgets the nonces seen. */
  reset(): void;
}

/**
 * The signature guard of {@link mockPartnerApi}: `@attache/hmac`'s real verifier, on the API's clock unless
 * `options.now` says otherwise. A refusal is `401` with `{ error: 'invalid_signature', reason }`, the reason
 * being the verifier's (`expired`, `replayed-nonce`, `signature-mismatch`, …).
 */
export function createHmacGuard(options: HmacVerifierOptions, now: () => number): HmacGuard {
  const build = () => createHmacVerifier({ now, ...options });
  // Built once at once, so an invalid option throws from mockPartnerApi() itself.
  let verifier = build();
  return {
    async check(request) {
      const result = await verifier.verify(request);
      if (result.ok) return { ok: true, signature: result };
      return {
        ok: false,
        guard: 'hmac',
        reason: result.reason,
        response: Response.json(
          { error: 'invalid_signature', reason: result.reason, error_description: result.message },
          { status: 401 },
        ),
      };
    },
    reset() {
      verifier = build();
    },
  };
}
