import type { PresenceStore } from '@parley/api';

/** Single-instance presence and typing state, with the same expiry rules as the Redis store. */
export function createInProcessPresenceStore(now: () => number = Date.now): PresenceStore {
  const connections = new Map<string, Map<string, number>>(); // userId -> connectionId -> expiresAt
  const typing = new Map<string, number>(); // conversationId:userId -> expiresAt

  function live(userId: string): Map<string, number> {
    const entries = connections.get(userId) ?? new Map<string, number>();
    for (const [id, expiresAt] of entries) if (expiresAt <= now()) entries.delete(id);
    if (entries.size === 0) connections.delete(userId);
    return entries;
  }
  const typingLive = (key: string) => (typing.get(key) ?? 0) > now();

  return {
    async addConnection(userId, connectionId, ttlMs) {
      const entries = live(userId);
      entries.set(connectionId, now() + ttlMs);
      connections.set(userId, entries);
      return entries.size;
    },
    async removeConnection(userId, connectionId) {
      const entries = live(userId);
      entries.delete(connectionId);
      if (entries.size === 0) connections.delete(userId);
      return entries.size;
    },
    async refreshConnections(list, ttlMs) {
      for (const { userId, connectionId } of list) {
        connections.get(userId)?.set(connectionId, now() + ttlMs);
      }
    },
    async onlineUsers(userIds) {
      return new Set(userIds.filter((id) => live(id).size > 0));
    },
    async startTyping(conversationId, userId, ttlMs) {
      const key = `${conversationId}:${userId}`;
      const started = !typingLive(key);
      typing.set(key, now() + ttlMs);
      return started;
    },
    async stopTyping(conversationId, userId) {
      const key = `${conversationId}:${userId}`;
      const was = typingLive(key);
      typing.delete(key);
      return was;
    },
    async isTyping(conversationId, userId) {
      return typingLive(`${conversationId}:${userId}`);
    },
    async close() {
      connections.clear();
      typing.clear();
    },
  };
}
