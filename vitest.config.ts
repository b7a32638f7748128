import { defineConfig } from 'vitest/config';

// One root config; each package is a project. Integration suites start real servers, so they
// get generous hook timeouts (argon2 hashing and migrations are deliberately slow-ish).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server'],
    testTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
    hookTimeout: 60_000,
  },
});
