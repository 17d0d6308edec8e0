/**
 * The pipeline's failures against a real loopback server, with exact request counts: a deadline or the
 * caller's abort before the answer, a refused connection, a connection reset before the answer and one lost
 * mid-body. Real sockets, so the `node-transport` project (vitest.config.ts) runs this file over
 * `nodeTransport` as well as the default global fetch.
 */
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { type AttacheEvent, createClient, createFetch, NetworkError, TimeoutError } from '@attache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackServer, startHttpServer } from './support/servers.ts';

const RETRIES = { retries: 2, baseDelay: 0, maxDelay: 0 } as const;

let server: LoopbackServer;
let refusedOrigin: string;
/** Answers the server never finishes: ended when the file is done. */
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = await startHttpServer((request, response) => {
    const path = new URL(request.url, server.origin).pathname;
    if (path === '/hang') return void held.push(response);
    if (path === '/reset') return void response.socket?.destroy();
    if (path === '/hold-mid-body') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      response.write('the first 21 bytes;..');
      return void held.push(response);
    }
    if (path === '/slow-body') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const parts = ['one ', 'two ', 'three ', 'four'];
      const next = (): void => {
        const part = parts.shift();
        if (part === undefined) return void response.end();
        response.write(part);
        setTimeout(next, 100);
      };
      return next();
    }
    if (path === '/cut-mid-body') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      response.write('the first 21 bytes;..');
      setTimeout(() => response.socket?.destroy(), 20);
      return;
    }
    response.end('ok');
  });
  const closed = await startHttpServer((_request, response) => void response.end());
  refusedOrigin = closed.origin;
  await closed.close();
});

afterAll(async () => {
  for (const response of held) response.destroy();
  await server.close();
});

/** How many requests for `path` the server received. */
function received(path: string): number {
  return server.requests.filter((request) => new URL(request.url, server.origin).pathname === path).length;
}

describe('failures before the answer', () => {
  it('the deadline: a TimeoutError, and the one request that timed out is not retried', async () => {
    const before = received('/hang');
    const partnerFetch = createFetch({ baseUrl: server.origin, timeout: 150, retry: RETRIES });
    const error = await partnerFetch('hang').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(received('/hang') - before).toBe(1);
  });

  it("the caller's abort: rejects with the caller's reason, not retried", async () => {
    const before = received('/hang');
    const controller = new AbortController();
    const reason = new Error('the caller gave up');
    const partnerFetch = createFetch({ baseUrl: server.origin, retry: RETRIES });
    const pending = partnerFetch('hang', { signal: controller.signal });
    await expect.poll(() => received('/hang') - before).toBe(1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(received('/hang') - before).toBe(1);
  });

  it('a refused connection: a NetworkError after every retry, naming nothing of the query', async () => {
    const events: AttacheEvent[] = [];
    const partnerFetch = createFetch({
      baseUrl: refusedOrigin,
      retry: RETRIES,
      onEvent: (event) => events.push(event),
    });
    const error = await partnerFetch('orders?token=Qu3ryS3cretValue').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toContain(`${refusedOrigin}/orders`);
    expect(`${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })}`).not.toContain(
      'Qu3ryS3cretValue',
    );
    expect(events.filter((e) => e.type === 'retry:scheduled')).toHaveLength(2);
    expect(events.find((e) => e.type === 'request:end')).toMatchObject({ error: 'NETWORK', attempts: 3 });
  });

  it('a connection reset before the answer: retried on a GET, a NetworkError once the retries are spent', async () => {
    const before = received('/reset');
    const partnerFetch = createFetch({ baseUrl: server.origin, retry: RETRIES });
    const error = await partnerFetch('reset').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(received('/reset') - before).toBe(3);
  });

  it('a connection reset before the answer of a POST without an idempotency key: sent once', async () => {
    const before = received('/reset');
    const partnerFetch = createFetch({ baseUrl: server.origin, retry: RETRIES });
    const error = await partnerFetch('reset', { method: 'POST', body: 'pay' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(received('/reset') - before).toBe(1);
  });
});

describe('failures mid-body', () => {
  it('a connection lost mid-body fails the read of the body: no truncated success, no hang', async () => {
    const partnerFetch = createFetch({ baseUrl: server.origin, retry: RETRIES });
    const response = await partnerFetch('cut-mid-body');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    // The answer had started: the call is over, nothing is sent again.
    expect(received('/cut-mid-body')).toBe(1);
  });

  it("the caller's abort while the body streams errors the body with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('the caller gave up mid-body');
    const partnerFetch = createFetch({ baseUrl: server.origin, retry: RETRIES });
    const response = await partnerFetch('hold-mid-body', { signal: controller.signal });
    expect(response.status).toBe(200);
    const text = response.text();
    controller.abort(reason);
    await expect(text).rejects.toBe(reason);
    expect(received('/hold-mid-body')).toBe(1);
  });

  it("the client face: the caller's signal reaches the body too, and aborts before the answer", async () => {
    const client = createClient({ baseUrl: server.origin, retry: RETRIES });
    const controller = new AbortController();
    const reason = new Error('the caller gave up mid-body');
    const response = await client.get('hold-mid-body', { signal: controller.signal });
    const text = response.text();
    controller.abort(reason);
    await expect(text).rejects.toBe(reason);

    const before = received('/hang');
    const early = new AbortController();
    const pending = client.get('hang', { signal: early.signal });
    await expect.poll(() => received('/hang') - before).toBe(1);
    early.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('the deadline ends when the answer starts: a body slower than the timeout is read whole', async () => {
    const partnerFetch = createFetch({ baseUrl: server.origin, timeout: 150 });
    const response = await partnerFetch('slow-body');
    await expect(response.text()).resolves.toBe('one two three four');
  });
});
