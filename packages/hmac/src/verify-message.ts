// What a verifier reads of a message: the method, URL or status its components come from, and the body once.
import { ConfigError } from '@attache/core';
import { bodyBytes, type ContentDigestInput } from './content-digest.ts';
import type { MessageView } from './rfc9421/message-component.ts';

export function messageView(message: Request | Response): MessageView {
  const request = message as Partial<Request>;
  if (typeof request.method === 'string' && typeof request.url === 'string') {
    return { method: request.method, url: new URL(request.url), headers: message.headers };
  }
  return { status: (message as Response).status, headers: message.headers };
}

/** Reads the body once, lazily: from the caller's bytes, or from a clone so the message stays readable. */
export function bodyReader(
  message: Request | Response,
  options: { readonly body?: ContentDigestInput },
  owner: string,
): () => Promise<Uint8Array<ArrayBuffer>> {
  let body: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return () => {
    body ??=
      options.body !== undefined
        ? Promise.resolve(bodyBytes(options.body))
        : message.body === null
          ? Promise.resolve(new Uint8Array(0))
          : message.bodyUsed
            ? Promise.reject(new ConfigError(`${owner}: the body was already read; pass it as options.body`))
            : message
                .clone()
                .arrayBuffer()
                .then((buffer) => new Uint8Array(buffer));
    return body;
  };
}
