// Imported first by index.ts, so it runs before any dependency loads: below the Node.js in this package's
// `engines.node`, dependencies fail later with messages that do not say why (undici on Node 20: "Cannot read
// properties of undefined (reading 'bind')"). Only Node.js itself is checked: Deno and Bun report the Node.js
// their compatibility layer follows and are tested as runtimes of their own. `process` is read from
// globalThis so that no `node:*` import reaches a browser or edge bundle.

/** Equal to package.json's `engines.node` (test/engines.test.ts compares them). */
const NEEDS = { name: '@attache/otel', major: 22, minor: 12 };

type Versions = Partial<Record<string, string>>;
const versions = (globalThis as { process?: { versions?: Versions } }).process?.versions;
const running = versions?.node;
if (typeof running === 'string' && versions?.bun === undefined && versions?.deno === undefined) {
  const [major = 0, minor = 0] = running.split('.').map(Number);
  if (major < NEEDS.major || (major === NEEDS.major && minor < NEEDS.minor)) {
    // A RangeError, not an Attaché error: this runs before @attache/core itself can load.
    throw new RangeError(
      `${NEEDS.name} needs Node.js ${NEEDS.major}.${NEEDS.minor} or later; this is Node.js ${running}.`,
    );
  }
}
