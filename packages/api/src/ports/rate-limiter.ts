export interface RateRule {
  /** Distinguishes rules sharing one store, e.g. "login:email". */
  name: string;
  points: number;
  durationMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  consume(rule: RateRule, key: string): Promise<RateDecision>;
  /**
   * Give back one point an allowed `consume` took (in the same window), e.g. for a send that
   * turned out to be a retry of a stored message.
   */
  refund(rule: RateRule, key: string): Promise<void>;
  /** Forget a key, e.g. after a successful login. */
  reset(rule: RateRule, key: string): Promise<void>;
}
