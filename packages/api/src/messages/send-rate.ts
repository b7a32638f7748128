import type { ApiDeps } from '../deps.ts';
import { tooManyRequests } from '../errors.ts';

/**
 * Takes one point of the sender's `SEND_RATE_LIMIT` budget or answers TOO_MANY_REQUESTS. Besides
 * messages, what puts something into other people's timelines costs a point: a broadcast (once,
 * however many recipients), creating a group and adding members.
 */
export async function consumeSendPoint(deps: ApiDeps, userId: string): Promise<void> {
  const decision = await deps.rateLimiter.consume(
    { name: 'send', ...deps.limits.sendRate },
    userId,
  );
  if (!decision.allowed) {
    throw tooManyRequests(decision.retryAfterMs, 'Sending too fast, slow down');
  }
}
