import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.ts';

// Unit tests of the state logic beside it, and the end-to-end suite in test/ (the built demo,
// the real server and Debian's Chromium).
export default defineProject({
  test: {
    ...sharedTestOptions,
    name: 'web-demo',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
