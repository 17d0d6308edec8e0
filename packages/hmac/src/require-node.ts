// Imported first by index.ts, so it runs before any dependency loads (see @attache/core's engines.ts).
import { requireNode } from '@attache/core/engines';

/** Equal to package.json's `engines.node` (test/engines.test.ts compares them). */
const NEEDS = { name: '@attache/hmac', major: 22, minor: 12 };
requireNode(NEEDS);
