import { defineConfig } from 'vitest/config';

// One root config; each package is a project (with its own vitest.config.ts that spreads
// vitest.shared.ts). Reporters are global: the JSON report feeds CI's summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/web-demo'],
    // Workers: vitest's default (cores - 1), one on a 2-core machine, so files run one after
    // another. Two took the run from ~25 to ~14 minutes there, but the SDK store's scripted
    // drop-and-resume test then failed once to converge in 10 s (under study); until that is
    // understood, CI keeps the default.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
