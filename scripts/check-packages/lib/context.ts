// What every check shares: where things are, how packages are classified, and the shapes they pass on.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Version } from './versions.ts';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export const FIXTURES = join(ROOT, 'scripts', 'package-smoke');
export const BIN = join(ROOT, 'node_modules', '.bin');

/**
 * Node lines every package runs on in the smoke step, pinned so a run is reproducible (bump them here).
 * Node 24 is the repository's own (`pnpm exec node`).
 */
export const NODE_LINES: readonly string[] = ['22.23.3', '26.10.0'];

/** Where each package runs (DESIGN.md). Browser packages are bundled for the browser and must not need Node. */
export const BROWSER_PACKAGES: ReadonlySet<string> = new Set([
  '@attache/core',
  '@attache/api-key',
  '@attache/hmac',
  '@attache/oauth-cc',
  '@attache/testing',
  '@attache/otel',
]);
export const NODE_ONLY_PACKAGES: ReadonlySet<string> = new Set([
  '@attache/mtls-node',
  '@attache/token-store-redis',
]);

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly type?: string;
  readonly sideEffects?: unknown;
  readonly engines?: { readonly node?: string };
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly keywords?: readonly string[];
  readonly publishConfig?: { readonly access?: string };
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly main?: string;
  readonly types?: string;
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export interface Pkg {
  /** Directory name under packages/. */
  readonly dir: string;
  readonly path: string;
  readonly manifest: Manifest;
  readonly name: string;
  /** The lowest Node version engines.node allows (`>=X.Y.Z`). */
  readonly floor: Version | undefined;
}

export interface StepResult {
  readonly step: string;
  ok: boolean;
  ms: number;
  readonly failures: string[];
  readonly notes: string[];
  readonly data: Record<string, unknown>;
}

export interface Recorder {
  fail(message: string): void;
  note(message: string): void;
  readonly data: Record<string, unknown>;
}

export interface Packed {
  readonly pkg: Pkg;
  readonly tarball: string;
  readonly files: Map<string, Buffer>;
}

export interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
}

export interface Consumer {
  readonly dir: string;
  readonly lock: Readonly<Record<string, LockEntry>>;
}
