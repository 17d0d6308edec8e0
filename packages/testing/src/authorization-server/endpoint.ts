import { http, type RequestHandler } from 'msw';
import { type Faults, serveWithFaults } from '../faults.ts';
import { withoutQuery } from '../without-query.ts';

/**
 * An msw handler for one endpoint of the server: matched on the URL without its query, counted before
 * faults apply (a faulted request still reached the endpoint), then answered through the faults.
 */
export function endpoint(
  method: 'get' | 'all',
  url: string,
  faults: Faults,
  count: () => void,
  answer: (request: Request) => Response | Promise<Response>,
): RequestHandler {
  const matches = ({ request }: { request: Request }): boolean => withoutQuery(request.url) === url;
  return http[method](matches, ({ request }) => {
    count();
    return serveWithFaults(faults, request, () => answer(request));
  });
}
