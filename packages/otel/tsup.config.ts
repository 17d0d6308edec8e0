import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'es2023',
  dts: { compilerOptions: { composite: false, allowImportingTsExtensions: true } },
  sourcemap: true,
  clean: true,
  treeshake: true,
});
