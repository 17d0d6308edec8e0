/**
 * Sends one request and returns its response, like `fetch`. The pipeline calls it once per attempt and per
 * redirect hop, with `redirect: 'manual'` on Node. The default is the global `fetch`, looked up at call time
 * (so test interceptors such as msw see every request). `@attache/mtls-node`'s `mtlsTransport()` is one.
 */
export type Transport = (request: Request) => Promise<Response>;

/** The global `fetch`, looked up on every call. */
export const globalFetchTransport: Transport = (request) => globalThis.fetch(request);
