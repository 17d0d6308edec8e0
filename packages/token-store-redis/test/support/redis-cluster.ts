import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { exited, freePort, launch } from './redis-server.ts';

const run = promisify(execFile);

/** A real Redis Cluster on loopback: three masters, one replica each, made by `redis-cli --cluster create`. */
export interface LocalRedisCluster {
  /** `redis://127.0.0.1:<port>` of every node, masters and replicas. */
  readonly nodes: readonly string[];
  /** The port of the master that serves `key` now, as a live node sees it. */
  masterOf(key: string): Promise<number>;
  /** Kills the node on `port` (SIGKILL): no failover handshake, as a crashed host. */
  kill(port: number): Promise<void>;
  /** Resolves once a live node reports the cluster healthy and `key` served by a master other than `dead`. */
  waitForFailover(key: string, dead: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

interface Node {
  readonly port: number;
  readonly admin: Redis;
  child: ChildProcess | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clusterState(node: Node): Promise<string> {
  const info = String(await node.admin.call('CLUSTER', 'INFO'));
  return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
}

/**
 * Starts six `redis-server --cluster-enabled yes` nodes (node timeout 1 s, so a failover takes a few
 * seconds) and joins them into a cluster with `--cluster-replicas 1`.
 */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'attache-redis-cluster-'));
  const nodes: Node[] = [];
  for (let i = 0; i < 6; i++) {
    const port = await freePort();
    // The bus port is named: the default (port + 10000) may be taken or above 65535.
    const busPort = await freePort();
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir);
    const child = await launch(port, nodeDir, [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '1000',
    ]);
    const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    await admin.connect();
    nodes.push({ port, admin, child });
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((node) => `127.0.0.1:${node.port}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  const live = () => nodes.filter((node) => node.child !== undefined);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(nodes.map(clusterState));
    const known = await Promise.all(
      nodes.map(
        async (node) =>
          String(await node.admin.call('CLUSTER', 'NODES'))
            .trim()
            .split('\n').length,
      ),
    );
    if (states.every((state) => state === 'ok') && known.every((count) => count === 6)) break;
    if (Date.now() > deadline) throw new Error(`cluster did not form: ${states.join(', ')}`);
    await sleep(100);
  }

  async function masterOf(key: string): Promise<number> {
    const node = live()[0]!;
    const slot = Number(await node.admin.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await node.admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    if (range === undefined) throw new Error(`no master serves slot ${slot}`);
    return Number(range[2][1]);
  }

  return {
    nodes: nodes.map((node) => `redis://127.0.0.1:${node.port}`),
    masterOf,
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      const child = node?.child;
      if (node === undefined || child === undefined) return;
      node.child = undefined;
      node.admin.disconnect();
      child.kill('SIGKILL');
      await exited(child);
    },
    async waitForFailover(key, dead, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        try {
          const states = await Promise.all(live().map(clusterState));
          const master = await masterOf(key);
          if (master !== dead && states.every((state) => state === 'ok')) return master;
        } catch {
          // A node between roles: ask again.
        }
        if (Date.now() > until) throw new Error('the cluster did not fail over in time');
        await sleep(100);
      }
    },
    async close() {
      await Promise.all(
        nodes.map(async (node) => {
          node.admin.disconnect();
          const child = node.child;
          node.child = undefined;
          if (child === undefined) return;
          child.kill('SIGKILL');
          await exited(child);
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
