import { bearerAuth, secret } from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePipelineConfig } from '../src/pipeline/config.ts';
import { gateHop } from '../src/pipeline/origin-gate.ts';

// The gate's answer for the base origin is decided once per client; every hop must get the answer the full
// check gives, whatever its URL looks like next to the base (another port, scheme, host case, userinfo …).
const bases = [
  'https://api.example.com',
  'https://api.example.com/v2/',
  'http://127.0.0.1:8080',
  'http://localhost:3000/base',
  'http://partner.internal',
  'http://[::1]:9000',
];
const targets = [
  'https://api.example.com/orders',
  'https://api.example.com:443/orders',
  'https://API.example.com/orders',
  'https://api.example.com.evil.test/orders',
  'https://api.example.comx/orders',
  'http://api.example.com/orders',
  'https://user:pw@api.example.com/orders',
  'http://127.0.0.1:8080/x?y=1',
  'http://127.0.0.1:18080/x',
  'http://127.0.0.1:808/x',
  'http://127.0.0.1/x',
  'http://localhost:3000/base/orders',
  'http://localhost:30000/',
  'http://partner.internal/x',
  'http://partner.internal.evil/x',
  'http://[::1]:9000/x',
  'http://[::1]:90/x',
];

type Outcome = string;

function outcome(run: () => string): Outcome {
  try {
    return run();
  } catch (error) {
    return (error as Error).name;
  }
}

describe('origin gate: the base origin decided once', () => {
  it('answers every hop as the full check does, first hops and redirect hops (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...bases),
        fc.constantFrom(...targets),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(undefined, ['partner.internal']),
        fc.constantFrom(
          undefined,
          ['https://api.example.com'],
          ['http://127.0.0.1:8080', 'http://partner.internal'],
        ),
        (baseUrl, target, withAuth, firstHop, allowInsecureHosts, allowedOrigins) => {
          const options = {
            baseUrl,
            ...(allowedOrigins === undefined ? {} : { allowedOrigins }),
            ...(withAuth ? { auth: bearerAuth({ token: secret('t0ken-value') }) } : {}),
            ...(allowInsecureHosts === undefined ? {} : { allowInsecureHosts }),
          };
          let config: ReturnType<typeof resolvePipelineConfig>;
          try {
            config = resolvePipelineConfig(options);
          } catch {
            return; // Options the client refuses (credentials over plain http to a named host): nothing to gate.
          }
          const full = { ...config, baseGate: undefined };
          const url = new URL(target);
          const snapshot = () => ({ method: 'GET', url: target, headers: {} });
          expect(outcome(() => gateHop(config, url, firstHop, snapshot))).toBe(
            outcome(() => gateHop(full, url, firstHop, snapshot)),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('is decided only for an origin hops may go to', () => {
    expect(resolvePipelineConfig({ baseUrl: 'https://api.example.com/v2' }).baseGate).toEqual({
      prefix: 'https://api.example.com/',
      access: 'plain',
    });
    const auth = bearerAuth({ token: secret('t0ken-value') });
    expect(resolvePipelineConfig({ baseUrl: 'http://127.0.0.1:8080', auth }).baseGate).toEqual({
      prefix: 'http://127.0.0.1:8080/',
      access: 'credentials',
    });
    // Credentials over plain http to a named host are refused on every call: no shortcut around the refusal.
    expect(
      resolvePipelineConfig({
        baseUrl: 'http://partner.internal',
        auth,
        allowedOrigins: ['http://partner.internal'],
      }).baseGate,
    ).toBeUndefined();
  });
});
