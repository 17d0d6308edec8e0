import { defineConfig } from 'tsup';

export default defineConfig({
  // The engines check is its own entry, imported first, so it runs before any dependency is evaluated.
  entry: ['src/index.ts', 'src/require-node.ts'],
  format: ['esm'],
  target: 'es2023',
  dts: { compilerOptions: { composite: false, allowImportingTsExtensions: true } },
  sourcemap: true,
  clean: true,
  treeshake: true,
});
