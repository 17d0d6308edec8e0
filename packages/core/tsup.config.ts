import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'internal/index': 'src/internal/index.ts' },
  format: ['esm'],
  target: 'es2023',
  dts: { compilerOptions: { composite: false, allowImportingTsExtensions: true } },
  sourcemap: true,
  clean: true,
  treeshake: true,
});
