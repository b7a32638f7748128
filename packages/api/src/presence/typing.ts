import type { ApiDeps } from '../deps.ts';
import { requireMember } from '../shared/access.ts';
import { otherMembers } from '../shared/recipients.ts';

export interface TypingTracker {
  set(userId: string, conversationId: string, isTyping: boolean): Promise<void>;
  /** Sending a message ends the sender's typing (membership already checked). */
  stopAfterSend(userId: string, conversationId: string): Promise<void>;
  close(): void;
}

/**
 * Typing state lives in the presence store with a TTL (`typingTtlMs`). Other members hear
 * about changes only: started, stopped, or expired (a refresh that keeps it going is silent).
 * Expiry is checked by the instance that last saw a refresh.
 */
export function createTypingTracker(deps: ApiDeps): TypingTracker {
  const expiry = new Map<string, NodeJS.Timeout>();

  async function announce(conversationId: string, userId: string, isTyping: boolean) {
    const recipients = await otherMembers(deps.db, conversationId, userId);
    if (recipients.length === 0) return;
    await deps.bus.publish({
      kind: 'ephemeral',
      event: { type: 'typing', conversationId, userId, isTyping },
      recipients,
    });
  }

  function watchExpiry(conversationId: string, userId: string) {
    const key = `${conversationId}:${userId}`;
    clearTimeout(expiry.get(key));
    const timer = setTimeout(() => {
      expiry.delete(key);
      void (async () => {
        if (await deps.presence.isTyping(conversationId, userId)) return;
        await announce(conversationId, userId, false);
      })().catch((err) => deps.logger.error({ err }, 'typing expiry failed'));
    }, deps.limits.typingTtlMs + 50);
    timer.unref();
    expiry.set(key, timer);
  }

  async function stop(userId: string, conversationId: string) {
    const key = `${conversationId}:${userId}`;
    clearTimeout(expiry.get(key));
    expiry.delete(key);
    if (await deps.presence.stopTyping(conversationId, userId)) {
      await announce(conversationId, userId, false);
    }
  }

  return {
    async set(userId, conversationId, isTyping) {
      await requireMember(deps.db, conversationId, userId);
      if (isTyping) {
        const started = await deps.presence.startTyping(
          conversationId,
          userId,
          deps.limits.typingTtlMs,
        );
        watchExpiry(conversationId, userId);
        if (started) await announce(conversationId, userId, true);
        return;
      }
      await stop(userId, conversationId);
    },
    stopAfterSend: stop,
    close() {
      for (const timer of expiry.values()) clearTimeout(timer);
      expiry.clear();
    },
  };
}
