import { defineConfig } from 'tsup';

// ESM + CJS with a declaration file for each. The public types come from the generated
// contract, so the bundled d.ts mentions neither @parley/* nor tRPC; dependencies stay
// external (tRPC's client is installed next to the SDK, and apps' bundlers tree-shake it).
export default defineConfig({
  // The store is its own entry (`@parley/sdk/store`): apps that do not use it do not load it.
  entry: { index: 'src/index.ts', store: 'src/store/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
});
