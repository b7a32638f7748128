import { defineConfig } from 'vitest/config';

// One root config; each package is a project (with its own vitest.config.ts that spreads
// vitest.shared.ts). Reporters are global: the JSON report feeds CI's summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/web-demo'],
    // Workers: vitest's default (cores - 1), one on a 2-core machine. Two were tried there: the
    // suite is CPU-bound (servers, PostgreSQL, Chromium, argon2 all on the same cores), both
    // cores stayed saturated and tests with real deadlines timed out.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
