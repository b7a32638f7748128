import { defineConfig } from 'vitest/config';

// One root config; each package is a project (with its own vitest.config.ts that spreads
// vitest.shared.ts). Reporters are global: the JSON report feeds CI's summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/web-demo'],
    // Vitest's default is one worker fewer than the cores: on a 2-core machine (CI's) that is a
    // single worker, and the whole suite ran file after file. Two share the two cores.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
