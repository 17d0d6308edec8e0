import { encodeBytes } from '../encoding.ts';
import { type SchemeSign, streamBodyError } from '../scheme-sign.ts';
import { draftBody } from '../signer-authenticator.ts';
import type { ResolvedSimpleScheme } from './simple-scheme.ts';
import { simpleStringToSign } from './string-to-sign.ts';
import { formatTimestamp } from './timestamp.ts';

/** Writes the key id, timestamp, nonce and signature headers. */
export function simpleSigner(simple: ResolvedSimpleScheme, nextNonce: () => string | undefined): SchemeSign {
  return async (draft, context, signingKey) => {
    const body = draftBody(draft);
    if (body === null) streamBodyError();
    const timestamp = formatTimestamp(context.clock.now(), simple.timestampFormat);
    const nonce = nextNonce();
    const headers = draft.headers;
    headers.set(simple.headers.keyId, signingKey.keyId);
    headers.set(simple.headers.timestamp, timestamp);
    if (nonce === undefined) headers.delete(simple.headers.nonce);
    else headers.set(simple.headers.nonce, nonce);
    const pending = simpleStringToSign(
      {
        method: draft.method,
        url: draft.url,
        headers,
        timestamp,
        nonce: nonce ?? '',
        body: body ?? new Uint8Array(0),
      },
      simple,
    );
    const toSign = pending instanceof Promise ? await pending : pending;
    const signing = signingKey.sign(toSign);
    const signature = signing instanceof Promise ? await signing : signing;
    headers.set(simple.headers.signature, encodeBytes(signature, simple.encoding));
  };
}
