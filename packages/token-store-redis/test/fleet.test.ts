// A fleet of 8 real processes sharing tokens through a real redis-server, calling a local partner whose
// token endpoint counts requests. Each worker fires 100 concurrent calls through createFetch + tokenAuth +
// createTokenSource({ store: createRedisTokenStore(...) }). Figures are written to .reports/ for the docs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from './support/fleet.ts';
import type { BurstResult } from './support/fleet-protocol.ts';
import { type LocalRedisCluster, startRedisCluster } from './support/redis-cluster.ts';
import { type LocalRedis, startRedis } from './support/redis-server.ts';
import { startTokenServer, type TokenServer } from './support/token-server.ts';

const WORKERS = 8;
const CALLS = 100;
const EXPIRES_IN = 3_600;
const LIFETIME = EXPIRES_IN * 1000;
const REPORT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '.reports',
  'token-store-redis-fleet.json',
);

let redis: LocalRedis;
let server: TokenServer;
let fleet: Fleet | undefined;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  await server?.close();
  await redis.admin.flushall().catch(() => undefined);
});
afterAll(async () => {
  await redis?.close();
  mkdirSync(dirname(REPORT), { recursive: true });
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(REPORT, 'utf8')) as Record<string, unknown>;
  } catch {
    // First run.
  }
  writeFileSync(
    REPORT,
    `${JSON.stringify({ ...previous, ...figures, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
});

function total(results: readonly BurstResult[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const { outcomes } of results) {
    for (const [outcome, count] of Object.entries(outcomes)) sum[outcome] = (sum[outcome] ?? 0) + count;
  }
  return sum;
}

async function burstAll(
  f: Fleet,
  timeout?: number,
): Promise<{ outcomes: Record<string, number>; ms: number }> {
  const started = performance.now();
  const results = await Promise.all(f.workers.map((worker) => worker.burst(CALLS, timeout)));
  return { outcomes: total(results), ms: Math.round(performance.now() - started) };
}

async function shiftAll(f: Fleet, ms: number): Promise<void> {
  await Promise.all(f.workers.map((worker) => worker.shift(ms)));
}

/** API calls made with each token issued since `from`. */
function callsPerToken(from: number): number[] {
  return server.tokenRequests.slice(from).map((request) => server.apiCalls.get(request.token ?? '') ?? 0);
}

describe(`${WORKERS} processes × ${CALLS} concurrent calls`, () => {
  it('cold cache: 1 token request; after expiry: 1 refresh; Redis stopped mid-run: calls go on; Redis back: 1 again', async () => {
    server = await startTokenServer({ expiresIn: EXPIRES_IN });
    const encryptionKey = crypto.getRandomValues(new Uint8Array(32));
    const cacheKey = `fleet:${crypto.randomUUID()}`;
    fleet = await startFleet(WORKERS, {
      REDIS_URL: redis.url,
      ORIGIN: server.origin,
      CACHE_KEY: cacheKey,
      ENCRYPTION_KEY: Buffer.from(encryptionKey).toString('base64'),
    });
    const f = fleet;
    const all = WORKERS * CALLS;

    // 1. Cold cache: one process fetches, the other seven pick the token up from Redis.
    const cold = await burstAll(f);
    expect(cold.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(1);
    expect(callsPerToken(0)).toEqual([all]);
    const acquired = f.workers.flatMap((w) => w.tokenEvents).filter((e) => e.type === 'token:acquired');
    expect(acquired.map((e) => (e as { source: string }).source).sort()).toEqual([
      'network',
      ...Array(WORKERS - 1).fill('store'),
    ]);

    // With encryption on, the value in Redis does not contain the token.
    const raw = (await redis.admin.get(`attache:token:${cacheKey}`)) ?? '';
    expect(raw).toMatch(/^aes-gcm\.1\./);
    expect(raw).not.toContain(server.tokenRequests[0]!.token!);
    expect(raw).not.toContain(Buffer.from(server.tokenRequests[0]!.token!).toString('base64').slice(0, 24));

    // 2. Past expiry: exactly one refresh across the fleet.
    await shiftAll(f, LIFETIME + 60_000);
    const refresh = await burstAll(f);
    expect(refresh.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(2);
    expect(callsPerToken(1)).toEqual([all]);

    // 3. Redis stopped in the middle of a run: the lock holder's token request is held, Redis is killed,
    //    the seven waiting processes stop waiting and fetch on their own; every call succeeds.
    const held = server.holdNext();
    await shiftAll(f, 2 * (LIFETIME + 60_000));
    const outageRun = burstAll(f);
    const holder = await held.arrived;
    await redis.stop({ crash: true });
    await server.waitForTokenRequests(2 + WORKERS);
    held.release();
    const outage = await outageRun;
    expect(outage.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(2 + WORKERS);
    expect(new Set(server.tokenRequests.slice(2).map((r) => r.worker)).size).toBe(WORKERS);
    expect(callsPerToken(2)).toEqual(Array(WORKERS).fill(CALLS));
    for (const worker of f.workers) {
      expect(worker.storeEvents).toEqual([
        expect.objectContaining({ type: 'store:unavailable', store: 'redis', reason: 'disconnected' }),
      ]);
    }

    // 4. Redis back (empty: no persistence): sharing resumes, one token request for the fleet again.
    await redis.restart();
    await f.waitUntil((w) => w.storeEvents.some((e) => e.type === 'store:available'));
    await shiftAll(f, 3 * (LIFETIME + 60_000));
    const recovered = await burstAll(f);
    expect(recovered.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(3 + WORKERS);
    expect(callsPerToken(2 + WORKERS)).toEqual([all]);

    Object.assign(figures, {
      fleet: {
        workers: WORKERS,
        concurrentCallsPerWorker: CALLS,
        encryption: 'AES-256-GCM',
        phases: [
          { phase: 'cold cache', calls: all, tokenRequests: 1, wallMs: cold.ms },
          { phase: 'after expiry', calls: all, tokenRequests: 1, wallMs: refresh.ms },
          {
            phase: 'Redis killed while the lock holder fetched',
            calls: all,
            tokenRequests: WORKERS,
            holder: holder.worker,
            wallMs: outage.ms,
          },
          { phase: 'Redis restarted, after expiry', calls: all, tokenRequests: 1, wallMs: recovered.ms },
        ],
      },
    });
  }, 60_000);

  it('the lock holder crashes: its lock expires, another process fetches; no deadlock, deadlines hold', async () => {
    const LOCK_TTL = 3_000;
    server = await startTokenServer({ expiresIn: EXPIRES_IN });
    const cacheKey = `crash:${crypto.randomUUID()}`;
    fleet = await startFleet(WORKERS, {
      REDIS_URL: redis.url,
      ORIGIN: server.origin,
      CACHE_KEY: cacheKey,
      LOCK_TTL: String(LOCK_TTL),
      LOCK_POLL: '50',
    });
    const f = fleet;

    const held = server.holdNext();
    const started = performance.now();
    // Settled at once, so the crashed worker's burst (rejected when it dies) is never an unhandled rejection.
    const runs = f.workers.map((worker) =>
      worker.burst(CALLS).then(
        (result) => ({ worker, result }),
        () => ({ worker, result: undefined }),
      ),
    );
    const first = await held.arrived;
    const holder = f.workers.find((w) => w.name === first.worker)!;
    holder.kill();
    // The dead process's lock is still there: nobody may fetch until it expires.
    expect(await redis.admin.exists(`attache:lock:${cacheKey}`)).toBe(1);

    // Calls with a deadline shorter than the lock's life end at their deadline instead of waiting.
    const survivors = f.workers.filter((w) => w !== holder);
    const short = await Promise.all(survivors.map((worker) => worker.burst(10, 300)));
    expect(total(short)).toEqual({ TimeoutError: 10 * (WORKERS - 1) });
    expect(server.tokenRequests).toHaveLength(1);
    expect(await redis.admin.exists(`attache:lock:${cacheKey}`)).toBe(1);

    held.release();
    const settled = await Promise.all(runs);
    const finished = settled.flatMap(({ worker, result }) =>
      result === undefined ? [] : [{ worker, result }],
    );
    expect(settled.filter((run) => run.result === undefined).map((run) => run.worker)).toEqual([holder]);
    expect(finished.map((r) => r.worker.name).sort()).toEqual(survivors.map((w) => w.name).sort());
    expect(total(finished.map((r) => r.result))).toEqual({ 200: (WORKERS - 1) * CALLS });
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.tokenRequests[1]!.worker).not.toBe(holder.name);
    expect(callsPerToken(1)).toEqual([(WORKERS - 1) * CALLS]);

    Object.assign(figures, {
      crash: {
        workers: WORKERS,
        lockTtlMs: LOCK_TTL,
        tokenRequests: 2,
        shortDeadlineCalls: { calls: 10 * (WORKERS - 1), timeoutMs: 300, outcome: 'TimeoutError' },
        slowestCallMs: Math.max(...finished.map((r) => r.result.maxMs)),
        wallMs: Math.round(performance.now() - started),
      },
    });
  }, 60_000);
});

describe(`${WORKERS} processes × ${CALLS} concurrent calls on a Redis Cluster (3 masters, 3 replicas)`, () => {
  let cluster: LocalRedisCluster | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
    await cluster?.close();
    cluster = undefined;
  });

  it('one token request per expiry; the master holding entry and lock killed mid-run: every call ends inside its deadline; failed over: one per expiry again', async () => {
    // The calls fired while the shard is away take 1-2.5 s on two busy cores (a store timeout, then a
    // token fetched locally): 5 s leaves room, and no call may end later than that.
    const DEADLINE = 5_000;
    const DURING_CALLS = 25;
    const LOCK_TTL = 2_000;
    const started = performance.now();
    const c = await startRedisCluster();
    cluster = c;
    const formedMs = Math.round(performance.now() - started);
    server = await startTokenServer({ expiresIn: EXPIRES_IN });
    // A cache key whose entry and lock live on one master: killing it takes both away mid-run.
    let cacheKey = '';
    let master = 0;
    for (let tries = 0; master === 0; tries++) {
      if (tries > 200) throw new Error('no cache key with entry and lock on one master');
      // Of one length, the two keys' slots differ by a constant (CRC16 is linear): vary the length.
      const candidate = `cluster:${crypto.randomUUID().slice(0, 4 + (tries % 30))}`;
      const entryMaster = await c.masterOf(`attache:token:${candidate}`);
      if (entryMaster === (await c.masterOf(`attache:lock:${candidate}`))) {
        cacheKey = candidate;
        master = entryMaster;
      }
    }
    fleet = await startFleet(WORKERS, {
      REDIS_CLUSTER: c.nodes.join(','),
      ORIGIN: server.origin,
      CACHE_KEY: cacheKey,
      LOCK_TTL: String(LOCK_TTL),
      LOCK_POLL: '50',
      OPERATION_TIMEOUT: '500',
      RECHECK_INTERVAL: '500',
    });
    const f = fleet;
    const all = WORKERS * CALLS;

    // 1. Cold cache, then past expiry: one token request each for the whole fleet.
    // Every process has its cluster client connected (slots read, nodes joined) before the first call.
    expect(await Promise.all(f.workers.map((worker) => worker.probe(15_000)))).toEqual(
      Array(WORKERS).fill(true),
    );
    for (const worker of f.workers) worker.storeEvents.length = 0;
    const cold = await burstAll(f);
    expect(cold.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(1);
    await shiftAll(f, LIFETIME + 60_000);
    const refresh = await burstAll(f);
    expect(refresh.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests).toHaveLength(2);
    expect(callsPerToken(1)).toEqual([all]);
    for (const worker of f.workers) expect(worker.storeEvents).toEqual([]);

    // 2. Past expiry again; the lock holder's token request is held while its master is killed (SIGKILL).
    //    The others cannot read the entry or the lock: they fetch on their own, inside their deadline.
    //    Fewer calls here: 800 at once keep two cores busy for over a second, and a deadline is only as
    //    punctual as the event loop that runs its timer.
    const held = server.holdNext();
    await shiftAll(f, 2 * (LIFETIME + 60_000));
    const failingOver = Promise.all(f.workers.map((worker) => worker.burst(DURING_CALLS, DEADLINE)));
    const holder = (await held.arrived).worker;
    const killedAt = performance.now();
    await c.kill(master);
    setTimeout(() => held.release(), 300);
    const during = await failingOver;
    expect(total(during)).toEqual({ 200: WORKERS * DURING_CALLS });
    const slowest = Math.max(...during.map((result) => result.maxMs));
    expect(slowest).toBeLessThanOrEqual(DEADLINE + 100);
    // At most one token request per process while the shard is away (in-process single flight holds).
    const duringRequests = server.tokenRequests.length - 2;
    expect(duringRequests).toBeGreaterThanOrEqual(1);
    expect(duringRequests).toBeLessThanOrEqual(WORKERS);
    for (const worker of f.workers) {
      expect(worker.storeEvents.some((e) => e.type === 'store:unavailable')).toBe(true);
    }

    // 3. The replica takes over; every process reaches the new master; past expiry: one token request again.
    const newMaster = await c.waitForFailover(`attache:token:${cacheKey}`, master);
    const failoverMs = Math.round(performance.now() - killedAt);
    expect(newMaster).not.toBe(master);
    expect(await Promise.all(f.workers.map((worker) => worker.probe(10_000)))).toEqual(
      Array(WORKERS).fill(true),
    );
    const before = server.tokenRequests.length;
    await shiftAll(f, 3 * (LIFETIME + 60_000));
    const after = await burstAll(f);
    expect(after.outcomes).toEqual({ 200: all });
    expect(server.tokenRequests.length - before).toBe(1);
    expect(callsPerToken(before)).toEqual([all]);

    Object.assign(figures, {
      cluster: {
        workers: WORKERS,
        concurrentCallsPerWorker: CALLS,
        topology: '3 masters, 1 replica each, cluster-node-timeout 1 s',
        formedMs,
        phases: [
          { phase: 'cold cache', calls: all, tokenRequests: 1, wallMs: cold.ms },
          { phase: 'after expiry', calls: all, tokenRequests: 1, wallMs: refresh.ms },
          {
            phase: 'master with entry and lock killed while the lock holder fetched',
            calls: WORKERS * DURING_CALLS,
            tokenRequests: duringRequests,
            holder,
            slowestCallMs: slowest,
            deadlineMs: DEADLINE,
          },
          { phase: 'failed over, after expiry', calls: all, tokenRequests: 1, wallMs: after.ms, failoverMs },
        ],
      },
    });
  }, 60_000);
});
