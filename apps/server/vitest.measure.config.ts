import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.ts';

// Measurements (statement counts, CPU) that print numbers rather than check outcomes: run on
// demand, never in the test suite (docs/benchmarks.md).
export default defineProject({
  test: { ...sharedTestOptions, name: 'server-measure', include: ['test/measure/*.measure.ts'] },
});
