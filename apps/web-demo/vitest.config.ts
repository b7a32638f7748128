import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.ts';

// The end-to-end suite: the built demo, the real server and Debian's Chromium.
export default defineProject({
  test: { ...sharedTestOptions, name: 'web-demo', include: ['test/**/*.test.ts'] },
});
