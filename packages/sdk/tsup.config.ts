import { defineConfig, type Options } from 'tsup';

// ESM + CJS with a declaration file for each. The public types come from the generated
// contract, so the bundled d.ts mentions neither @parley/* nor tRPC. The store is its own entry
// (`@parley/sdk/store`): apps that do not use it do not load it.
const common: Options = {
  entry: { index: 'src/index.ts', store: 'src/store/index.ts' },
  dts: true,
  target: 'es2022',
  sourcemap: true,
  treeshake: true,
  splitting: false,
};

export default defineConfig([
  // ESM keeps tRPC external: it is installed next to the SDK and apps' bundlers tree-shake it.
  { ...common, format: ['esm'], platform: 'neutral' },
  // CommonJS cannot be tree-shaken by the app's bundler: tRPC's CJS build drags in most of
  // @trpc/server. So the CJS build carries the few tRPC parts it uses, tree-shaken here.
  {
    ...common,
    format: ['cjs'],
    platform: 'neutral',
    noExternal: [/^@trpc\//],
    esbuildOptions(options) {
      options.mainFields = ['module', 'main'];
      options.conditions = ['import', 'module', 'default'];
    },
  },
]);
