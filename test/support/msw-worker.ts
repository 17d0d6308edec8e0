import type { RequestHandler } from 'msw';
import { type SetupWorker, setupWorker } from 'msw/browser';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Starts msw's Service Worker for the file (served at `/mockServiceWorker.js` from `test/browser-public`).
 * A request to another origin that no handler answers fails the test; the test page's own module requests
 * pass through untouched. Refuses to run if msw fell back from the Service Worker, so the tests always see
 * what a real page sends over the network.
 */
export function useMswWorker(...handlers: RequestHandler[]): SetupWorker {
  const worker = setupWorker(...handlers);
  const unhandled: string[] = [];
  beforeAll(async () => {
    const registration = await worker.start({
      quiet: true,
      onUnhandledFrame({ frame, defaults }) {
        const request = (frame.data as { request?: Request }).request;
        if (request !== undefined && new URL(request.url).origin === location.origin) return;
        unhandled.push(request ? `${request.method} ${request.url}` : frame.protocol);
        defaults.error();
      },
    });
    if (registration === undefined || navigator.serviceWorker.controller === null) {
      throw new Error('msw did not start its Service Worker');
    }
  });
  afterEach(() => {
    worker.resetHandlers();
    const list = unhandled.splice(0);
    if (list.length > 0) throw new Error(`Unhandled requests reached msw: ${list.join(', ')}`);
  });
  afterAll(() => worker.stop());
  return worker;
}
