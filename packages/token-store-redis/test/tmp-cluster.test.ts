import { it } from 'vitest';
import { redisTokenStore } from '../src/index.ts';
import { entry } from './support/entries.ts';
import { startRedisCluster } from './support/redis-cluster.ts';

it('probe', async () => {
  const c = await startRedisCluster();
  const events: unknown[] = [];
  const s = redisTokenStore({ cluster: { nodes: c.nodes }, onEvent: (e) => events.push(e) });
  try {
    let t = performance.now();
    console.log('get', await s.get('k').catch((e) => e.message), performance.now() - t);
    t = performance.now();
    console.log('set', await s.set('k', entry('a'), 60000).catch((e) => e.message), performance.now() - t);
    t = performance.now();
    console.log('get', await s.get('k').catch((e) => e.message), performance.now() - t);
    t = performance.now();
    const lock = await s.acquireLock('k', 2000).catch((e) => e.message);
    console.log('lock', lock, performance.now() - t);
    t = performance.now();
    console.log('lock2', await s.acquireLock('k', 2000).catch((e) => e.message), performance.now() - t);
    console.log(events);
  } finally {
    await s.close();
    await c.close();
  }
}, 30_000);
