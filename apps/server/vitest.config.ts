import { defineProject } from 'vitest/config';

// Projects do not inherit the root's test options: repeat its generous timeouts here, since
// these suites start real servers (and processes) on a 2-core machine.
export default defineProject({
  test: { name: 'server', testTimeout: 30_000, hookTimeout: 60_000 },
});
