import { defineConfig } from 'tsup';

export default defineConfig({
  // The engines check is its own entry, imported first, so it runs before any dependency is evaluated.
  entry: {
    index: 'src/index.ts',
    'internal/index': 'src/internal/index.ts',
    'require-node': 'src/require-node.ts',
    // What every package's guard imports: nothing else of core is evaluated before the check.
    engines: 'src/engines.ts',
  },
  format: ['esm'],
  target: 'es2023',
  dts: { compilerOptions: { composite: false, allowImportingTsExtensions: true } },
  sourcemap: true,
  clean: true,
  treeshake: true,
});
