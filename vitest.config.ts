import { defineConfig } from 'vitest/config';

// One root config; each package is a project (with its own vitest.config.ts that spreads
// vitest.shared.ts). Reporters are global: the JSON report feeds CI's summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/web-demo'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
