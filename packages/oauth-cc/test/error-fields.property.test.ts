// What a hostile token endpoint can put into a TokenAcquisitionError through an RFC 6749 §5.2 body: one line
// of printable ASCII at most, bounded, with none of the request's credentials, and an `errorUri` that is a
// web page (a `javascript:` link would run in the page of whoever shows it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oauthError } from '../src/token-refusal.ts';

const ENDPOINT = 'https://auth.partner.example/token';
const RFC6749_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '\r',
      '\n',
      '\t',
      '\u0000',
      '\u2028',
      'é',
      '<',
      '>',
      ':',
      '/',
    ),
    maxLength: 40,
  }),
  fc.string({ maxLength: 400 }),
  fc.constantFrom(
    'invalid_client',
    'https://auth.partner.example/errors/1',
    'javascript:alert(document.cookie)',
  ),
);
const credential = fc.stringMatching(/^[A-Za-z0-9._~-]{8,24}$/);

describe('oauthError with hostile error, error_description and error_uri', () => {
  it('quotes one bounded line of RFC 6749 text, never a credential of the request', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.option(hostile),
        fc.option(hostile),
        credential,
        fc.nat(3),
        (error, description, uri, secret, where) => {
          // The server echoes the credential into one of its fields, or none.
          const echo = (text: string, i: number) => (where === i ? `${text}${secret}` : text);
          const body = {
            error: echo(error, 0) || 'x',
            ...(description === null ? {} : { error_description: echo(description, 1) }),
            ...(uri === null ? {} : { error_uri: echo(uri, 2) }),
          };
          const thrown = oauthError(body, 400, ENDPOINT, [secret], undefined);
          expect(thrown.message).toMatch(/^[\x20-\x7e]*$/);
          expect(thrown.error!.length).toBeLessThanOrEqual(64);
          expect(thrown.error).toMatch(RFC6749_TEXT);
          for (const field of [thrown.errorDescription, thrown.errorUri]) {
            if (field === undefined) continue;
            expect(field.length).toBeLessThanOrEqual(300);
            expect(field).toMatch(RFC6749_TEXT);
          }
          if (thrown.errorUri !== undefined) expect(thrown.errorUri).toMatch(/^https?:\/\//i);
          for (const text of [thrown.message, thrown.error, thrown.errorDescription, thrown.errorUri]) {
            expect(String(text)).not.toContain(secret);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    'javascript:alert(document.cookie)',
    'JavaScript:fetch("https://evil.example")',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    '//evil.example/phish',
  ])('drops an error_uri that is not a web page: %s', (uri) => {
    const thrown = oauthError({ error: 'invalid_client', error_uri: uri }, 401, ENDPOINT, [], undefined);
    expect(thrown.errorUri).toBeUndefined();
    expect(thrown.error).toBe('invalid_client');
  });

  it('keeps an http(s) error_uri', () => {
    for (const uri of [
      'https://auth.partner.example/errors/invalid_client',
      'http://auth.partner.example/e?c=1',
    ]) {
      expect(
        oauthError({ error: 'invalid_client', error_uri: uri }, 401, ENDPOINT, [], undefined).errorUri,
      ).toBe(uri);
    }
  });
});
