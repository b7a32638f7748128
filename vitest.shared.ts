// Options every project needs. Projects do not inherit the root config's `test` options, so
// each project's vitest.config.ts spreads these.
export const sharedTestOptions = {
  // Integration suites start real servers and processes (argon2 hashing, migrations).
  testTimeout: 30_000,
  hookTimeout: 60_000,
};
