import { defineConfig } from 'vitest/config';

// One root config; each package is a project (with its own vitest.config.ts that spreads
// vitest.shared.ts). Reporters are global: the JSON report feeds CI's summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/web-demo'],
    // Two workers (vitest's default is cores - 1: one on a 2-core machine, files one after
    // another, ~15 minutes; two take about half). The SDK store's drop-and-resume test that
    // once failed under two workers was a real race in the store, since fixed (a list read
    // before a live change overwrote it).
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
