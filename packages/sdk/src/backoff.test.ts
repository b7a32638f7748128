import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const options = { minDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the maximum, jittered between half and all of it', () => {
    const ceilings = [0, 1, 2, 3, 4, 10].map((attempt) => [
      backoffDelay(attempt, options, () => 0),
      backoffDelay(attempt, options, () => 1),
    ]);
    expect(ceilings).toEqual([
      [50, 100],
      [100, 200],
      [200, 400],
      [400, 800],
      [500, 1000],
      [500, 1000],
    ]);
  });
});
