import { defineConfig } from 'tsup';

export default defineConfig({
  // The engines check is its own file, imported first, so it runs before any dependency is evaluated.
  entry: ['src/index.ts', 'src/require-node.ts'],
  format: ['esm'],
  // DPoP, key import and assertion signing are dynamic imports: they must stay chunks of their own, so a
  // client that uses none of them does not load (or bundle into its first load) jose's signing code.
  splitting: true,
  target: 'es2023',
  dts: { compilerOptions: { composite: false, allowImportingTsExtensions: true } },
  sourcemap: true,
  clean: true,
  treeshake: true,
});
