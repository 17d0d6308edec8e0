// Runs test/runtimes/conformance.ts on every runtime the README claims: Node 22, 24 and 26, Deno, Bun and
// workerd (the Cloudflare Workers runtime), each a real binary (Deno, Bun and workerd from their npm packages,
// Node 22/26 from npm's `node` package, cached like scripts/check-packages.ts does). The suite is bundled once
// with esbuild for web platforms; the peers are real servers on loopback started here. Each runtime must pass
// every case; .reports/runtimes.json records the matrix the README's table is written from.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RESOURCE,
  type OidcProviderHarness,
  startOidcProvider,
} from '../../packages/oauth-cc/test/support/oidc-provider.ts';
import {
  type ResourceServer,
  startResourceServer,
} from '../../packages/oauth-cc/test/support/resource-server.ts';
import { json, type LoopbackServer, startHttpServer } from '../support/servers.ts';
import { CASES, type CaseResult, type ConformanceConfig } from './conformance.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const require_ = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require_.resolve(`${name}/package.json`));
/** Node lines besides the pinned 24: the same versions scripts/check-packages.ts smoke-tests. */
const NODE_LINES = ['22.23.3', '26.10.0'];

interface Runtime {
  readonly name: string;
  run(config: ConformanceConfig): Promise<CaseResult[]>;
}

let scratch = '';
let config: ConformanceConfig;
const servers: { close(): Promise<void> }[] = [];
let as: OidcProviderHarness;
let partner: ResourceServer;
const matrix: Record<string, Record<string, boolean>> = {};

/** The echo server: what a partner API sees, redirects, and a token check per run. */
function echoHandler(floors: Map<string, number>) {
  return (
    request: { method: string; url: string; headers: Record<string, unknown>; body: string },
    response: Parameters<typeof json>[0],
  ) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/echo') {
      json(response, 200, {
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: request.body,
      });
    } else if (url.pathname === '/redirect') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname.startsWith('/protected/')) {
      const runId = url.pathname.slice('/protected/'.length);
      const token = /^Bearer tok-(\d+)$/.exec(String(request.headers.authorization ?? ''));
      const ok = token !== null && Number(token[1]) >= (floors.get(runId) ?? 1);
      json(
        response,
        ok ? 200 : 401,
        { ok },
        ok ? {} : { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    } else if (url.pathname.startsWith('/revoke/')) {
      const runId = url.pathname.slice('/revoke/'.length);
      floors.set(runId, (floors.get(runId) ?? 1) + 1);
      json(response, 200, { floor: floors.get(runId) });
    } else {
      json(response, 404, { error: 'not found' });
    }
  };
}

/** npm's `node@version`, installed once into the cache scripts/check-packages.ts shares. */
async function nodeBinary(version: string): Promise<string> {
  const dir = join(
    process.env.ATTACHE_CHECK_CACHE || join(homedir(), '.cache', 'attache-check'),
    'node',
    version,
  );
  const binary = join(dir, 'node');
  if (existsSync(binary)) return binary;
  const staging = `${dir}.staging-${process.pid}`;
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'package.json'), '{ "private": true }\n');
  await run(
    'npm',
    ['install', '--no-fund', '--no-audit', '--no-save', '--loglevel=error', `node@${version}`],
    {
      cwd: staging,
    },
  );
  await copyFile(join(staging, 'node_modules/node/bin/node'), join(staging, 'node'));
  await chmod(join(staging, 'node'), 0o755);
  await rm(join(staging, 'node_modules'), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return binary;
}

