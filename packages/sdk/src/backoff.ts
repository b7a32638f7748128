export interface BackoffOptions {
  /** First delay (ms). */
  minDelayMs: number;
  /** Largest delay (ms). */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, min * 2^n). Jitter spreads a crowd of clients reconnecting after an outage; the
 * floor keeps any one of them from retrying in a tight loop.
 */
export function backoffDelay(
  attempt: number,
  { minDelayMs, maxDelayMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
