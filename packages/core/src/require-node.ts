// Imported first by index.ts, so it runs before any dependency loads (see engines.ts).
import { requireNode } from './engines.ts';

/** Equal to package.json's `engines.node` (test/engines.test.ts compares them). */
const NEEDS = { name: '@attache/core', major: 22, minor: 12 };
requireNode(NEEDS);
