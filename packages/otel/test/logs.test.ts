import { Writable } from 'node:stream';
import {
  type AttacheEvent,
  ConfigError,
  createFetch,
  createTokenSource,
  TokenAcquisitionError,
  tokenAuth,
} from '@attache/core';
import { combineListeners, consoleEventLogger, eventLogger, logLevelOf } from '@attache/otel';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, serve } from './support/harness.ts';

let partner: Loopback;
let elsewhere: Loopback;
let keys = 0;

beforeAll(async () => {
  elsewhere = await serve((_request, _body, response) => response.end('elsewhere'));
  partner = await serve((request, _body, response) => {
    if (request.url === '/away') {
      response.writeHead(302, { location: `${elsewhere.origin}/landing` });
      response.end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
});

afterAll(async () => {
  await partner.close();
  await elsewhere.close();
});

/** pino writing into an array, one parsed line per entry. */
function pinoLines(level: pino.Level = 'debug'): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

function flaky(): ReturnType<typeof createTokenSource> {
  let n = 0;
  return createTokenSource(
    async () => {
      n++;
      if (n === 1) throw new TokenAcquisitionError('token endpoint answered 503', { status: 503 });
      return { accessToken: 'tok-after-failure', expiresIn: 3600 };
    },
    { key: `test:logs:${++keys}` },
  );
}

describe('structured logs from the event stream', () => {
  it('pino: refresh failure and withheld credential warn, token acquired debug, a call’s lines share its callId', async () => {
    const { logger, lines } = pinoLines();
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: tokenAuth({ source: flaky() }),
      onEvent: eventLogger(logger),
    });
    await expect(fetch('orders')).rejects.toMatchObject({ code: 'TOKEN_ACQUISITION' });
    // The token source is in its back-off window after the failure: past it, the next call gets a token.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await fetch('orders')).status).toBe(200);
    expect((await fetch('away')).status).toBe(200);

    const levelOf = (msg: string) => lines.filter((l) => l.msg === msg).map((l) => l.level);
    expect(levelOf('token:refresh-failed')).toEqual([40]);
    expect(levelOf('credential:withheld')).toEqual([40]);
    expect(levelOf('token:acquired')).toEqual([20]);
    expect(levelOf('request:end')).toEqual([40, 30, 30]);
    expect(levelOf('request:start')).toEqual([20, 20, 20]);
    expect(levelOf('redirect:followed')).toEqual([20]);
    expect(lines.find((l) => l.msg === 'token:refresh-failed')).toMatchObject({
      type: 'token:refresh-failed',
      error: expect.any(String),
      stillValid: false,
    });
    // Three calls: three callIds, each on every line of its call.
    const ids = [...new Set(lines.map((l) => l.callId))];
    expect(ids).toHaveLength(3);
    for (const id of ids) {
      const call = lines.filter((l) => l.callId === id).map((l) => l.msg);
      expect(call[0]).toBe('request:start');
      expect(call.at(-1)).toBe('request:end');
    }
  });

  it('pino at level info drops the debug lines; eventLogger level does too', async () => {
    const info = pinoLines('info');
    const own = pinoLines('debug');
    const fetch = createFetch({
      baseUrl: partner.origin,
      auth: tokenAuth({ source: flaky() }),
      onEvent: combineListeners(eventLogger(info.logger), eventLogger(own.logger, { level: 'warn' })),
    });
    await expect(fetch('orders')).rejects.toMatchObject({ code: 'TOKEN_ACQUISITION' });
    expect(info.lines.map((l) => l.msg)).toEqual(['token:refresh-failed', 'request:end']);
    expect(own.lines.map((l) => [l.msg, l.level])).toEqual([
      ['token:refresh-failed', 40],
      ['request:end', 40],
    ]);
  });

  it('console: one JSON line per event with level, time and msg', async () => {
    const written: [string, string][] = [];
    const fetch = createFetch({
      baseUrl: partner.origin,
      onEvent: consoleEventLogger({
        write: (line, level) => written.push([level, line]),
        now: () => 1_700_000_000_000,
      }),
    });
    expect((await fetch('away')).status).toBe(200);
    const parsed = written.map(
      ([level, line]) => [level, JSON.parse(line) as Record<string, unknown>] as const,
    );
    expect(parsed.map(([level, line]) => [level, line.level, line.msg])).toEqual([
      ['debug', 'debug', 'request:start'],
      ['debug', 'debug', 'attempt:start'],
      ['debug', 'debug', 'attempt:end'],
      ['debug', 'debug', 'redirect:followed'],
      ['debug', 'debug', 'attempt:start'],
      ['debug', 'debug', 'attempt:end'],
      ['info', 'info', 'request:end'],
    ]);
    for (const [, line] of parsed) {
      expect(line.time).toBe(1_700_000_000_000);
      expect(line.type).toBe(line.msg);
    }
  });

  it('console writes to console.<level> by default', async () => {
    const original = console.warn;
    const seen: unknown[] = [];
    console.warn = (line: unknown) => void seen.push(line);
    try {
      const listener = consoleEventLogger({ level: 'warn' });
      listener({ type: 'credential:withheld', origin: 'https://evil.test', reason: 'redirect' });
      listener({ type: 'request:start', method: 'GET', url: 'https://api.test/' });
    } finally {
      console.warn = original;
    }
    expect(seen).toHaveLength(1);
    expect(JSON.parse(String(seen[0]))).toMatchObject({ level: 'warn', msg: 'credential:withheld' });
  });

  it('every event type has a level, and the warn ones are exactly those a human must see', () => {
    const warn: AttacheEvent[] = [
      { type: 'token:refresh-failed', key: 'k', error: 'x', retryInMs: 1, stillValid: true },
      { type: 'credential:withheld', origin: 'https://a.test', reason: 'redirect' },
      { type: 'mtls:reload-failed', generation: 1, error: new ConfigError('bad pem') },
      { type: 'store:unavailable', store: 'redis', reason: 'timeout' },
      { type: 'store:entry-rejected', store: 'redis', key: 'k', reason: 'undecryptable' },
      { type: 'request:end', method: 'GET', url: 'u', durationMs: 1, attempts: 0, error: 'TIMEOUT' },
    ];
    for (const event of warn) expect(logLevelOf(event)).toBe('warn');
    expect(logLevelOf({ type: 'token:acquired', source: 'network', expiresAt: 1, key: 'k' })).toBe('debug');
    expect(
      logLevelOf({
        type: 'mtls:credentials-loaded',
        generation: 1,
        trigger: 'initial',
        certificate: undefined,
      }),
    ).toBe('info');
  });

  it('an mTLS reload failure keeps the error’s name, code and message in the line', () => {
    const written: string[] = [];
    consoleEventLogger({ write: (line) => written.push(line) })({
      type: 'mtls:reload-failed',
      generation: 3,
      error: new ConfigError('the key does not match the certificate'),
    });
    expect(JSON.parse(written[0] ?? '{}')).toMatchObject({
      level: 'warn',
      generation: 3,
      error: { name: 'ConfigError', code: 'CONFIG', message: 'the key does not match the certificate' },
    });
  });

  it('options are checked', () => {
    expect(() => eventLogger({} as never)).toThrow(ConfigError);
    expect(() => eventLogger(pinoLines().logger, { level: 'loud' as never })).toThrow(/level must be one of/);
    expect(() => consoleEventLogger({ write: 'stdout' as never })).toThrow(/write must be a function/);
  });

  it('combineListeners keeps every part’s bindCall (the telemetry’s caller context) and isolates a throwing one', () => {
    const bound: string[] = [];
    const noting = Object.assign(() => {}, { bindCall: (id: string) => bound.push(`a ${id}`) });
    const throwing = Object.assign(() => {}, {
      bindCall: () => {
        throw new Error('bug');
      },
    });
    const later = Object.assign(() => {}, { bindCall: (id: string) => bound.push(`b ${id}`) });
    const combined = combineListeners(noting, consoleEventLogger({ write: () => {} }), throwing, later);
    combined.bindCall?.('call-7');
    expect(bound).toEqual(['a call-7', 'b call-7']);
    expect(combineListeners(consoleEventLogger({ write: () => {} })).bindCall).toBeUndefined();
  });
});
