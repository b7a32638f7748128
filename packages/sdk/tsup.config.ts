import { defineConfig } from 'tsup';

// ESM + CJS with a declaration file for each. The public types come from the generated
// contract, so the bundled d.ts mentions neither @parley/* nor tRPC; dependencies stay
// external (tRPC's client is installed next to the SDK, and apps' bundlers tree-shake it).
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
});
