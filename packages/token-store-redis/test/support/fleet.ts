import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttacheEvent } from '@attache/core';
import type { RedisTokenStoreEvent } from '@attache/token-store-redis';
import type { BurstResult, ParentMessage, WorkerMessage } from './fleet-protocol.ts';

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fleet-worker.ts');

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** One worker process, driven over IPC. */
export interface FleetWorker {
  readonly name: string;
  readonly storeEvents: RedisTokenStoreEvent[];
  readonly tokenEvents: AttacheEvent[];
  /** Moves the worker's token-source clock `ms` ahead of real time. */
  shift(ms: number): Promise<void>;
  /** Fires `calls` concurrent calls through `createFetch` and reports how they ended. */
  burst(calls: number, timeout?: number): Promise<BurstResult>;
  /** Reads the store until Redis answers; resolves whether it did within `timeoutMs`. */
  probe(timeoutMs: number): Promise<boolean>;
  /** Crashes the process (SIGKILL): no cleanup, no lock release. */
  kill(): void;
  close(): Promise<void>;
}

export interface Fleet {
  readonly workers: readonly FleetWorker[];
  /** Resolves when `check` holds for every live worker (polled), or rejects after `timeoutMs`. */
  waitUntil(check: (worker: FleetWorker) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function startWorker(name: string, env: Record<string, string>): Promise<FleetWorker & { alive(): boolean }> {
  const child: ChildProcess = fork(WORKER_SCRIPT, [], {
    execArgv: ['--conditions=@attache/source', '--disable-warning=ExperimentalWarning'],
    env: { ...process.env, ...env, WORKER: name },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const pending = new Map<
    number,
    { resolve(value: BurstResult | boolean | null): void; reject(error: Error): void }
  >();
  const storeEvents: RedisTokenStoreEvent[] = [];
  const tokenEvents: AttacheEvent[] = [];
  let nextId = 0;
  let exited = false;

  return new Promise((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve(worker);
      else if (message.type === 'store-event') storeEvents.push(message.event);
      else if (message.type === 'token-event') tokenEvents.push(message.event);
      else {
        pending.get(message.id)?.resolve(message.result);
        pending.delete(message.id);
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      const error = new Error(`worker ${name} exited (${signal ?? code})\n${stderr}`);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      reject(error);
    });

    function request(message: WithoutId<ParentMessage>): Promise<BurstResult | boolean | null> {
      if (exited) return Promise.reject(new Error(`worker ${name} is not running`));
      const id = ++nextId;
      return new Promise((resolveReply, rejectReply) => {
        pending.set(id, { resolve: resolveReply, reject: rejectReply });
        child.send({ ...message, id } as ParentMessage);
      });
    }

    const worker = {
      name,
      storeEvents,
      tokenEvents,
      alive: () => !exited,
      async shift(ms: number) {
        await request({ op: 'shift', ms });
      },
      async burst(calls: number, timeout?: number) {
        const result = await request(
          timeout === undefined ? { op: 'burst', calls } : { op: 'burst', calls, timeout },
        );
        if (result === null || typeof result === 'boolean') throw new Error('burst without a result');
        return result;
      },
      async probe(timeoutMs: number) {
        return (await request({ op: 'probe', timeoutMs })) === true;
      },
      kill() {
        child.kill('SIGKILL');
      },
      async close() {
        if (exited) return;
        const gone = new Promise<void>((done) => child.once('exit', () => done()));
        await request({ op: 'close' }).catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      },
    };
  });
}

/** Starts `size` worker processes sharing `env` (REDIS_URL, ORIGIN, CACHE_KEY, ...). */
export async function startFleet(size: number, env: Record<string, string>): Promise<Fleet> {
  const workers = await Promise.all(Array.from({ length: size }, (_, i) => startWorker(`w${i + 1}`, env)));
  return {
    workers,
    async waitUntil(check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!workers.filter((w) => w.alive()).every(check)) {
        if (Date.now() > deadline) throw new Error('fleet condition not reached in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
