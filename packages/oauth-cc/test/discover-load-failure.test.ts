import { describe, expect, it, vi } from 'vitest';
import { DiscoveryError, discover } from '../src/index.ts';

// Discovery's requests and cache are a chunk loaded on first use; here that load fails.
vi.mock('../src/metadata-lookup.ts', () => {
  throw new Error('chunk load failed');
});

describe('discover, when its code cannot be loaded', () => {
  it('fails with DiscoveryError unavailable, the load failure as its cause', async () => {
    const error = await discover('https://as.partner.example').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).reason).toBe('unavailable');
    expect((error as DiscoveryError).isRetryable).toBe(true);
    expect((error as Error).message).toBe(
      'Discovery for https://as.partner.example: its code could not be loaded',
    );
    // vitest reports a failing mock factory as its own error, with the factory's as the cause.
    const cause = (error as Error).cause as Error;
    expect(`${cause.message} ${String(cause.cause)}`).toContain('chunk load failed');
  });
});
