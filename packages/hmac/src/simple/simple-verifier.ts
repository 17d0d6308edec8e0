import { decodeBytes, utf8 } from '../encoding.ts';
import { verifyWithAny } from '../verifier-keys.ts';
import { bodyReader, messageView } from '../verify-message.ts';
import { reject, type SchemeVerify } from '../verify-result.ts';
import { checkTime, claimNonce, type VerifyContext } from '../verify-window.ts';
import type { ResolvedSimpleScheme } from './simple-scheme.ts';
import { simpleStringToSign } from './string-to-sign.ts';
import { parseTimestamp } from './timestamp.ts';

export function simpleVerifier(simple: ResolvedSimpleScheme, context: VerifyContext): SchemeVerify {
  return async (message, options) => {
    const headers = message.headers;
    const signatureText = headers.get(simple.headers.signature);
    if (signatureText === null) return reject('missing-signature', `no ${simple.headers.signature} header`);
    const keyId = headers.get(simple.headers.keyId);
    if (keyId === null || keyId === '') {
      return reject('malformed-signature', `no ${simple.headers.keyId} header`);
    }
    const timestamp = headers.get(simple.headers.timestamp);
    if (timestamp === null) {
      return reject('missing-timestamp', `no ${simple.headers.timestamp} header`, keyId);
    }
    const createdMs = parseTimestamp(timestamp, simple.timestampFormat);
    if (createdMs === undefined) {
      return reject(
        'malformed-signature',
        `${simple.headers.timestamp} is not a '${simple.timestampFormat}' timestamp`,
        keyId,
      );
    }
    const late = checkTime(createdMs, undefined, context, keyId);
    if (late) return late;
    // An empty nonce is no nonce: it cannot tell one request from another.
    const nonce = headers.get(simple.headers.nonce) || undefined;
    if (nonce === undefined && context.requireNonce) {
      return reject('missing-nonce', `no ${simple.headers.nonce} header`, keyId);
    }
    const signature = decodeBytes(signatureText, simple.encoding);
    if (signature === undefined) {
      return reject('malformed-signature', `${simple.headers.signature} is not ${simple.encoding}`, keyId);
    }
    const entries = await context.lookup(keyId);
    if (entries.length === 0) return reject('unknown-key', `no key for key id "${keyId}"`, keyId);
    const view = messageView(message);
    if (view.method === undefined || view.url === undefined) {
      return reject('malformed-signature', 'the simple scheme signs requests only', keyId);
    }
    const toSign = await simpleStringToSign(
      {
        method: view.method,
        url: view.url,
        headers,
        timestamp,
        nonce: nonce ?? '',
        body: await bodyReader(message, options, 'HmacVerifier.verify')(),
      },
      simple,
    );
    const entry = await verifyWithAny(entries, utf8(toSign), signature);
    if (!entry) return reject('signature-mismatch', 'the signature does not match the request', keyId);
    const replay = await claimNonce(nonce, keyId, createdMs, context);
    if (replay) return replay;
    return {
      ok: true,
      scheme: 'simple',
      keyId,
      algorithm: entry.algorithm,
      created: Math.floor(createdMs / 1000),
      nonce,
    };
  };
}
