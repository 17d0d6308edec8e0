import * as core from '@attache/core';
import {
  AttacheError,
  ConfigError,
  HttpError,
  InsecureTransportError,
  InsufficientScopeError,
  NetworkError,
  OriginNotAllowedError,
  RateLimitedError,
  RedirectError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  TokenAcquisitionError,
  TokenResponseError,
  UnauthorizedError,
} from '@attache/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

type Core = typeof core;
type GuardName = {
  [K in keyof Core]: K extends `is${string}Error`
    ? Core[K] extends (v: unknown) => boolean
      ? K
      : never
    : never;
}[keyof Core];

const response = (): Response => new Response(null, { status: 418 });

/** One instance of every class, made by the copy of the package given, and the guards that must accept it. */
function samples(m: Core): { name: string; error: unknown; accepted: readonly GuardName[] }[] {
  const http = { response: response() };
  return [
    { name: 'HttpError', error: new m.HttpError('x', http), accepted: ['isAttacheError', 'isHttpError'] },
    {
      name: 'UnauthorizedError',
      error: new m.UnauthorizedError('x', http),
      accepted: ['isAttacheError', 'isHttpError', 'isUnauthorizedError'],
    },
    {
      name: 'InsufficientScopeError',
      error: new m.InsufficientScopeError('x', { ...http, scope: 'a' }),
      accepted: ['isAttacheError', 'isHttpError', 'isInsufficientScopeError'],
    },
    {
      name: 'RateLimitedError',
      error: new m.RateLimitedError('x', { ...http, retryAfter: 5 }),
      accepted: ['isAttacheError', 'isHttpError', 'isRateLimitedError'],
    },
    {
      name: 'TokenAcquisitionError',
      error: new m.TokenAcquisitionError('x'),
      accepted: ['isAttacheError', 'isTokenAcquisitionError'],
    },
    {
      name: 'TokenResponseError',
      error: new m.TokenResponseError('expires_in', 'x'),
      accepted: ['isAttacheError', 'isTokenAcquisitionError', 'isTokenResponseError'],
    },
    {
      name: 'OriginNotAllowedError',
      error: new m.OriginNotAllowedError('https://elsewhere.test'),
      accepted: ['isAttacheError', 'isOriginNotAllowedError'],
    },
    {
      name: 'InsecureTransportError',
      error: new m.InsecureTransportError('partner.test'),
      accepted: ['isAttacheError', 'isInsecureTransportError'],
    },
    {
      name: 'RedirectError',
      error: new m.RedirectError('x'),
      accepted: ['isAttacheError', 'isRedirectError'],
    },
    {
      name: 'ResponseValidationError',
      error: new m.ResponseValidationError('x', []),
      accepted: ['isAttacheError', 'isResponseValidationError'],
    },
    {
      name: 'RequestValidationError',
      error: new m.RequestValidationError('x', []),
      accepted: ['isAttacheError', 'isRequestValidationError'],
    },
    { name: 'ConfigError', error: new m.ConfigError('x'), accepted: ['isAttacheError', 'isConfigError'] },
    { name: 'TimeoutError', error: new m.TimeoutError('x'), accepted: ['isAttacheError', 'isTimeoutError'] },
    { name: 'NetworkError', error: new m.NetworkError('x'), accepted: ['isAttacheError', 'isNetworkError'] },
  ];
}

const guardNames = Object.keys(core)
  .filter((name): name is GuardName => /^is\w*Error$/.test(name))
  .sort();
// Spread once: the tests below look guards up by name.
const exported: Record<string, unknown> = { ...core };
const guard = (name: GuardName): ((value: unknown) => boolean) =>
  exported[name] as (value: unknown) => boolean;

describe('error guards', () => {
  it('there is a guard for every error class the package exports', () => {
    const classes = Object.entries(core)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name)
      .sort();
    expect(classes).toEqual([...samples(core).map((s) => s.name), 'AttacheError'].sort());
    for (const name of classes) {
      expect(guardNames).toContain(name === 'AttacheError' ? 'isAttacheError' : `is${name}`);
    }
    expect(guardNames).toHaveLength(classes.length);
  });

  it('each guard accepts its class and its subclasses and nothing else (same copy)', () => {
    for (const { name, error, accepted } of samples(core)) {
      const verdicts = Object.fromEntries(guardNames.map((g) => [g, guard(g)(error)]));
      const expected = Object.fromEntries(guardNames.map((g) => [g, accepted.includes(g)]));
      expect({ name, verdicts }).toEqual({ name, verdicts: expected });
    }
  });

  it('each guard recognises errors made by another copy of the package, where instanceof does not', async () => {
    // A second instance of the same modules: what two installed versions or a bundled copy amount to.
    vi.resetModules();
    const other = (await import('@attache/core')) as Core;
    expect(other.ConfigError).not.toBe(ConfigError);
    for (const { name, error, accepted } of samples(other)) {
      expect(error instanceof AttacheError).toBe(false);
      const verdicts = Object.fromEntries(guardNames.map((g) => [g, guard(g)(error)]));
      const expected = Object.fromEntries(guardNames.map((g) => [g, accepted.includes(g)]));
      expect({ name, verdicts }).toEqual({ name, verdicts: expected });
    }
  });

  it('a guard narrows, so a subclass field reads without a cast', () => {
    const error: unknown = new RateLimitedError('slow down', { response: response(), retryAfter: 1500 });
    expect(core.isRateLimitedError(error) ? error.retryAfter : undefined).toBe(1500);
  });

  it('a look-alike without the brand is refused, whatever its name and code', () => {
    const names = [...samples(core).map((s) => s.name), 'AttacheError'];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom(
          ...['HTTP_ERROR', 'UNAUTHORIZED', 'CONFIG', 'TOKEN_ACQUISITION', 'NETWORK', 'TIMEOUT'],
        ),
        fc.string(),
        (name, code, message) => {
          const fake = Object.assign(new Error(message), { name, code, isRetryable: false });
          return guardNames.every((g) => !guard(g)(fake));
        },
      ),
    );
  });

  it('no guard accepts a value that is not an error', () => {
    fc.assert(fc.property(fc.anything(), (value) => guardNames.every((g) => !guard(g)(value))));
  });

  it('the instances used above are the classes they claim to be', () => {
    // Guards the table against a typo that would make the other tests vacuous.
    const byName: Record<string, unknown> = {
      HttpError,
      UnauthorizedError,
      InsufficientScopeError,
      RateLimitedError,
      TokenAcquisitionError,
      TokenResponseError,
      OriginNotAllowedError,
      InsecureTransportError,
      RedirectError,
      ResponseValidationError,
      RequestValidationError,
      ConfigError,
      TimeoutError,
      NetworkError,
    };
    for (const { name, error } of samples(core)) {
      expect((error as Error).constructor).toBe(byName[name]);
    }
  });
});
