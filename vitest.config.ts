import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import {
  HEAVY,
  MOCKS_MODULES,
  NODE_INCLUDE,
  NODE_TRANSPORT_SUITES,
  SLOW_FIRST,
} from './test/support/projects.ts';

// Workspace packages resolve to their `src/` through this export condition, so tests need no build.
// Node tests resolve through `ssr.resolve`, browser tests through `resolve`: both need it.
const SOURCE = '@attache/source';

const CORE_OVER_NODE_TRANSPORT = fileURLToPath(
  new URL('./test/support/core-over-node-transport.ts', import.meta.url),
);

/**
 * Resolves `@attache/core` to {@link CORE_OVER_NODE_TRANSPORT} for test code only: package sources (the
 * transport's own among them) and that module itself get the real core.
 */
function coreOverNodeTransport(): Plugin {
  return {
    name: 'attache:core-over-node-transport',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== '@attache/core' || importer === undefined) return null;
      if (importer.startsWith(CORE_OVER_NODE_TRANSPORT) || /\/packages\/[^/]+\/src\//.test(importer))
        return null;
      return CORE_OVER_NODE_TRANSPORT;
    },
  };
}

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = SLOW_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return at < 0 ? SLOW_FIRST.length : at;
    };
    const group = (spec: TestSpecification): number => spec.project.config.sequence.groupOrder;
    // Array#sort is stable: apart from the listed files, the base order stands.
    return sorted.sort((a, b) => group(a) - group(b) || rank(a) - rank(b));
  }
}

export default defineConfig({
  resolve: { conditions: [SOURCE, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE, 'module', 'node', 'development|production'] } },
  // Pre-bundled up front for browser tests: discovering them mid-run makes Vite reload the page.
  optimizeDeps: {
    include: ['jose', 'ky', 'msw', 'msw/browser', 'zod', 'fast-check'],
    // Dev dependencies of @attache/otel only, so not resolvable from the root where pre-bundling resolves
    // them: served as the ES modules they ship instead.
    exclude: ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-trace'],
  },
  test: {
    // Most test files wait on servers in other processes (oidc-provider, Redis, nginx, Python, Chromium), so
    // more files than cores run well side by side; the browser instance takes one of these slots.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          // One worker runs file after file (a fresh worker and Node's import of msw, jose, undici … were most of
          // a short file's time); the setup file re-evaluates the packages' own modules for each file. A file
          // that changes globals, the environment or timers puts them back itself (test/test-projects.test.ts
          // checks); a file that mocks modules runs isolated.
          isolate: false,
          // The README and guide snippets are type-checked once for every test that checks some.
          globalSetup: ['test/support/snippet-check.global.ts'],
          setupFiles: ['test/support/fresh-modules.setup.ts'],
          include: NODE_INCLUDE,
          exclude: ['**/*.browser.test.ts', '**/node_modules/**', ...HEAVY, ...MOCKS_MODULES],
          testTimeout: 20_000,
          hookTimeout: 30_000,
          typecheck: {
            enabled: true,
            include: ['packages/*/test/**/*.test-d.ts'],
            // Vitest runs type tests after every other group: checking the whole workspace there (tsconfig.json,
            // which `pnpm typecheck` checks) would leave it alone on the machine at the end of every run.
            tsconfig: './tsconfig.typecheck.json',
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'node-isolated',
          environment: 'node',
          include: MOCKS_MODULES,
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        plugins: [coreOverNodeTransport()],
        test: {
          name: 'node-transport',
          environment: 'node',
          include: NODE_TRANSPORT_SUITES,
          setupFiles: ['test/support/node-transport.setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'node-heavy',
          environment: 'node',
          include: HEAVY,
          testTimeout: 20_000,
          hookTimeout: 30_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        // Serves msw's `mockServiceWorker.js` at `/`, so `setupWorker().start()` can register it with scope `/`.
        publicDir: 'test/browser-public',
        test: {
          name: 'browser',
          include: ['packages/*/test/**/*.browser.test.ts'],
          testTimeout: 20_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                // `||`, not `??`: an empty variable must fall back too.
                executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
                args: [
                  '--headless',
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-quic',
                  '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
