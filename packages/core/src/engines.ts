// The engines check every Attaché package runs first (its src/require-node.ts, imported first by its index):
// below the Node.js in a package's `engines.node`, dependencies fail later with messages that do not say why
// (undici on Node 20: "Cannot read properties of undefined (reading 'bind')"). This module imports nothing and
// does nothing when loaded, so a package's guard can use it before any other module is evaluated. Only
// Node.js itself is checked: Deno and Bun report the Node.js their compatibility layer follows and are tested
// as runtimes of their own. `process` is read from globalThis so that no `node:*` import reaches a browser or
// edge bundle.

/** A package's floor: its name and the `engines.node` it declares (`>=major.minor`). */
export interface NodeFloor {
  readonly name: string;
  readonly major: number;
  readonly minor: number;
}

/**
 * Throws a `RangeError` with one sentence naming the Node.js `needs` asks for when the running Node.js is
 * older; does nothing on browsers, workers, Deno and Bun.
 */
export function requireNode(needs: NodeFloor): void {
  const versions = (globalThis as { process?: { versions?: Partial<Record<string, string>> } }).process
    ?.versions;
  const running = versions?.node;
  if (typeof running !== 'string' || versions?.bun !== undefined || versions?.deno !== undefined) return;
  const [major = 0, minor = 0] = running.split('.').map(Number);
  if (major < needs.major || (major === needs.major && minor < needs.minor)) {
    // A RangeError, not an Attaché error: this runs before @attache/core itself can load.
    throw new RangeError(
      `${needs.name} needs Node.js ${needs.major}.${needs.minor} or later; this is Node.js ${running}.`,
    );
  }
}
