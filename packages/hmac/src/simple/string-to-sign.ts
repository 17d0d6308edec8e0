import { canonicalHeaders } from '../canonical-headers.ts';
import { hashNow } from '../content-digest.ts';
import { encodeBytes, type MessageParts } from '../encoding.ts';
import { canonicalQuery } from './canonical-query.ts';
import type { ResolvedSimpleScheme, SimplePart } from './simple-scheme.ts';

export interface SimpleSigningInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly timestamp: string;
  readonly nonce: string;
  readonly body: Uint8Array<ArrayBuffer>;
}

/**
 * What the simple scheme signs: a string when every part is text, text and byte parts when the raw body is one
 * of them (the body is never decoded as text: its bytes are signed as they are). Synchronous where the platform
 * hashes natively.
 */
export function simpleStringToSign(
  input: SimpleSigningInput,
  scheme: ResolvedSimpleScheme,
): string | MessageParts | Promise<string | MessageParts> {
  const build = (digest: Uint8Array | undefined): string | MessageParts => {
    const parts: (string | Uint8Array<ArrayBuffer>)[] = [];
    for (const component of scheme.parts) {
      if (component === 'signed-headers') {
        parts.push(...canonicalHeaders(input.headers, scheme.signedHeaders));
      } else if (component === 'body') {
        parts.push(input.body);
      } else {
        parts.push(textComponent(component, input, scheme, digest));
      }
    }
    if (!scheme.parts.includes('body')) return parts.join(scheme.separator);
    // Text runs joined into one string; the body stays its own bytes.
    const message: (string | Uint8Array<ArrayBuffer>)[] = [];
    let text = '';
    parts.forEach((part, i) => {
      if (i > 0) text += scheme.separator;
      if (typeof part === 'string') text += part;
      else {
        message.push(text, part);
        text = '';
      }
    });
    if (text !== '') message.push(text);
    return message;
  };
  if (!scheme.parts.includes('body-digest')) return build(undefined);
  const digest = hashNow(scheme.bodyDigest, input.body);
  return digest instanceof Promise ? digest.then(build) : build(digest);
}

function textComponent(
  component: Exclude<SimplePart, 'signed-headers' | 'body'>,
  input: SimpleSigningInput,
  scheme: ResolvedSimpleScheme,
  digest: Uint8Array | undefined,
): string {
  switch (component) {
    case 'method':
      return input.method.toUpperCase();
    case 'path':
      return input.url.pathname;
    case 'path-query': {
      const query = canonicalQuery(input.url.search);
      return query === '' ? input.url.pathname : `${input.url.pathname}?${query}`;
    }
    case 'target':
      return input.url.pathname + input.url.search;
    case 'host':
      return input.url.host;
    case 'timestamp':
      return input.timestamp;
    case 'nonce':
      return input.nonce;
    case 'key-id':
      return input.headers.get(scheme.headers.keyId) ?? '';
    case 'body-digest':
      return encodeBytes(digest as Uint8Array, scheme.bodyDigestEncoding);
  }
}
