// Measures what an app pays for the SDK: its ESM build bundled for browsers, minified and
// gzipped, without and with tRPC's client (the only dependency). Run after `pnpm build`:
//   pnpm --filter @parley/sdk size
import { measureBundle } from './bundle-size.ts';

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const rows = [
  ['@parley/sdk alone (tRPC external)', await measureBundle({ withTrpc: false })],
  ['@parley/sdk + @trpc/client', await measureBundle({ withTrpc: true })],
  ['@parley/sdk CommonJS build (tRPC inside)', await measureBundle({ withTrpc: true, cjs: true })],
] as const;
console.log('| bundle | min | min+gzip |\n| --- | --- | --- |');
for (const [name, size] of rows) console.log(`| ${name} | ${kB(size.min)} | ${kB(size.gzip)} |`);
