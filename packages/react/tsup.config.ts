import { defineConfig } from 'tsup';

// ESM + CJS with a declaration file for each; React and the SDK stay external (peers).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
  external: ['react', '@parley/sdk', '@parley/sdk/store'],
});
