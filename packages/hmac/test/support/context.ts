import type { AttacheEvent, AuthContext } from '@attache/core';

/** An AuthContext as the pipeline builds it, with a fixed clock (epoch ms) and an optional learned offset. */
export function authContext(
  options: {
    now?: number;
    offset?: number;
    attempt?: number;
    body?: Uint8Array<ArrayBuffer> | null | undefined;
    events?: AttacheEvent[];
  } = {},
): AuthContext {
  const offset = options.offset ?? 0;
  const now = options.now ?? 1_700_000_000_000;
  return {
    attempt: options.attempt ?? 1,
    signal: new AbortController().signal,
    clock: { now: () => now + offset, offset },
    isReplay: false,
    body: options.body,
    emit: (event) => options.events?.push(event),
  };
}

/** The body bytes of a request, as the pipeline passes them in `context.body`. */
export async function bodyOf(request: Request): Promise<Uint8Array<ArrayBuffer> | undefined> {
  return request.body === null ? undefined : new Uint8Array(await request.clone().arrayBuffer());
}
