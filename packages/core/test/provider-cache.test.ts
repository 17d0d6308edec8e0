import { describe, expect, it } from 'vitest';
import { ConfigError, isTokenAcquisitionError, type TokenAcquisitionError } from '../src/index.ts';
import { createProviderCache } from '../src/internal/index.ts';

function counted(values: readonly string[]) {
  let reads = 0;
  const provider = async () => {
    const value = values[Math.min(reads, values.length - 1)];
    reads++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return value;
  };
  return { provider, reads: () => reads };
}

const accept = (value: unknown) => {
  if (typeof value !== 'string') throw new ConfigError('not a string');
  return value;
};

describe('createProviderCache (the shared read discipline of key and credential providers)', () => {
  it('50 concurrent callers share one read; the settled value is then handed out without waiting', async () => {
    const source = counted(['k1']);
    const cache = createProviderCache(source.provider, accept, 'failed');
    expect(cache.settled()).toBeUndefined();
    const values = await Promise.all(Array.from({ length: 50 }, () => cache.current()));
    expect(new Set(values)).toEqual(new Set(['k1']));
    expect(source.reads()).toBe(1);
    expect(cache.settled()).toBe('k1');
  });

  it('50 concurrent renewals of the same refused value share one read, and say whether it changed', async () => {
    const source = counted(['k1', 'k2', 'k2']);
    const cache = createProviderCache(source.provider, accept, 'failed');
    await cache.current();
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.renew('k1')));
    expect(answers.every(Boolean)).toBe(true);
    expect(source.reads()).toBe(2);
    // Refused again: a new read brings the same key, so a replay is not worthwhile.
    expect(await cache.renew('k2')).toBe(false);
    expect(source.reads()).toBe(3);
    // A caller that saw an older value refused replays with the current one without a read.
    expect(await cache.renew('k1')).toBe(true);
    expect(source.reads()).toBe(3);
  });

  it('forgets a failed read; a provider error becomes a TokenAcquisitionError, an Attaché error stays itself', async () => {
    let calls = 0;
    const cache = createProviderCache(
      async () => {
        calls++;
        if (calls === 1) throw new Error('vault down');
        if (calls === 2) throw new ConfigError('bad vault path');
        if (calls === 3) return 42;
        return 'k';
      },
      accept,
      'apiKeyAuth: the key provider failed',
    );
    const first = await cache.current().catch((error: unknown) => error);
    expect(isTokenAcquisitionError(first)).toBe(true);
    expect((first as TokenAcquisitionError).message).toBe('apiKeyAuth: the key provider failed');
    expect(((first as TokenAcquisitionError).cause as Error).message).toBe('vault down');
    await expect(cache.current()).rejects.toBeInstanceOf(ConfigError);
    await expect(cache.current()).rejects.toThrow('not a string');
    expect(await cache.current()).toBe('k');
    expect(calls).toBe(4);
  });

  it('keeps the previous value when accept says it is the same, and compares with `differs`', async () => {
    const entries = [
      { id: 'a', v: 1 },
      { id: 'a', v: 2 },
      { id: 'b', v: 3 },
    ];
    let reads = 0;
    const cache = createProviderCache<{ id: string; v: number }>(
      async () => entries[reads++],
      (value, previous) => {
        const entry = value as { id: string; v: number };
        return previous?.id === entry.id ? previous : entry;
      },
      'failed',
      (a, b) => a.id !== b?.id,
    );
    const first = await cache.current();
    expect(await cache.renew(first)).toBe(false); // same id read again: kept, no replay
    expect(cache.settled()).toBe(first);
    expect(await cache.renew(first)).toBe(true); // another id now
    expect(cache.settled()?.id).toBe('b');
  });
});
