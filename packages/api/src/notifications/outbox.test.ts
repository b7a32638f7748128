import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './outbox.ts';

const retry = { baseMs: 5000, maxMs: 3_600_000, maxAttempts: 12 };

describe('retryDelayMs', () => {
  it('doubles per attempt, half fixed and half jitter', () => {
    expect(retryDelayMs(retry, 1, () => 0)).toBe(2500);
    expect(retryDelayMs(retry, 1, () => 1)).toBe(5000);
    expect(retryDelayMs(retry, 2, () => 0)).toBe(5000);
    expect(retryDelayMs(retry, 4, () => 1)).toBe(40_000);
    expect(retryDelayMs(retry, 4, () => 0.5)).toBe(30_000);
  });

  it('caps every step at maxMs', () => {
    expect(retryDelayMs(retry, 11, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(retry, 60, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(retry, 60, () => 0)).toBe(1_800_000);
  });
});
