export interface RateRule {
  /** Distinguishes rules sharing one store, e.g. "login:email". */
  name: string;
  points: number;
  durationMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  consume(rule: RateRule, key: string): Promise<RateDecision>;
  /** Forget a key, e.g. after a successful login. */
  reset(rule: RateRule, key: string): Promise<void>;
}