/** Runs the CLI bundle with a command-line runtime and reads the results line. */
function commandLine(name: string, binary: () => Promise<string> | string, args: readonly string[]): Runtime {
  return {
    name,
    async run(config) {
      const bundle = join(scratch, 'cli.mjs');
      const { stdout, stderr } = await run(await binary(), [...args, bundle, JSON.stringify(config)], {
        cwd: scratch,
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
        timeout: 90_000,
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${name} exited: ${error.message}\n${error.stderr ?? ''}`);
      });
      const line = stdout.split('\n').find((l) => l.startsWith('CONFORMANCE '));
      if (line === undefined) throw new Error(`${name} printed no results:\n${stdout}\n${stderr}`);
      return JSON.parse(line.slice('CONFORMANCE '.length)) as CaseResult[];
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** workerd serving the Worker bundle on a free port; the suite runs inside one request. */
const workerd: Runtime = {
  name: 'workerd',
  async run(config) {
    const port = await freePort();
    const capnp = join(scratch, 'workerd.capnp');
    await writeFile(
      capnp,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The default outbound network allows public addresses only; the peers are on loopback.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "2026-11-01",
);
`,
    );
    const binary = join(packageDir('workerd'), 'bin/workerd');
    const child: ChildProcess = spawn(binary, ['serve', capnp], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`, {
            method: 'POST',
            body: JSON.stringify(config),
          });
          if (response.status !== 200)
            throw new Error(`workerd answered ${response.status}:\n${await response.text()}\n${output}`);
          return (await response.json()) as CaseResult[];
        } catch (error) {
          const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
          if (!refused || Date.now() > deadline || child.exitCode !== null) {
            throw new Error(`workerd: ${(error as Error).message}\n${output}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } finally {
      child.kill('SIGKILL');
    }
  },
};

const RUNTIMES: readonly Runtime[] = [
  commandLine(`Node ${NODE_LINES[0]}`, () => nodeBinary(NODE_LINES[0] as string), []),
  commandLine(`Node ${process.versions.node}`, () => process.execPath, []),
  commandLine(`Node ${NODE_LINES[1]}`, () => nodeBinary(NODE_LINES[1] as string), []),
  commandLine('Deno', () => join(packageDir('deno'), 'deno'), [
    'run',
    '--allow-net',
    '--allow-env',
    '--quiet',
  ]),
  commandLine('Bun', () => join(packageDir('bun'), 'bin/bun.exe'), ['run']),
  workerd,
];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'attache-runtimes-'));
  const floors = new Map<string, number>();
  const api: LoopbackServer = await startHttpServer(echoHandler(floors));
  const other: LoopbackServer = await startHttpServer(echoHandler(floors));
  servers.push(api, other);
  as = await startOidcProvider({
    clients: [
      {
        client_id: 'runtime-client',
        client_secret: 'runtime-secret',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'orders:read orders:write',
      },
    ],
  });
  partner = await startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: DEFAULT_RESOURCE });
  servers.push(as, partner);
  config = {
    api: api.origin,
    other: other.origin,
    issuer: as.issuer,
    clientId: 'runtime-client',
    clientSecret: 'runtime-secret',
    resource: DEFAULT_RESOURCE,
    partner: partner.origin,
  };
  // One bundle per entry, as a web platform sees the packages (their `browser`/`worker` builds, no node:*).
  await build({
    entryPoints: { cli: join(import.meta.dirname, 'cli.ts'), worker: join(import.meta.dirname, 'worker.ts') },
    outdir: scratch,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['@attache/source', 'workerd', 'worker', 'browser', 'import', 'default'],
    logLevel: 'error',
  });
}, 300_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await mkdir(join(ROOT, '.reports'), { recursive: true });
  await writeFile(join(ROOT, '.reports/runtimes.json'), `${JSON.stringify(matrix, null, 2)}\n`);
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

/**
 * Failures known and understood, asserted exactly so that a fix makes this test fail until the entry goes.
 * Deno keeps a Headers object's state in own symbol properties, and the pipeline's `forgetHeaderRecord`
 * (packages/core/src/create-fetch.ts) deletes every own symbol of a Headers to drop msw's `kRawHeaders`
 * record: on Deno that erases the Headers itself. Deleting only the symbol described `kRawHeaders` makes
 * every case pass on Deno (checked by hand); create-fetch.ts is being rewritten, so the fix goes there.
 */
const KNOWN_FAILURES: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

describe.concurrent('conformance on every runtime', () => {
  it.each(RUNTIMES)(
    '$name passes every case',
    async (runtime) => {
      const results = await runtime.run(config);
      matrix[runtime.name] = Object.fromEntries(results.map((r) => [r.name, r.ok]));
      const known = KNOWN_FAILURES[runtime.name] ?? {};
      expect(results.map((r) => (r.ok ? `${r.name}: ok` : `${r.name}: ${r.detail}`))).toEqual(
        Object.keys(CASES).map((name) => `${name}: ${known[name] ?? 'ok'}`),
      );
    },
    180_000,
  );
});

describe('what the peers saw', () => {
  it('every runtime sent DPoP proofs the partner accepted', () => {
    // Two DPoP calls and one bearer call per runtime reached the partner and passed its checks.
    const passing = (name: string) => Object.values(matrix).filter((cases) => cases[name] === true).length;
    const accepted = partner.requests.filter((r) => r.status === 200);
    expect(passing('oauth-cc: DPoP-bound token and proofs the partner verifies')).toBeGreaterThanOrEqual(5);
    expect(accepted.filter((r) => r.scheme === 'DPoP')).toHaveLength(
      2 * passing('oauth-cc: DPoP-bound token and proofs the partner verifies'),
    );
    expect(accepted.filter((r) => r.scheme === 'Bearer')).toHaveLength(
      passing('oauth-cc: client credentials from a real OAuth server, bearer token to the partner'),
    );
  });
});
