import type { RequestHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Starts an msw server for the file. Any request no handler answers fails the request and, after the test,
 * fails the test itself, so an unexpected call can never pass unnoticed.
 */
export function useMswServer(...handlers: RequestHandler[]): SetupServer {
  const server = setupServer(...handlers);
  const unhandled: string[] = [];
  beforeAll(() =>
    server.listen({
      onUnhandledFrame({ frame, defaults }) {
        const request = (frame.data as { request?: Request }).request;
        unhandled.push(request ? `${request.method} ${request.url}` : frame.protocol);
        defaults.error();
      },
    }),
  );
  afterEach(() => {
    server.resetHandlers();
    const list = unhandled.splice(0);
    if (list.length > 0) throw new Error(`Unhandled requests reached msw: ${list.join(', ')}`);
  });
  afterAll(() => server.close());
  return server;
}
